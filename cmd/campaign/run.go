package campaign

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/campaign"
	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/output"
)

func newCmdRun(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "run NAME",
		Short: "Record a run of a campaign, as the sender would",
		Long: `Record that the campaign was sent. A one-time campaign (scheduled first)
turns every pending entry into sent. An ongoing campaign records a sent entry
for each user of its audience now. A spam user is never sent to; sent entries
are history and no later mark or unmark changes them.`,
		Example: `  inboxctl campaign run "Diwali Sale"
  inboxctl campaign run "Welcome Series" -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			p, err := f.Printer()
			if err != nil {
				return err
			}
			db, org, err := f.Org(c.Context())
			if err != nil {
				return err
			}
			r, err := campaign.Run(c.Context(), db, org.ID, args[0])
			if err != nil {
				return err
			}
			if p.Format == output.Table {
				_, err = fmt.Fprintf(p.Out, "Run %d of %q: sent to %d user(s).\n", r.Run, r.Campaign, r.Sent)
				return err
			}
			return p.Record(r, []output.Field{{Title: "campaign", Value: r.Campaign}, {Title: "run", Value: r.Run}, {Title: "sent", Value: r.Sent}})
		},
	}
}
