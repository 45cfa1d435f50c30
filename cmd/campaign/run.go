package campaign

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/campaign"
	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/output"
	"github.com/inboxctl/inboxctl/internal/store"
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
			return recordChange(f, c, func(ctx context.Context, db *store.DB, orgID int64) (change, error) {
				r, err := campaign.Run(ctx, db, orgID, args[0])
				return change{r, fmt.Sprintf("Run %d of %q: sent to %d user(s).", r.Run, r.Campaign, r.Sent),
					[]output.Field{{Title: "campaign", Value: r.Campaign}, {Title: "run", Value: r.Run}, {Title: "sent", Value: r.Sent}}}, err
			})
		},
	}
}
