package message

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/inbox"
	"github.com/inboxctl/inboxctl/internal/output"
)

// ReceiveOptions are `inboxctl message receive`'s flags.
type ReceiveOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context

	From string
	Text string
}

// NewCmdReceive is `inboxctl message receive`; runF, if not nil, runs
// instead of receiveRun once the options are complete (for tests).
func NewCmdReceive(f *cmdutil.Factory, runF func(*ReceiveOptions) error) *cobra.Command {
	o := &ReceiveOptions{Factory: f}
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
		RunE: func(c *cobra.Command, args []string) error {
			o.ctx = c.Context()
			if runF != nil {
				return runF(o)
			}
			return receiveRun(o)
		},
	}
	c.Flags().StringVar(&o.From, "from", "", "the sender's phone (+ then 8-15 digits)")
	c.Flags().StringVar(&o.Text, "text", "", "the message")
	return c
}

func receiveRun(o *ReceiveOptions) error {
	f := o.Factory
	p, err := f.Printer()
	if err != nil {
		return err
	}
	db, org, err := f.Org(o.ctx)
	if err != nil {
		return err
	}
	r, err := inbox.Receive(o.ctx, db, org.ID, o.From, o.Text)
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
}
