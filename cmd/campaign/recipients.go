package campaign

import (
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/campaign"
	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/output"
)

func newCmdRecipients(f *cmdutil.Factory) *cobra.Command {
	var status string
	c := &cobra.Command{
		Use:   "recipients NAME [--status pending|sent|excluded]",
		Short: "List a campaign's recipient entries with status and reason",
		Long: `Stream a campaign's recipient entries in user id order: for a one-time
campaign its recipient list (pending, sent, or excluded with a reason such as
spam); for an ongoing campaign the sent entries of every run.`,
		Example: `  inboxctl campaign recipients "Diwali Sale" --status excluded
  inboxctl campaign recipients "Diwali Sale" -o csv > recipients.csv`,
		Args: cmdutil.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			st, err := campaign.ParseStatus(status)
			if err != nil {
				return err
			}
			p, err := f.Printer()
			if err != nil {
				return err
			}
			db, org, err := f.Org(c.Context())
			if err != nil {
				return err
			}
			l := p.List(output.Cols("user_id", "phone", "status", "reason").Numeric("user_id", "phone"))
			err = campaign.Recipients(c.Context(), db, org.ID, args[0], st, func(r campaign.Recipient) error {
				return l.Row(r.UserID, r.Phone, r.Status, r.Reason)
			})
			if err != nil {
				return err
			}
			return l.Close()
		},
	}
	c.Flags().StringVar(&status, "status", "", "only entries with this status: pending, sent or excluded")
	_ = c.RegisterFlagCompletionFunc("status", cobra.FixedCompletions([]string{"pending", "sent", "excluded"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}
