package campaign

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/campaign"
	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/output"
	"github.com/inboxctl/inboxctl/internal/store"
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
		Args: cmdutil.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return recordChange(f, c, func(ctx context.Context, db *store.DB, org directory.Org) (change, error) {
				s, err := campaign.Schedule(ctx, db, org.ID, args[0])
				return change{s, fmt.Sprintf("Scheduled %q: %d pending, %d excluded as spam.", s.Campaign, s.Pending, s.Excluded),
					[]output.Field{{Title: "campaign", Value: s.Campaign}, {Title: "pending", Value: s.Pending}, {Title: "excluded", Value: s.Excluded}}}, err
			})
		},
	}
}

// change is a campaign change's result: the record for -o, and the sentence
// a terminal shows.
type change struct {
	record   any
	sentence string
	fields   []output.Field
}

// recordChange runs a change to one of the org's campaigns and prints it.
func recordChange(f *cmdutil.Factory, c *cobra.Command, do func(ctx context.Context, db *store.DB, org directory.Org) (change, error)) error {
	p, err := f.Printer()
	if err != nil {
		return err
	}
	db, org, err := f.Org(c.Context())
	if err != nil {
		return err
	}
	ch, err := do(c.Context(), db, org)
	if err != nil {
		return err
	}
	if p.Format == output.Table {
		_, err = fmt.Fprintln(p.Out, ch.sentence)
		return err
	}
	return p.Record(ch.record, ch.fields)
}
