// Package notifications holds `inboxctl notifications list`.
package notifications

import (
	"context"
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/inbox"
	"github.com/inboxctl/inboxctl/internal/output"
)

// NewCmdNotifications is `inboxctl notifications`.
func NewCmdNotifications(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "notifications <command>",
		Short: "Show your desktop notifications",
		Long: `An inbound message notifies every agent who can see its chat, unless the user
is marked as spam; after an unmark, new messages notify again.`,
		Example: `  inboxctl notifications list --as ravi@acme.test
  inboxctl notifications list --limit 10 -o json --as ravi@acme.test`,
		GroupID: "core",
	}
	c.AddCommand(NewCmdList(f, nil))
	return c
}

// ListOptions are `inboxctl notifications list`'s flags.
type ListOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context

	Limit int
}

// NewCmdList is `inboxctl notifications list`; runF, if not nil, runs
// instead of listRun once the options are complete (for tests).
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	o := &ListOptions{Factory: f}
	c := &cobra.Command{
		Use:   "list [--limit N]",
		Short: "List the acting agent's notifications, newest first",
		Long:  `List the desktop notifications of the acting agent (--as), newest first.`,
		Example: `  inboxctl notifications list --as ravi@acme.test
  inboxctl notifications list --limit 0 -o ndjson --as ravi@acme.test`,
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			o.ctx = c.Context()
			if runF != nil {
				return runF(o)
			}
			return listRun(o)
		},
	}
	c.Flags().IntVar(&o.Limit, "limit", 100, "show at most N, newest first (0: all)")
	return c
}

func listRun(o *ListOptions) error {
	f := o.Factory
	p, err := f.Printer()
	if err != nil {
		return err
	}
	db, actor, err := f.Actor(o.ctx)
	if err != nil {
		return err
	}
	l := p.List(output.Cols("id", "agent", "user_id", "phone", "text", "at").Numeric("id", "user_id", "phone"))
	err = inbox.Notifications(o.ctx, db, actor, o.Limit, func(n inbox.Notification) error {
		return l.Row(n.ID, n.Agent, n.UserID, n.Phone, n.Text, n.At)
	})
	if err != nil {
		return err
	}
	return l.Close()
}
