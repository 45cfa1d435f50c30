package campaign

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/campaign"
	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/output"
)

// CheckOptions are `inboxctl campaign check`'s arguments and flags.
type CheckOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context

	Names      []string
	All        bool
	Full       bool
	Recipients string // --recipients FILE, or - for stdin
}

// NewCmdCheck is `inboxctl campaign check`; runF, if not nil, runs
// instead of checkRun once the options are complete (for tests).
func NewCmdCheck(f *cmdutil.Factory, runF func(*CheckOptions) error) *cobra.Command {
	o := &CheckOptions{Factory: f}
	c := &cobra.Command{
		Use:   "check [NAME...|--all] [--recipients FILE|-]",
		Short: "Fail (exit 5) if a campaign or a recipient file would message a spam user",
		Long: `The check a CI or cron job runs before a send. It looks at the pending
recipients of the named one-time campaigns, the audience of the named ongoing
campaigns (--all: every campaign of the org), and every phone of an external
recipient file (--recipients: one phone a line, or a CSV with a phone column;
- reads stdin; streamed, so a million lines need no memory).

A one-time campaign is checked from its tally: the count of its pending
entries and of those whose user is spam, which inboxctl writes in the same
transaction as each mark, unmark, schedule and run. It takes milliseconds at
any size. When the tally counts an offender, or something other than inboxctl
(psql, another service) has changed a recipient list or a spam flag since the
last count (a trigger notes it), the rows themselves are read, and the tallies
are recounted after. --full always reads the rows and says on stderr if it had
to recount; a write with the triggers off (pg_restore --disable-triggers) is
the one that can leave the tallies wrong unnoticed. An ongoing campaign has no
list: each spam user of the org is tested against its audience.

Exit 0 and one line "No spam recipients among N checked." when none is spam
(N: the pending entries, plus the spam users tested for each ongoing campaign,
plus the distinct phones of the file). Exit 5 when any is, listing the
offenders on stdout (-o json: {"ok", "checked", "offenders": [{"campaign",
"user_id", "phone", "marked_at"}]}; campaign is empty for the file's
offenders). Exit 3 for an unknown campaign, exit 2 for a line of the file that
is not a phone (with its line number).`,
		Example: `  inboxctl campaign check --all
  inboxctl campaign check --all --full
  inboxctl campaign check "Diwali Sale" -o json
  inboxctl campaign check --recipients export.csv
  cut -d, -f2 list.csv | inboxctl campaign check --recipients -`,
		RunE: func(c *cobra.Command, args []string) error {
			o.ctx = c.Context()
			o.Names = args
			if runF != nil {
				return runF(o)
			}
			return checkRun(o)
		},
	}
	c.Flags().BoolVar(&o.All, "all", false, "check every campaign of the org")
	c.Flags().BoolVar(&o.Full, "full", false, "read the rows instead of the campaign tallies (and recount them if they drifted)")
	c.Flags().StringVar(&o.Recipients, "recipients", "", "also check the phones of this file (one a line, or CSV with a phone column; - for stdin)")
	return c
}

func checkRun(o *CheckOptions) error {
	f := o.Factory
	p, err := f.Printer()
	if err != nil {
		return err
	}
	req := campaign.CheckRequest{Names: o.Names, All: o.All, Full: o.Full}
	if o.Recipients != "" {
		in, err := f.OpenInput(o.Recipients)
		if err != nil {
			return err
		}
		defer in.Close()
		req.Recipients = in
	}
	db, org, err := f.Org(o.ctx)
	if err != nil {
		return err
	}
	res, err := campaign.Check(o.ctx, db, org.ID, req)
	if err != nil {
		return err
	}
	if note := recountNote(res, o.Full); note != "" {
		fmt.Fprintln(f.IO.ErrOut, note)
	}
	if err := printCheck(p, f.IO.ErrOut, res); err != nil {
		return err
	}
	if !res.OK {
		return errs.Checkf("%d spam user(s) would be messaged, among %d recipient(s) checked.", len(res.Offenders), res.Checked)
	}
	return nil
}

// recountNote is what stderr says about the tallies after a check that
// read the rows: recounted (--full, drifted), or left to a writer.
func recountNote(res campaign.CheckResult, full bool) string {
	why := "they did not match the recipient rows"
	if res.TalliesDirty {
		why = "something other than inboxctl changed a recipient list or a spam flag since they were counted"
	}
	switch {
	case res.RecountLeft != "":
		return fmt.Sprintf("Note: the campaign tallies are out of date (%s), so the verdict was read from the rows; the recount is left to a writer, as %s.", why, res.RecountLeft)
	case full && res.TallyDrift && res.Recounted:
		return "Note: the campaign tallies did not match the recipient rows; they were recounted from the rows."
	}
	return ""
}

// printCheck writes the offenders to out in the chosen format; the verdict
// line of a clean check goes to stdout on a table and to stderr otherwise,
// so machine output stays only data.
func printCheck(p *output.Printer, errOut io.Writer, res campaign.CheckResult) error {
	if p.Format == output.JSON {
		return p.JSON(res)
	}
	verdict := fmt.Sprintf("No spam recipients among %d checked.", res.Checked)
	if p.Format == output.Table && res.OK {
		_, err := fmt.Fprintln(p.Out, verdict)
		return err
	}
	l := p.List(output.Cols("campaign", "user_id", "phone", "marked_at").Numeric("user_id", "phone"))
	for _, o := range res.Offenders {
		if err := l.Row(o.Campaign, o.UserID, o.Phone, o.MarkedAt); err != nil {
			return err
		}
	}
	if err := l.Close(); err != nil {
		return err
	}
	if res.OK {
		_, err := fmt.Fprintln(errOut, verdict)
		return err
	}
	return nil
}
