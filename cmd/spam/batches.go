package spam

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/output"
	"github.com/inboxctl/inboxctl/internal/spam"
)

// BatchesOptions are spam batches' flags.
type BatchesOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context

	Limit int
}

// NewCmdBatches is `inboxctl spam batches`; runF, if not nil, runs instead
// of batchesRun (for tests).
func NewCmdBatches(f *cmdutil.Factory, runF func(*BatchesOptions) error) *cobra.Command {
	o := &BatchesOptions{Factory: f}
	c := &cobra.Command{
		Use:   "batches [--limit N]",
		Short: "List the org's mark, unmark and expire batches, newest first",
		Long: `List every spam batch of the org, newest first: its id, kind (mark, unmark
or expire), the acting agent (none for an expire), the database role that
wrote it, the reason, when, how many users it changed, for a mark batch how
many of its users are still spam under it (what 'spam unmark --batch ID'
would unmark), and the expiry the mark set.`,
		Example: `  inboxctl spam batches --limit 10
  # undo last week's mark: find its id, then
  inboxctl spam unmark --batch 42 --yes --as lead@acme.test`,
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.ctx = c.Context()
			if runF != nil {
				return runF(o)
			}
			return batchesRun(o)
		},
	}
	c.Flags().IntVar(&o.Limit, "limit", 0, "at most N batches (default: all)")
	return c
}

func batchesRun(o *BatchesOptions) error {
	p, err := o.Factory.Printer()
	if err != nil {
		return err
	}
	db, org, err := o.Factory.Org(o.ctx)
	if err != nil {
		return err
	}
	l := p.List(output.Cols("batch_id", "kind", "actor", "db_role", "reason", "at", "users", "still_spam", "until"))
	err = spam.Batches(o.ctx, db, org.ID, spam.BatchFilter{Limit: o.Limit}, func(b spam.Batch) error {
		return l.Row(b.ID, b.Kind, b.Actor, b.DBRole, b.Reason, b.At, b.Users, b.StillSpam, b.Until)
	})
	if err != nil {
		return err
	}
	return l.Close()
}
