package spam

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/spam"
)

// MarkOptions are spam mark's flags and arguments, and what Complete makes
// of them.
type MarkOptions struct {
	BulkOptions
	For   string // --for as given
	Until string // --until as given

	// Expiry is --for or --until, parsed by Complete.
	Expiry input.Expiry
}

// Complete reads the arguments and parses --by, --for and --until.
func (o *MarkOptions) Complete(c *cobra.Command, args []string) error {
	if err := o.complete(c, args); err != nil {
		return err
	}
	expiry, err := input.ParseExpiry(o.For, o.Until, time.Now())
	if err != nil {
		return errs.Usagef("%s.", capitalize(err.Error()))
	}
	o.Expiry = expiry
	return nil
}

// NewCmdMark is `inboxctl spam mark`; runF, if not nil, runs instead of
// markRun once the options are complete (for tests).
func NewCmdMark(f *cmdutil.Factory, runF func(*MarkOptions) error) *cobra.Command {
	o := &MarkOptions{BulkOptions: BulkOptions{Factory: f}}
	c := &cobra.Command{
		Use:   "mark REF... [-f FILE|-] [--reason TEXT] [--for DURATION | --until TIME] [--dry-run]",
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

A mark lasts until it is unmarked, or, with --for DURATION (units m, h, d, w:
30m, 12h, 7d, 2w, 1d12h) or --until TIME (a date, 2027-01-31, meaning its
midnight UTC, or an RFC 3339 time), until 'inboxctl spam expire' (run from
cron) unmarks it once that time has passed. --for counts from the mark's time
on the database's clock. Re-marking a spam user with --for or --until replaces
the expiry of their mark (status updated); without them it is unchanged.

On a terminal it asks for confirmation; elsewhere pass --yes. The summary
gives a batch id: 'inboxctl spam unmark --batch ID' undoes exactly that mark.`,
		Example: `  # one user
  inboxctl spam mark "+91 98000 00007" --reason "abusive" --as lead@acme.test

  # a list of phones from a script, no prompt, JSON summary
  inboxctl spam mark -f spammers.txt --yes -o json --as lead@acme.test

  # silence an abusive visitor for an hour; 'spam expire' lets them back in
  inboxctl spam mark +919800000007 --for 1h --reason "abusive" --yes --as lead@acme.test

  # preview: the real statements, rolled back
  inboxctl spam mark -f spammers.txt --dry-run --as lead@acme.test

  # per-ref outcome as a stream
  cut -d, -f1 report.csv | inboxctl spam mark -f - --yes --skip-missing -o ndjson --as lead@acme.test`,
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(c, args); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return markRun(o)
		},
	}
	o.register(c)
	c.Flags().StringVar(&o.For, "for", "", "make the mark expire after DURATION (m, h, d, w: 30m, 12h, 7d, 2w)")
	c.Flags().StringVar(&o.Until, "until", "", "make the mark expire at TIME (2027-01-31 or 2027-01-31T10:00:00Z)")
	return c
}

func markRun(o *MarkOptions) error {
	return bulkRun(&o.BulkOptions, "mark", o.Expiry, 0, spam.Mark)
}
