package campaign

import (
	"context"
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/campaign"
	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/output"
	"github.com/inboxctl/inboxctl/internal/rules"
)

// RecipientsOptions are `inboxctl campaign recipients`'s arguments and
// flags, and what Complete makes of them.
type RecipientsOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context

	Name       string
	StatusText string // --status as given

	// Status is --status, parsed by Complete ("" for every status).
	Status rules.RecipientStatus
}

// Complete parses --status.
func (o *RecipientsOptions) Complete(c *cobra.Command, args []string) error {
	o.Name = args[0]
	st, err := campaign.ParseStatus(o.StatusText)
	if err != nil {
		return err
	}
	o.Status = st
	return nil
}

// NewCmdRecipients is `inboxctl campaign recipients`; runF, if not nil, runs
// instead of recipientsRun once the options are complete (for tests).
func NewCmdRecipients(f *cmdutil.Factory, runF func(*RecipientsOptions) error) *cobra.Command {
	o := &RecipientsOptions{Factory: f}
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
			o.ctx = c.Context()
			if err := o.Complete(c, args); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return recipientsRun(o)
		},
	}
	c.Flags().StringVar(&o.StatusText, "status", "", "only entries with this status: pending, sent or excluded")
	_ = c.RegisterFlagCompletionFunc("status", cobra.FixedCompletions([]string{"pending", "sent", "excluded"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

func recipientsRun(o *RecipientsOptions) error {
	f := o.Factory
	p, err := f.Printer()
	if err != nil {
		return err
	}
	db, org, err := f.Org(o.ctx)
	if err != nil {
		return err
	}
	l := p.List(output.Cols("user_id", "phone", "status", "reason").Numeric("user_id", "phone"))
	err = campaign.Recipients(o.ctx, db, org.ID, o.Name, o.Status, func(r campaign.Recipient) error {
		return l.Row(r.UserID, r.Phone, r.Status, r.Reason)
	})
	if err != nil {
		return err
	}
	return l.Close()
}
