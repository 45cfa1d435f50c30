package chat

import (
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/inbox"
)

func newCmdLabelClear(f *cmdutil.Factory) *cobra.Command {
	r := &refFlag{}
	c := &cobra.Command{
		Use:   "clear REF",
		Short: "Remove the label of a user's chat",
		Long: `Remove the user's chat's label; recorded on the timeline as 'unlabelled'.
The label itself stays defined for the org. Refused (exit 4) while the user
is marked as spam, and for a chat you cannot see.`,
		Example: `  inboxctl chat label clear +919800000007 --as lead@acme.test`,
		Args:    cmdutil.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runChange(c, f, r, args[0], inbox.ClearLabel, "label removed.", "has no label; nothing changed.")
		},
	}
	r.register(c)
	return c
}
