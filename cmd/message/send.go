package message

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/inbox"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/output"
)

// SendOptions are `inboxctl message send`'s arguments and flags, and the
// ref Validate reads from them.
type SendOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context

	RefText string // REF as given
	ByText  string // --by as given
	Text    string

	// Ref is REF read as --by says, by Validate.
	Ref input.Ref
}

// Validate parses --by and REF.
func (o *SendOptions) Validate() error {
	by, err := cmdutil.ParseBy(o.ByText)
	if err != nil {
		return err
	}
	o.Ref, err = directory.ParseRef(o.RefText, by)
	return err
}

// NewCmdSend is `inboxctl message send`; runF, if not nil, runs
// instead of sendRun once the options are complete (for tests).
func NewCmdSend(f *cmdutil.Factory, runF func(*SendOptions) error) *cobra.Command {
	o := &SendOptions{Factory: f}
	c := &cobra.Command{
		Use:   "send REF --text T",
		Short: "Send a message to a user as the acting agent",
		Long: fmt.Sprintf(`Store an outbound message from you in the user's chat (at most %d
characters) and move the chat's activity. Refused (exit 4) while the user is
marked as spam, and for a chat you cannot see. Prints the message id.`, input.MaxTextLen),
		Example: `  inboxctl message send +919800000007 --text "Your refund is on its way." --as asha@acme.test`,
		Args:    cmdutil.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.ctx = c.Context()
			o.RefText = args[0]
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return sendRun(o)
		},
	}
	c.Flags().StringVar(&o.Text, "text", "", "the message")
	c.Flags().StringVar(&o.ByText, "by", string(input.ByAuto), "how to read REF: auto, phone or id")
	return c
}

func sendRun(o *SendOptions) error {
	f := o.Factory
	p, err := f.Printer()
	if err != nil {
		return err
	}
	db, actor, err := f.Actor(o.ctx)
	if err != nil {
		return err
	}
	id, err := inbox.Send(o.ctx, db, actor, o.Ref, o.Text)
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
}
