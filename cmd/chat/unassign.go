package chat

import (
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/inbox"
)

func newCmdUnassign(f *cmdutil.Factory) *cobra.Command {
	r := &refFlag{}
	c := &cobra.Command{
		Use:   "unassign REF",
		Short: "Remove the assignee of a user's chat",
		Long: `Leave the user's chat assigned to nobody, so it shows in the unassigned
folder; recorded on the timeline as 'unassigned'. Refused (exit 4) while the
user is marked as spam, and for a chat you cannot see.`,
		Example: `  inboxctl chat unassign +919800000007 --as lead@acme.test`,
		Args:    cmdutil.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runChange(c, f, r, args[0], inbox.Unassign, "unassigned.", "already unassigned; nothing changed.")
		},
	}
	r.register(c)
	return c
}
