package chat

import (
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/inbox"
)

// LabelClearOptions are chat label clear's REF and flags.
type LabelClearOptions struct {
	ChangeOptions
}

// NewCmdLabelClear is `inboxctl chat label clear`; runF, if not nil, runs instead of
// labelClearRun once the options are valid (for tests).
func NewCmdLabelClear(f *cmdutil.Factory, runF func(*LabelClearOptions) error) *cobra.Command {
	o := &LabelClearOptions{ChangeOptions{Factory: f}}
	c := &cobra.Command{
		Use:   "clear REF",
		Short: "Remove the label of a user's chat",
		Long: `Remove the user's chat's label; recorded on the timeline as 'unlabelled'.
The label itself stays defined for the org. Refused (exit 4) while the user
is marked as spam, and for a chat you cannot see.`,
		Example: `  inboxctl chat label clear +919800000007 --as lead@acme.test`,
		Args:    cmdutil.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.complete(c, args)
			if err := o.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return labelClearRun(o)
		},
	}
	o.register(c)
	return c
}

func labelClearRun(o *LabelClearOptions) error {
	return changeRun(&o.ChangeOptions, inbox.ClearLabel, "label removed.", "has no label; nothing changed.")
}
