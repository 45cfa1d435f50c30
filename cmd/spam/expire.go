package spam

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/output"
	"github.com/inboxctl/inboxctl/internal/spam"
)

// ExpireOptions are spam expire's flags.
type ExpireOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context

	DryRun bool
}

// NewCmdExpire is `inboxctl spam expire`; runF, if not nil, runs instead
// of expireRun (for tests).
func NewCmdExpire(f *cmdutil.Factory, runF func(*ExpireOptions) error) *cobra.Command {
	o := &ExpireOptions{Factory: f}
	c := &cobra.Command{
		Use:   "expire [--dry-run]",
		Short: "Unmark every user whose mark has expired (for cron)",
		Long: `Unmark every user of the org whose mark (spam mark --for or --until) has
expired, as one batch of kind expire with reason "expired": the whole unmark
(trait back to No, the chat back to its folder, assign, label and send work
again, campaign entries excluded for spam back to pending for campaigns that
have not run, notifications resume), in one transaction.

It acts for no agent and needs no --yes. It is meant to run from cron every
minute: running it again, or several at once, or while marks and unmarks run,
is safe (each user is unmarked once; a user unmarked or re-marked meanwhile
is left as it is). With nothing expired it does nothing, records no batch, and
exits 0. A mark has expired when its time is at or before the database's clock
when the expire begins; one that expires while an expire runs is left for the
next.

Until it runs, an expired mark is still a mark: spam list, inbox list and
user show say "expired, waiting for spam expire", and db status counts them.`,
		Example: `  # what cron runs every minute (crontab: * * * * * inboxctl spam expire --org acme)
  inboxctl spam expire --org acme

  # what would expire now
  inboxctl spam expire --dry-run -o ndjson`,
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.ctx = c.Context()
			if runF != nil {
				return runF(o)
			}
			return expireRun(o)
		},
	}
	c.Flags().BoolVar(&o.DryRun, "dry-run", false, "run the real statements in a transaction, print what would happen, and roll back")
	return c
}

func expireRun(o *ExpireOptions) error {
	f := o.Factory
	p, err := f.Printer()
	if err != nil {
		return err
	}
	db, org, err := f.Org(o.ctx)
	if err != nil {
		return err
	}
	req := spam.ExpireRequest{DryRun: o.DryRun}
	var list *output.List
	if p.Format == output.NDJSON {
		list, req.OnRef = refStream(p)
	}
	sum, err := spam.Expire(o.ctx, db, org, req)
	if err != nil {
		return err
	}
	if list != nil {
		return list.Close()
	}
	return printSummary(f, p, sum, "expire")
}
