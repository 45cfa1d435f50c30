// Package spam holds `inboxctl spam mark`, `spam unmark` and `spam list`.
package spam

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/output"
	"github.com/inboxctl/inboxctl/internal/spam"
	"github.com/inboxctl/inboxctl/internal/store"
)

// NewCmdSpam is `inboxctl spam`.
func NewCmdSpam(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "spam <command>",
		Short: "Mark and unmark users as spam, and list them",
		Long: `Marking a user as spam moves their chat to the Spam folder, freezes it (no
assign, label or message), excludes them from every campaign and silences
their notifications; incoming messages are still stored. Unmarking reverts all
of it. Bulk marks are one transaction: all or nothing.`,
		Example: `  inboxctl spam mark +919800000007 --reason "abusive" --as lead@acme.test
  inboxctl spam mark -f spammers.txt --yes --as lead@acme.test
  inboxctl spam list --as lead@acme.test
  inboxctl spam unmark --batch 42 --yes --as lead@acme.test`,
		GroupID: "core",
	}
	c.AddCommand(NewCmdMark(f, nil), NewCmdUnmark(f, nil), NewCmdList(f, nil), NewCmdExpire(f, nil), NewCmdBatches(f, nil))
	return c
}

// BulkOptions are what mark and unmark share: their flags, the refs given
// as arguments, and what Complete makes of them.
type BulkOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context

	Refs        []string
	File        string
	ByText      string // --by as given
	Reason      string
	DryRun      bool
	SkipInvalid bool
	SkipMissing bool
	SkipRefused bool

	// By is --by, parsed by Complete.
	By input.By
}

func (o *BulkOptions) register(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVarP(&o.File, "file", "f", "", "read refs from FILE, one a line ('-' for stdin; blank lines and # comments ignored)")
	fl.StringVar(&o.ByText, "by", string(input.ByAuto), "how to read refs: auto, phone or id")
	fl.StringVar(&o.Reason, "reason", "", "why, recorded on the user and the timeline")
	fl.BoolVar(&o.DryRun, "dry-run", false, "run the real statements in a transaction, print what would happen, and roll back")
	fl.BoolVar(&o.SkipInvalid, "skip-invalid", false, "apply the rest when some refs are malformed, and report them")
	fl.BoolVar(&o.SkipMissing, "skip-missing", false, "apply the rest when some refs name no user, and report them")
	fl.BoolVar(&o.SkipRefused, "skip-refused", false, "apply the rest when some users are refused to you, and report them")
	_ = c.RegisterFlagCompletionFunc("by", cobra.FixedCompletions([]string{"auto", "phone", "id"}, cobra.ShellCompDirectiveNoFileComp))
}

// complete reads the arguments and parses --by: a usage error before
// anything is loaded.
func (o *BulkOptions) complete(c *cobra.Command, args []string) error {
	o.ctx = c.Context()
	o.Refs = args
	by, err := cmdutil.ParseBy(o.ByText)
	if err != nil {
		return err
	}
	o.By = by
	return nil
}

// validate applies the confirmation policy before anything is read: a
// change (not a dry run) needs --yes off a terminal, and with refs on
// stdin, where the answer cannot be read.
func (o *BulkOptions) validate(verb string) error {
	f := o.Factory
	if !o.DryRun && !f.Yes() && !f.IO.CanPrompt() {
		return errs.Usagef("Refusing to %s without confirmation: not on a terminal, so pass --yes (or --dry-run to preview).", verb)
	}
	if o.File == "-" && !o.DryRun && !f.Yes() {
		return errs.Usagef("Refs come from stdin, so the confirmation cannot be read there: pass --yes.")
	}
	return nil
}

// request is the spam.Request of the options; expiry and batch are mark's
// and unmark's own. The caller closes the file it opened.
func (o *BulkOptions) request(expiry input.Expiry, batch int64) (spam.Request, io.Closer, error) {
	req := spam.Request{Refs: o.Refs, By: o.By, Reason: o.Reason, Expiry: expiry, Batch: batch, DryRun: o.DryRun,
		SkipInvalid: o.SkipInvalid, SkipMissing: o.SkipMissing, SkipRefused: o.SkipRefused}
	if o.File == "" {
		return req, io.NopCloser(nil), nil
	}
	in, err := o.Factory.OpenInput(o.File)
	if err != nil {
		return req, nil, err
	}
	req.File = in
	return req, in, nil
}

