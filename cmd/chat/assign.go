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

// AssignOptions are chat assign's REF and flags.
type AssignOptions struct {
	ChangeOptions
	To string
}

// Validate wants --to, then parses REF.
func (o *AssignOptions) Validate() error {
	if o.To == "" {
		return errs.Usagef("Name the agent with --to EMAIL.")
	}
	return o.validate()
}

// NewCmdAssign is `inboxctl chat assign`; runF, if not nil, runs instead
// of assignRun once the options are valid (for tests).
func NewCmdAssign(f *cmdutil.Factory, runF func(*AssignOptions) error) *cobra.Command {
	o := &AssignOptions{ChangeOptions: ChangeOptions{Factory: f}}
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
			o.complete(c, args)
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return assignRun(o)
		},
	}
	o.register(c)
	c.Flags().StringVar(&o.To, "to", "", "email of the agent to assign the chat to")
	return c
}

func assignRun(o *AssignOptions) error {
	return changeRun(&o.ChangeOptions, func(ctx context.Context, db *store.DB, actor directory.Actor, ref input.Ref) (inbox.Change, error) {
		return inbox.Assign(ctx, db, actor, ref, o.To)
	}, "assigned to "+o.To+".", "already assigned to "+o.To+"; nothing changed.")
}
