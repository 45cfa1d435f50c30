package message

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/inbox"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/output"
)

func newCmdSend(f *cmdutil.Factory) *cobra.Command {
	var text, by string
	c := &cobra.Command{
		Use:   "send REF --text T",
		Short: "Send a message to a user as the acting agent",
		Long: fmt.Sprintf(`Store an outbound message from you in the user's chat (at most %d
characters) and move the chat's activity. Refused (exit 4) while the user is
marked as spam, and for a chat you cannot see. Prints the message id.`, input.MaxTextLen),
		Example: `  inboxctl message send +919800000007 --text "Your refund is on its way." --as asha@acme.test`,
		Args:    cmdutil.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			b, err := cmdutil.ParseBy(by)
			if err != nil {
				return err
			}
			ref, err := directory.ParseRef(args[0], b)
			if err != nil {
				return err
			}
			p, err := f.Printer()
			if err != nil {
				return err
			}
			db, actor, err := f.Actor(c.Context())
			if err != nil {
				return err
			}
			id, err := inbox.Send(c.Context(), db, actor, ref, text)
			if err != nil {
				return err
			}
			switch p.Format {
			case output.JSON, output.NDJSON:
				return p.JSON(struct {
					MessageID int64 `json:"message_id"`
				}{id})
			case output.Table:
				_, err = fmt.Fprintf(f.IO.Out, "Sent message %d.\n", id)
				return err
			}
			l := p.List(output.Cols("message_id"))
			l.Row(id)
			return l.Close()
		},
	}
	c.Flags().StringVar(&text, "text", "", "the message")
	c.Flags().StringVar(&by, "by", string(input.ByAuto), "how to read REF: auto, phone or id")
	return c
}
