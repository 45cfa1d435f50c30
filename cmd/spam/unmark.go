package spam

import (
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/spam"
	"github.com/inboxctl/inboxctl/internal/store"
)

func newCmdUnmark(f *cmdutil.Factory) *cobra.Command {
	o := &bulkOptions{}
	var batch int64
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
			return runBulk(c, f, o, args, batch, "unmark", func(db *store.DB, actor directory.Actor, req spam.Request) (spam.Summary, error) {
				return spam.Unmark(c.Context(), db, actor, req)
			})
		},
	}
	o.register(c)
	c.Flags().Int64Var(&batch, "batch", 0, "unmark the users this mark batch marked that are still spam")
	return c
}
