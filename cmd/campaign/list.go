package campaign

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/campaign"
	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/output"
)

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the org's campaigns with their segment and recipient counts",
		Long: `List the org's campaigns by name: kind, segment, when scheduled and last run,
and the number of pending, sent and excluded recipient entries.`,
		Example: `  inboxctl campaign list
  inboxctl campaign list -o json`,
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
			cs, err := campaign.List(c.Context(), db, org.ID)
			if err != nil {
				return err
			}
			return printCampaigns(p, cs)
		},
	}
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
