package chat

import (
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/inbox"
)

// UnassignOptions are chat unassign's REF and flags.
type UnassignOptions struct {
	ChangeOptions
}

// NewCmdUnassign is `inboxctl chat unassign`; runF, if not nil, runs instead of
// unassignRun once the options are valid (for tests).
func NewCmdUnassign(f *cmdutil.Factory, runF func(*UnassignOptions) error) *cobra.Command {
	o := &UnassignOptions{ChangeOptions{Factory: f}}
	c := &cobra.Command{
		Use:   "unassign REF",
		Short: "Remove the assignee of a user's chat",
		Long: `Leave the user's chat assigned to nobody, so it shows in the unassigned
folder; recorded on the timeline as 'unassigned'. Refused (exit 4) while the
user is marked as spam, and for a chat you cannot see.`,
		Example: `  inboxctl chat unassign +919800000007 --as lead@acme.test`,
		Args:    cmdutil.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.complete(c, args)
			if err := o.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return unassignRun(o)
		},
	}
	o.register(c)
	return c
}

func unassignRun(o *UnassignOptions) error {
	return changeRun(&o.ChangeOptions, inbox.Unassign, "unassigned.", "already unassigned; nothing changed.")
}
