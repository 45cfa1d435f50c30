package chat

import (
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/inbox"
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
		Args: cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			ref, err := r.parse(args[0])
			if err != nil {
				return err
			}
			db, actor, err := f.Actor(c.Context())
			if err != nil {
				return err
			}
			ch, err := inbox.SetLabel(c.Context(), db, actor, ref, args[1])
			if err != nil {
				return err
			}
			return report(f, ch.UserID, ch.Changed, "labelled "+args[1]+".", "already labelled "+args[1]+"; nothing changed.")
		},
	}
	r.register(c)
	return c
}
