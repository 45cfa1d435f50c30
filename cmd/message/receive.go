package message

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/inbox"
	"github.com/inboxctl/inboxctl/internal/output"
)

func newCmdReceive(f *cmdutil.Factory) *cobra.Command {
	var from, text string
	c := &cobra.Command{
		Use:   "receive --from PHONE --text T",
		Short: "Record an inbound message from a phone, as the webhook would",
		Long: `Record a message from PHONE: a new phone becomes a user with a chat; the
message is stored and moves the chat's activity, also when the user is marked
as spam; every agent who can see the chat gets a desktop notification unless
the user is spam. Needs no --as.`,
		Example: `  inboxctl message receive --from +919800000007 --text "Where is my order?"
  inboxctl message receive --from "+44 7700 900123" --text "Hi" -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			p, err := f.Printer()
			if err != nil {
				return err
			}
			db, org, err := f.Org(c.Context())
			if err != nil {
				return err
			}
			r, err := inbox.Receive(c.Context(), db, org.ID, from, text)
			if err != nil {
				return err
			}
			switch p.Format {
			case output.JSON, output.NDJSON:
				return p.JSON(r)
			case output.Table:
				who := fmt.Sprintf("user %d", r.UserID)
				if r.NewUser {
					who = fmt.Sprintf("new user %d", r.UserID)
				}
				note := fmt.Sprintf("%d agent(s) notified", r.Notified)
				if r.Spam {
					note = "the user is marked as spam, so nobody was notified"
				}
				_, err = fmt.Fprintf(f.IO.Out, "Stored message %d from %s; %s.\n", r.MessageID, who, note)
				return err
			}
			l := p.List(output.Cols("user_id", "message_id", "new_user", "spam", "notified"))
			l.Row(r.UserID, r.MessageID, r.NewUser, r.Spam, r.Notified)
			return l.Close()
		},
	}
	c.Flags().StringVar(&from, "from", "", "the sender's phone (+ then 8-15 digits)")
	c.Flags().StringVar(&text, "text", "", "the message")
	return c
}
