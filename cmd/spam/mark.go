package spam

import (
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/spam"
	"github.com/inboxctl/inboxctl/internal/store"
)

func newCmdMark(f *cmdutil.Factory) *cobra.Command {
	o := &bulkOptions{}
	c := &cobra.Command{
		Use:   "mark REF... [-f FILE|-] [--reason TEXT] [--dry-run]",
		Short: "Mark users as spam",
		Long: `Mark users as spam, by phone (+ then 8-15 digits; spaces, dashes, dots and
parentheses ignored) or numeric user id, from arguments and/or a file with one
ref a line (blank lines and # comments ignored; duplicates collapse).

The whole mark is one transaction: if any ref is malformed (exit 2), names no
user (exit 3) or is refused to you (exit 4), nothing changes and every bad ref
is listed on stderr with its line number, unless you pass --skip-invalid,
--skip-missing or --skip-refused: then the rest is marked and the skipped refs
are listed on stderr (with -o ndjson, in the per-ref stream). Marking a user
who is already spam is reported as unchanged.

On a terminal it asks for confirmation; elsewhere pass --yes. The summary
gives a batch id: 'inboxctl spam unmark --batch ID' undoes exactly that mark.`,
		Example: `  # one user
  inboxctl spam mark "+91 98000 00007" --reason "abusive" --as lead@acme.test

  # a list of phones from a script, no prompt, JSON summary
  inboxctl spam mark -f spammers.txt --yes -o json --as lead@acme.test

  # preview: the real statements, rolled back
  inboxctl spam mark -f spammers.txt --dry-run --as lead@acme.test

  # per-ref outcome as a stream
  cut -d, -f1 report.csv | inboxctl spam mark -f - --yes --skip-missing -o ndjson --as lead@acme.test`,
		RunE: func(c *cobra.Command, args []string) error {
			return runBulk(c, f, o, args, 0, "mark", func(db *store.DB, actor directory.Actor, req spam.Request) (spam.Summary, error) {
				return spam.Mark(c.Context(), db, actor, req)
			})
		},
	}
	o.register(c)
	return c
}
