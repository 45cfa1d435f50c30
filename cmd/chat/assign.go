package chat

import (
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/inbox"
)

func newCmdAssign(f *cmdutil.Factory) *cobra.Command {
	r := &refFlag{}
	var to string
	c := &cobra.Command{
		Use:   "assign REF --to EMAIL",
		Short: "Assign a user's chat to an agent",
		Long: `Assign the user's chat to the agent with email EMAIL, replacing any other
assignee; recorded on the timeline as 'assigned'. Refused (exit 4) while the
user is marked as spam, and for a chat you cannot see. Assigning a chat to
its assignee changes nothing.`,
		Example: `  inboxctl chat assign +919800000007 --to asha@acme.test --as lead@acme.test
  inboxctl chat assign 42 --to ravi@acme.test --as lead@acme.test`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if to == "" {
				return errs.Usagef("Name the agent with --to EMAIL.")
			}
			ref, err := r.parse(args[0])
			if err != nil {
				return err
			}
			db, actor, err := f.Actor(c.Context())
			if err != nil {
				return err
			}
			ch, err := inbox.Assign(c.Context(), db, actor, ref, to)
			if err != nil {
				return err
			}
			return report(f, ch.UserID, ch.Changed, "assigned to "+to+".", "already assigned to "+to+"; nothing changed.")
		},
	}
	r.register(c)
	c.Flags().StringVar(&to, "to", "", "email of the agent to assign the chat to")
	return c
}
