package campaign

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/campaign"
	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/output"
)

func newCmdSchedule(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "schedule NAME",
		Short: "Materialise a one-time campaign's recipient list",
		Long: `Write the recipient list of a one-time campaign in one statement: a pending
entry for each user of its audience, and an excluded entry (reason spam) for
each spam user of its segment. Scheduling again before the run adds users who
joined the segment since; after the run the list is history and scheduling is
refused (exit 4). Marking a user later excludes their pending entries;
unmarking puts them back while the campaign has not run.`,
		Example: `  inboxctl campaign schedule "Diwali Sale"
  inboxctl campaign schedule "Diwali Sale" -o json`,
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
			s, err := campaign.Schedule(c.Context(), db, org.ID, args[0])
			if err != nil {
				return err
			}
			if p.Format == output.Table {
				_, err = fmt.Fprintf(p.Out, "Scheduled %q: %d pending, %d excluded as spam.\n", s.Campaign, s.Pending, s.Excluded)
				return err
			}
			return p.Record(s, []output.Field{{Title: "campaign", Value: s.Campaign}, {Title: "pending", Value: s.Pending}, {Title: "excluded", Value: s.Excluded}})
		},
	}
}
