package campaign

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/campaign"
	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/output"
)

// ListOptions are `inboxctl campaign list`'s: it takes no arguments and no
// flags of its own.
type ListOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context
}

// NewCmdList is `inboxctl campaign list`; runF, if not nil, runs instead
// of listRun (for tests).
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	o := &ListOptions{Factory: f}
	return &cobra.Command{
		Use:   "list",
		Short: "List the org's campaigns with their segment and recipient counts",
		Long: `List the org's campaigns by name: kind, segment, when scheduled and last run,
and the number of pending, sent and excluded recipient entries.`,
		Example: `  inboxctl campaign list
  inboxctl campaign list -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.ctx = c.Context()
			if runF != nil {
				return runF(o)
			}
			return listRun(o)
		},
	}
}

func listRun(o *ListOptions) error {
	p, err := o.Factory.Printer()
	if err != nil {
		return err
	}
	db, org, err := o.Factory.Org(o.ctx)
	if err != nil {
		return err
	}
	cs, err := campaign.List(o.ctx, db, org.ID)
	if err != nil {
		return err
	}
	return printCampaigns(p, cs)
}

func printCampaigns(p *output.Printer, cs []campaign.Campaign) error {
	l := p.List(output.Cols("id", "name", "kind", "segment", "created_at", "scheduled_at", "last_run_at", "runs", "pending", "sent", "excluded"))
	for _, c := range cs {
		var seg any = c.Segment
		if p.Format != output.JSON && p.Format != output.NDJSON {
			seg = c.Segment.String()
		}
		if err := l.Row(c.ID, c.Name, string(c.Kind), seg, c.CreatedAt, c.ScheduledAt, c.LastRunAt, c.Runs, c.Pending, c.Sent, c.Excluded); err != nil {
			return err
		}
	}
	return l.Close()
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
