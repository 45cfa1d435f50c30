// Package spam holds `inboxctl spam mark`, `spam unmark` and `spam list`.
package spam

import (
	"fmt"
	"strings"
	"time"

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
	c.AddCommand(newCmdMark(f), newCmdUnmark(f), newCmdList(f), newCmdExpire(f), newCmdBatches(f))
	return c
}

// bulkOptions are the flags mark and unmark share.
type bulkOptions struct {
	file        string
	by          string
	reason      string
	dryRun      bool
	skipInvalid bool
	skipMissing bool
	skipRefused bool
	// expiry is mark's --for and --until, parsed in Validate.
	forText, untilText string
}

func (o *bulkOptions) register(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVarP(&o.file, "file", "f", "", "read refs from FILE, one a line ('-' for stdin; blank lines and # comments ignored)")
	fl.StringVar(&o.by, "by", string(input.ByAuto), "how to read refs: auto, phone or id")
	fl.StringVar(&o.reason, "reason", "", "why, recorded on the user and the timeline")
	fl.BoolVar(&o.dryRun, "dry-run", false, "run the real statements in a transaction, print what would happen, and roll back")
	fl.BoolVar(&o.skipInvalid, "skip-invalid", false, "apply the rest when some refs are malformed, and report them")
	fl.BoolVar(&o.skipMissing, "skip-missing", false, "apply the rest when some refs name no user, and report them")
	fl.BoolVar(&o.skipRefused, "skip-refused", false, "apply the rest when some users are refused to you, and report them")
	_ = c.RegisterFlagCompletionFunc("by", cobra.FixedCompletions([]string{"auto", "phone", "id"}, cobra.ShellCompDirectiveNoFileComp))
}

// runBulk is the shared Complete → Validate → Run of mark and unmark.
func runBulk(c *cobra.Command, f *cmdutil.Factory, o *bulkOptions, args []string, batch int64, verb string,
	do func(db *store.DB, actor directory.Actor, req spam.Request) (spam.Summary, error)) error {
	by, err := cmdutil.ParseBy(o.by)
	if err != nil {
		return err
	}
	expiry, err := input.ParseExpiry(o.forText, o.untilText, time.Now())
	if err != nil {
		return errs.Usagef("%s.", capitalize(err.Error()))
	}
	p, err := f.Printer()
	if err != nil {
		return err
	}
	if !o.dryRun && !f.Yes() && !f.IO.CanPrompt() {
		return errs.Usagef("Refusing to %s without confirmation: not on a terminal, so pass --yes (or --dry-run to preview).", verb)
	}
	if o.file == "-" && !o.dryRun && !f.Yes() {
		return errs.Usagef("Refs come from stdin, so the confirmation cannot be read there: pass --yes.")
	}
	db, actor, err := f.Actor(c.Context())
	if err != nil {
		return err
	}
	req := spam.Request{Refs: args, By: by, Reason: o.reason, Expiry: expiry, Batch: batch, DryRun: o.dryRun,
		SkipInvalid: o.skipInvalid, SkipMissing: o.skipMissing, SkipRefused: o.skipRefused}
	if o.file != "" {
		in, err := f.OpenInput(o.file)
		if err != nil {
			return err
		}
		defer in.Close()
		req.File = in
	}
	prog := cmdutil.NewProgress(f.IO, verb, "refs")
	req.Progress, req.Phase = prog.Read, prog.Phase
	// A failure's bad refs are its error's details, printed after its
	// sentence; skipped refs go to stderr too, except in ndjson, whose
	// per-ref stream has them.
	secrets := f.Secrets()
	errLine := func(s string) error {
		return prog.Pause(func() error {
			_, err := fmt.Fprintln(f.IO.ErrOut, errs.Clean(s, secrets...))
			return err
		})
	}
	var list *output.List
	if p.Format == output.NDJSON {
		list, req.OnRef = refStream(p)
	} else {
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
	}
	if !f.Yes() {
		req.Confirm = func(n int64) error {
			return prog.Pause(func() error {
				return f.ConfirmBulk(fmt.Sprintf("%s %d user(s) as spam in org %s, acting as %s?", capitalize(verb), n, actor.Org.Slug, actor.Agent.Email))
			})
		}
	}
	sum, err := do(db, actor, req)
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
