package chat

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/inbox"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/store"
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
		Args: cmdutil.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if to == "" {
				return errs.Usagef("Name the agent with --to EMAIL.")
			}
			return runChange(c, f, r, args[0], func(ctx context.Context, db *store.DB, actor directory.Actor, ref input.Ref) (inbox.Change, error) {
				return inbox.Assign(ctx, db, actor, ref, to)
			}, "assigned to "+to+".", "already assigned to "+to+"; nothing changed.")
		},
	}
	r.register(c)
	c.Flags().StringVar(&to, "to", "", "email of the agent to assign the chat to")
	return c
}
