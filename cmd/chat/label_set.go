package chat

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/inbox"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/store"
)

// LabelSetOptions are chat label set's REF, LABEL and flags.
type LabelSetOptions struct {
	ChangeOptions
	// Label is LABEL as stored: the service trims it.
	Label string
}

// NewCmdLabelSet is `inboxctl chat label set`; runF, if not nil, runs
// instead of labelSetRun once the options are valid (for tests).
func NewCmdLabelSet(f *cmdutil.Factory, runF func(*LabelSetOptions) error) *cobra.Command {
	o := &LabelSetOptions{ChangeOptions: ChangeOptions{Factory: f}}
	c := &cobra.Command{
		Use:   "set REF LABEL",
		Short: "Give a user's chat a label",
		Long: `Give the user's chat the label LABEL (1 to 22 characters), replacing any
other; a new label name is created for the org. Recorded on the timeline as
'labelled'. Refused (exit 4) while the user is marked as spam, and for a chat
you cannot see.`,
		Example: `  inboxctl chat label set +919800000007 billing --as lead@acme.test
  inboxctl chat label set 42 "follow up" --as ravi@acme.test`,
		Args: cmdutil.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			o.complete(c, args)
			o.Label = strings.TrimSpace(args[1])
			if err := o.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return labelSetRun(o)
		},
	}
	o.register(c)
	return c
}

func labelSetRun(o *LabelSetOptions) error {
	return changeRun(&o.ChangeOptions, func(ctx context.Context, db *store.DB, actor directory.Actor, ref input.Ref) (inbox.Change, error) {
		return inbox.SetLabel(ctx, db, actor, ref, o.Label)
	}, "labelled "+o.Label+".", "already labelled "+o.Label+"; nothing changed.")
}
