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

func newCmdLabelSet(f *cmdutil.Factory) *cobra.Command {
	r := &refFlag{}
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
			label := strings.TrimSpace(args[1]) // as stored: the service trims it
			return runChange(c, f, r, args[0], func(ctx context.Context, db *store.DB, actor directory.Actor, ref input.Ref) (inbox.Change, error) {
				return inbox.SetLabel(ctx, db, actor, ref, label)
			}, "labelled "+label+".", "already labelled "+label+"; nothing changed.")
		},
	}
	r.register(c)
	return c
}
