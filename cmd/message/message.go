// Package message holds `inboxctl message send` and `message receive`.
package message

import (
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
)

// NewCmdMessage is `inboxctl message`.
func NewCmdMessage(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "message <command>",
		Short: "Send a message to a user, or record one from them",
		Long: `Messages move a chat's activity time, which orders the inbox folders. Sending
to a user marked as spam is refused; messages from them are still stored but
notify nobody.`,
		Example: `  inboxctl message send +919800000007 --text "Your refund is on its way." --as asha@acme.test
  inboxctl message receive --from +919800000007 --text "Where is my order?"`,
		GroupID: "core",
	}
	c.AddCommand(NewCmdSend(f, nil), NewCmdReceive(f, nil))
	return c
}