// bulkRun is the Run of mark and unmark, after Complete: the printer, the
// confirmation policy (validate), the acting agent, the request with its
// progress, skipped-ref and confirmation callbacks, do, and the report.
func bulkRun(o *BulkOptions, verb string, expiry input.Expiry, batch int64,
	do func(ctx context.Context, db *store.DB, actor directory.Actor, req spam.Request) (spam.Summary, error)) error {
	f := o.Factory
	p, err := f.Printer()
	if err != nil {
		return err
	}
	if err := o.validate(verb); err != nil {
		return err
	}
	db, actor, err := f.Actor(o.ctx)
	if err != nil {
		return err
	}
	req, in, err := o.request(expiry, batch)
	if err != nil {
		return err
	}
	defer in.Close()
	prog := cmdutil.NewProgress(f.IO, verb, "refs")
	req.Progress, req.Phase = prog.Read, prog.Phase
	list := reportTo(f, p, prog, verb, &req)
	if !f.Yes() {
		req.Confirm = func(n int64) error {
			return prog.Pause(func() error {
				return f.ConfirmBulk(fmt.Sprintf("%s %d user(s) as spam in org %s, acting as %s?", capitalize(verb), n, actor.Org.Slug, actor.Agent.Email))
			})
		}
	}
	sum, err := do(o.ctx, db, actor, req)
	prog.Done()
	if err != nil {
		return err
	}
	// Past the COMMIT: an error printing the report says what was kept.
	if list != nil {
		return spam.CutOff(verb, sum, list.Close())
	}
	return spam.CutOff(verb, sum, printSummary(f, p, sum, verb))
}

// reportTo sets where req reports each ref: with -o ndjson, the per-ref
// stream it returns; else skipped refs on stderr. A failure's bad refs are
// its error's details, printed after its sentence.
func reportTo(f *cmdutil.Factory, p *output.Printer, prog *cmdutil.Progress, verb string, req *spam.Request) *output.List {
	if p.Format == output.NDJSON {
		list, onRef := refStream(p)
		req.OnRef = onRef
		return list
	}
	secrets := f.Secrets()
	errLine := func(s string) error {
		return prog.Pause(func() error {
			_, err := fmt.Fprintln(f.IO.ErrOut, errs.Clean(s, secrets...))
			return err
		})
	}
	heading := fmt.Sprintf("Skipped, not %s:", pastTense(verb))
	req.OnSkipped = func(pr spam.Problem) error {
		if heading != "" {
			if err := errLine(heading); err != nil {
				return err
			}
			heading = ""
		}
		return errLine("  " + pr.String())
	}
	return nil
}

// refStream is the -o ndjson per-ref stream of mark, unmark and expire.
func refStream(p *output.Printer) (*output.List, func(spam.RefStatus) error) {
	l := p.List(output.Cols("ref", "line", "user_id", "status", "batch_id").Numeric("ref", "line", "user_id", "batch_id"))
	return l, func(s spam.RefStatus) error { return l.Row(s.Ref, s.Line, s.UserID, s.Status, s.BatchID) }
}

func printSummary(f *cmdutil.Factory, p *output.Printer, s spam.Summary, verb string) error {
	if p.Format == output.JSON {
		return p.JSON(s)
	}
	if p.Format == output.Table {
		batch := "-"
		if s.BatchID != nil {
			batch = fmt.Sprint(*s.BatchID)
		}
		did := capitalize(pastTense(verb))
		if s.DryRun {
			did = "Dry run (rolled back): would have " + pastTense(verb)
		}
		updated := ""
		if s.Updated > 0 {
			updated = fmt.Sprintf("%d updated (new expiry), ", s.Updated)
		}
		fmt.Fprintf(f.IO.Out, "%s %d of %d user(s); %s%d unchanged, %d not found, %d invalid, %d refused, %d skipped. Batch: %s\n",
			did, s.Changed, s.Requested, updated, s.Unchanged, s.NotFound, s.Invalid, s.Refused, s.Skipped, batch)
		if s.BatchID != nil && verb == "mark" && s.Changed > 0 {
			fmt.Fprintf(f.IO.Out, "Undo with: inboxctl spam unmark --batch %d\n", *s.BatchID)
		}
		return nil
	}
	l := p.List(output.Cols("batch_id", "dry_run", "requested", "changed", "unchanged", "not_found", "invalid", "refused", "skipped", "updated"))
	l.Row(s.BatchID, s.DryRun, s.Requested, s.Changed, s.Unchanged, s.NotFound, s.Invalid, s.Refused, s.Skipped, s.Updated)
	return l.Close()
}

// pastTense: "marked", "unmarked", "expired".
func pastTense(verb string) string { return strings.TrimSuffix(verb, "e") + "ed" }

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
