// Package inbox holds `inboxctl inbox list`.
package inbox

import (
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
)

// NewCmdInbox is `inboxctl inbox`.
func NewCmdInbox(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "inbox <command>",
		Short: "List the inbox folders as an agent sees them",
		Long: `The inbox has four folders: all, you, unassigned and spam. A spam user's chat
is never in all, you or unassigned. With all access you see every chat; with
assigned access you see chats assigned to you and unassigned ones, and in spam
the spam chats assigned to you or marked as spam by you.`,
		Example: `  inboxctl inbox list --folder unassigned --as ravi@acme.test
  inboxctl inbox list --folder spam -o json --as lead@acme.test`,
		GroupID: "core",
	}
	c.AddCommand(NewCmdList(f, nil))
	return c
}
