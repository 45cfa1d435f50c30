package spam

import (
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/spam"
)

// UnmarkOptions are spam unmark's flags and arguments, and what Complete
// makes of them.
type UnmarkOptions struct {
	BulkOptions
	Batch int64
}

// NewCmdUnmark is `inboxctl spam unmark`; runF, if not nil, runs instead
// of unmarkRun once the options are complete (for tests).
func NewCmdUnmark(f *cmdutil.Factory, runF func(*UnmarkOptions) error) *cobra.Command {
	o := &UnmarkOptions{BulkOptions: BulkOptions{Factory: f}}
	c := &cobra.Command{
		Use:   "unmark REF... [-f FILE|-] [--batch ID] [--dry-run]",
		Short: "Unmark spam users, by ref or by batch",
		Long: `Revert a spam mark: the "Marked as Spam" trait goes back to No, the chat
returns to the folder its assignment puts it in, assign, label and send work
again, campaign entries excluded for spam go back to pending (for campaigns
that have not run), and notifications resume for new messages.

--batch ID unmarks exactly the users that mark batch marked and that are still
spam. Refs and files work as for 'spam mark'; so do --dry-run, --yes and the
--skip-* flags. You may unmark users in your spam folder.`,
		Example: `  # undo a bulk mark
  inboxctl spam unmark --batch 42 --yes --as lead@acme.test

  # one user
  inboxctl spam unmark +919800000007 --as lead@acme.test`,
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.complete(c, args); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return unmarkRun(o)
		},
	}
	o.register(c)
	c.Flags().Int64Var(&o.Batch, "batch", 0, "unmark the users this mark batch marked that are still spam")
	return c
}

func unmarkRun(o *UnmarkOptions) error {
	return bulkRun(&o.BulkOptions, "unmark", input.Expiry{}, o.Batch, spam.Unmark)
}
