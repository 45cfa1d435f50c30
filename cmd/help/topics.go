package help

import "github.com/spf13/cobra"

// Topics are help-only commands (`inboxctl help exit-codes`), listed
// under "Additional help topics" as gh lists its own.
func Topics() []*cobra.Command {
	return []*cobra.Command{
		{
			Use:   "exit-codes",
			Short: "Exit codes inboxctl returns, for scripts",
			Long: `inboxctl's exit codes are stable; scripts and CI jobs may depend on them.

  0    success, including "nothing to change" (marking a spam user again)
  1    unexpected or database error; the database has pending migrations
       (run 'inboxctl db migrate'); a lost connection (before the COMMIT
       nothing was changed; after it, the sentence names the committed
       batch); a write on a read-only standby
  2    usage error or invalid input: a bad flag, a malformed ref, a bad line
       of a file (every bad line is listed with its number); a declined
       confirmation; a bulk command without a terminal and without --yes
  3    not found: an unknown user, agent, org, campaign, label or batch
  4    refused by a spam rule or a permission: acting on a spam user's chat,
       an assigned-access agent asking for the all folder or for a chat they
       cannot see
  5    a check failed: 'inboxctl campaign check' found a spam user who would
       be messaged
  130  interrupted (Ctrl-C); the transaction was rolled back

A bulk command with several kinds of failure exits with the first in the
order 2, 3, 4, and changes nothing unless --skip-invalid, --skip-missing or
--skip-refused is given. Errors go to stderr: one sentence, then details.`,
		},
		{
			Use:   "environment",
			Short: "Environment variables inboxctl reads",
			Long: `Every global flag can also be set in the environment and in the config file;
a flag wins over the environment, which wins over the file.

  INBOXCTL_DATABASE_URL   PostgreSQL URL or key=value string (--database-url)
  INBOXCTL_ORG            org slug (--org)
  INBOXCTL_AGENT          acting agent's email (--as); INBOXCTL_AS also works
  INBOXCTL_OUTPUT         table, json, ndjson, csv or tsv (-o)
  INBOXCTL_NO_COLOR       true to disable colour (--no-color)
  INBOXCTL_YES            true to skip confirmations (--yes)
  INBOXCTL_CONFIG         config file (--config)
  INBOXCTL_PAGER          the pager of a table longer than the terminal; set
                          and empty, no pager (--no-pager)
  PAGER                   the pager when INBOXCTL_PAGER is unset (default
                          less -FRX); never used when stdout is not a terminal
  LESS                    the pager's options; unset, LESS=FRX (quit when the
                          table fits, keep colours, leave the table on screen)

  PGHOST, PGHOSTADDR, PGPORT, PGSERVICE, PGDATABASE, PGUSER, PGPASSWORD,
  PGSSLMODE, PGSSLROOTCERT, PGCONNECT_TIMEOUT, ...
                          libpq's variables, used when no database URL is set,
                          and for what the URL leaves out
  NO_COLOR                any value disables colour
  XDG_CONFIG_HOME         the config file is $XDG_CONFIG_HOME/inboxctl/config.yaml
                          (default ~/.config/inboxctl/config.yaml)

For demo, bench and the tests:
  INBOXCTL_PG_BINDIR          where initdb and postgres are (default: PATH,
                              pg_config --bindir, newest /usr/lib/postgresql/*/bin,
                              on macOS Homebrew's or Postgres.app's)
  INBOXCTL_PGBOUNCER          the pgbouncer the pooler tests start (default:
                              PATH, then /usr/sbin/pgbouncer)
  INBOXCTL_TEST_DATABASE_URL  use this server instead of starting a private one
  INBOXCTL_TEST_KEEP          any value keeps a failed test's private server
  CI                          set: a missing pgbouncer fails the pooler tests
                              instead of stopping them

For the release (internal/tools/mangen):
  SOURCE_DATE_EPOCH           the man pages' date, in seconds since 1970

'inboxctl config show' prints every setting, its value and where it came
from, with passwords masked.`,
		},
	}
}
