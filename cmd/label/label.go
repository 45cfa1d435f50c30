// Package label holds `inboxctl label list`.
package label

import (
	"context"
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/inbox"
	"github.com/inboxctl/inboxctl/internal/output"
)

// NewCmdLabel is `inboxctl label`.
func NewCmdLabel(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "label <command>",
		Short: "List the org's chat labels",
		Long: `Labels belong to the org: 1 to 22 characters, created on first use by
'inboxctl chat label set'. A chat has at most one.`,
		Example: `  inboxctl label list
  inboxctl inbox list --folder all --label billing --as lead@acme.test`,
		GroupID: "core",
	}
	c.AddCommand(NewCmdList(f, nil))
	return c
}

// ListOptions are `inboxctl label list`'s: it takes no arguments and no
// flags of its own.
type ListOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context
}

// NewCmdList is `inboxctl label list`; runF, if not nil, runs
// instead of listRun once the options are complete (for tests).
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	o := &ListOptions{Factory: f}
	c := &cobra.Command{
		Use:   "list",
		Short: "List the org's labels and how many chats carry each",
		Long: `List the org's labels by name, each with the number of chats that carry it
(spam chats included) and when it was created.`,
		Example: `  inboxctl label list
  inboxctl label list -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			o.ctx = c.Context()
			if runF != nil {
				return runF(o)
			}
			return listRun(o)
		},
	}
	return c
}

func listRun(o *ListOptions) error {
	f := o.Factory
	p, err := f.Printer()
	if err != nil {
		return err
	}
	db, org, err := f.Org(o.ctx)
	if err != nil {
		return err
	}
	labels, err := inbox.Labels(o.ctx, db, org.ID)
	if err != nil {
		return err
	}
	l := p.List(output.Cols("id", "name", "chats", "created_at"))
	for _, lb := range labels {
		if err := l.Row(lb.ID, lb.Name, lb.Chats, lb.CreatedAt); err != nil {
			return err
		}
	}
	return l.Close()
}
