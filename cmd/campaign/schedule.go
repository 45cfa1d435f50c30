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

// NameOptions are the options of a campaign command that takes only NAME
// (schedule, run).
type NameOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context

	Name string
}

// ScheduleOptions are `inboxctl campaign schedule`'s.
type ScheduleOptions struct{ NameOptions }

// NewCmdSchedule is `inboxctl campaign schedule`; runF, if not nil, runs
// instead of scheduleRun (for tests).
func NewCmdSchedule(f *cmdutil.Factory, runF func(*ScheduleOptions) error) *cobra.Command {
	o := &ScheduleOptions{NameOptions{Factory: f}}
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
			o.ctx, o.Name = c.Context(), args[0]
			if runF != nil {
				return runF(o)
			}
			return scheduleRun(o)
		},
	}
}

func scheduleRun(o *ScheduleOptions) error {
	return recordChange(o.ctx, o.Factory, func(ctx context.Context, db *store.DB, org directory.Org) (change, error) {
		s, err := campaign.Schedule(ctx, db, org.ID, o.Name)
		return change{s, fmt.Sprintf("Scheduled %q: %d pending, %d excluded as spam.", s.Campaign, s.Pending, s.Excluded),
			[]output.Field{{Title: "campaign", Value: s.Campaign}, {Title: "pending", Value: s.Pending}, {Title: "excluded", Value: s.Excluded}}}, err
	})
}

// change is a campaign change's result: the record for -o, and the sentence
// a terminal shows.
type change struct {
	record   any
	sentence string
	fields   []output.Field
}

// recordChange runs a change to one of the org's campaigns and prints it.
func recordChange(ctx context.Context, f *cmdutil.Factory, do func(ctx context.Context, db *store.DB, org directory.Org) (change, error)) error {
	p, err := f.Printer()
	if err != nil {
		return err
	}
	db, org, err := f.Org(ctx)
	if err != nil {
		return err
	}
	ch, err := do(ctx, db, org)
	if err != nil {
		return err
	}
	if p.Format == output.Table {
		_, err = fmt.Fprintln(p.Out, ch.sentence)
		return err
	}
	return p.Record(ch.record, ch.fields)
}
