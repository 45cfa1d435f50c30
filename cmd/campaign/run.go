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

// RunOptions are `inboxctl campaign run`'s.
type RunOptions struct{ NameOptions }

// NewCmdRun is `inboxctl campaign run`; runF, if not nil, runs instead of
// runRun (for tests).
func NewCmdRun(f *cmdutil.Factory, runF func(*RunOptions) error) *cobra.Command {
	o := &RunOptions{NameOptions{Factory: f}}
	return &cobra.Command{
		Use:   "run NAME",
		Short: "Record a run of a campaign, as the sender would",
		Long: `Record that the campaign was sent. A one-time campaign (scheduled first)
turns every pending entry into sent. An ongoing campaign records a sent entry
for each user of its audience now. A spam user is never sent to; sent entries
are history and no later mark or unmark changes them.

A run cannot be undone, so it asks for confirmation on a terminal; without a
terminal (a cron job, a script) it needs --yes.`,
		Example: `  inboxctl campaign check "Diwali Sale" && inboxctl campaign run "Diwali Sale" --yes
  inboxctl campaign run "Welcome Series" --yes -o json`,
		Args: cmdutil.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.ctx, o.Name = c.Context(), args[0]
			if runF != nil {
				return runF(o)
			}
			return runRun(o)
		},
	}
}

func runRun(o *RunOptions) error {
	f := o.Factory
	return recordChange(o.ctx, f, func(ctx context.Context, db *store.DB, org directory.Org) (change, error) {
		if err := f.ConfirmBulk(fmt.Sprintf("Run campaign %q of org %s? A run cannot be undone.", o.Name, org.Slug)); err != nil {
			return change{}, err
		}
		r, err := campaign.Run(ctx, db, org.ID, o.Name)
		return change{r, fmt.Sprintf("Run %d of %q: sent to %d user(s).", r.Run, r.Campaign, r.Sent),
			[]output.Field{{Title: "campaign", Value: r.Campaign}, {Title: "run", Value: r.Run}, {Title: "sent", Value: r.Sent}}}, err
	})
}
