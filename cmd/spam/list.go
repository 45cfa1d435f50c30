package spam

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/output"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/spam"
)

// ListOptions are spam list's flags, and what Complete makes of them.
type ListOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context

	Batch          int64
	Limit          int
	ExpiringWithin string // --expiring-within as given

	// Within is --expiring-within, parsed by Complete.
	Within time.Duration
}

// Complete parses --expiring-within.
func (o *ListOptions) Complete(c *cobra.Command) error {
	o.ctx = c.Context()
	if o.ExpiringWithin != "" {
		d, err := input.ParseDuration(o.ExpiringWithin)
		if err != nil {
			return errs.Usagef("--expiring-within: %v.", err)
		}
		o.Within = d
	}
	return nil
}

// NewCmdList is `inboxctl spam list`; runF, if not nil, runs instead of
// listRun once the options are complete (for tests).
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	o := &ListOptions{Factory: f}
	c := &cobra.Command{
		Use:   "list [--batch ID] [--expiring-within DURATION] [--limit N]",
		Short: "List the spam users you can see, with who marked them, when, why and until when",
		Long: `List the spam users in your spam folder (all of the org's with all access;
those assigned to you or marked by you with assigned access), newest mark
first, with who marked each, when, why, in which batch and until when (empty
for a mark that does not expire).

--expiring-within DURATION (m, h, d, w) keeps the marks that expire within it.
A mark whose time has passed is still a mark until 'inboxctl spam expire'
runs; it is listed as "expired, waiting for spam expire" (on stderr for
machine formats), which shows a missing cron job.`,
		Example: `  inboxctl spam list --as lead@acme.test
  inboxctl spam list --expiring-within 1d --as lead@acme.test
  inboxctl spam list --batch 42 -o csv --as lead@acme.test > batch42.csv`,
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.Complete(c); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return listRun(o)
		},
	}
	c.Flags().Int64Var(&o.Batch, "batch", 0, "only the users this mark batch marked")
	c.Flags().StringVar(&o.ExpiringWithin, "expiring-within", "", "only marks that expire within DURATION (m, h, d, w), expired ones included")
	c.Flags().IntVar(&o.Limit, "limit", 0, "at most N users (default: all)")
	return c
}

func listRun(o *ListOptions) error {
	f := o.Factory
	p, err := f.Printer()
	if err != nil {
		return err
	}
	db, actor, err := f.Actor(o.ctx)
	if err != nil {
		return err
	}
	var expired int
	l := p.List(output.Cols("user_id", "phone", "name", "marked_by", "marked_at", "reason", "batch_id", "until").Numeric("user_id", "phone", "batch_id"))
	err = spam.List(o.ctx, db, actor, spam.ListOptions{Batch: o.Batch, Limit: o.Limit, ExpiringWithin: o.Within}, func(e spam.Entry) error {
		var until any = e.Until
		if e.Expired {
			expired++
			if p.Format == output.Table {
				until = output.Time(*e.Until) + " (" + rules.ExpiredWaiting + ")"
			}
		}
		return l.Row(e.UserID, e.Phone, e.Name, e.MarkedBy, e.MarkedAt, e.Reason, e.BatchID, until)
	})
	if err != nil {
		return err
	}
	if err := l.Close(); err != nil {
		return err
	}
	if expired > 0 {
		fmt.Fprintf(f.IO.ErrOut, "%d listed mark(s) %s: is 'inboxctl spam expire' running from cron?\n", expired, rules.ExpiredWaiting)
	}
	return nil
}
