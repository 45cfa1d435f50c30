package spam

import (
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/output"
	"github.com/inboxctl/inboxctl/internal/spam"
)

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	var batch int64
	c := &cobra.Command{
		Use:   "list [--batch ID]",
		Short: "List the spam users you can see, with who marked them, when and why",
		Long: `List the spam users in your spam folder (all of the org's with all access;
those assigned to you or marked by you with assigned access), newest mark
first, with who marked each, when, why and in which batch.`,
		Example: `  inboxctl spam list --as lead@acme.test
  inboxctl spam list --batch 42 -o csv --as lead@acme.test > batch42.csv`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			p, err := f.Printer()
			if err != nil {
				return err
			}
			db, actor, err := f.Actor(c.Context())
			if err != nil {
				return err
			}
			l := p.List(output.Cols("user_id", "phone", "name", "marked_by", "marked_at", "reason", "batch_id").Numeric("user_id", "phone", "batch_id"))
			err = spam.List(c.Context(), db, actor, batch, func(e spam.Entry) error {
				return l.Row(e.UserID, e.Phone, e.Name, e.MarkedBy, e.MarkedAt, e.Reason, e.BatchID)
			})
			if err != nil {
				return err
			}
			return l.Close()
		},
	}
	c.Flags().Int64Var(&batch, "batch", 0, "only the users this mark batch marked")
	return c
}
