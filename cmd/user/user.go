// Package user holds `inboxctl user import` and `inboxctl user show`.
package user

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/output"
	"github.com/inboxctl/inboxctl/internal/rules"
)

// NewCmdUser is `inboxctl user`.
func NewCmdUser(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "user <command>",
		Short: "Import users and show the user card",
		Long: `Users are the org's customers, known by phone (E.164) and a numeric id. Each
has a name, traits (string key and value) and exactly one chat.`,
		Example: `  inboxctl user import -f customers.csv
  inboxctl user show +919800000007`,
		GroupID: "core",
	}
	c.AddCommand(NewCmdImport(f, nil), NewCmdShow(f, nil))
	return c
}

// ImportOptions are `inboxctl user import`'s flags.
type ImportOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context

	File        string // -f FILE, or - for stdin
	SkipInvalid bool
	DryRun      bool
}

// Validate wants -f.
func (o *ImportOptions) Validate() error {
	if o.File == "" {
		return errs.Usagef("Give the CSV with -f FILE, or -f - for stdin.")
	}
	return nil
}

// NewCmdImport is `inboxctl user import`; runF, if not nil, runs
// instead of importRun once the options are complete (for tests).
func NewCmdImport(f *cmdutil.Factory, runF func(*ImportOptions) error) *cobra.Command {
	o := &ImportOptions{Factory: f}
	c := &cobra.Command{
		Use:   "import -f FILE|- [--dry-run]",
		Short: "Upsert users from CSV",
		Long: `Upsert users from CSV with the header phone,name[,trait columns...]: new
phones become users (each with a chat), known phones get the name and traits
of the file. Quoted fields, UTF-8 and CRLF line ends are fine; an empty cell
(name or trait) leaves the stored value as it is. The file streams through one
transaction: any bad row is reported with its line number and nothing is
imported, unless --skip-invalid. A line, or a record, longer than 64 KiB stops
the import (exit 2). --dry-run runs the same statements and rolls them back, so
its counts are exactly what the import would do. The trait "Marked as Spam"
cannot be imported (only spam mark and unmark set it).`,
		Example: `  inboxctl user import -f customers.csv --dry-run
  inboxctl user import -f customers.csv
  cut -d, -f1,2 crm-export.csv | inboxctl user import -f - -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			o.ctx = c.Context()
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return importRun(o)
		},
	}
	c.Flags().StringVarP(&o.File, "file", "f", "", "CSV file, or - for stdin")
	c.Flags().BoolVar(&o.SkipInvalid, "skip-invalid", false, "import the valid rows and report the invalid ones")
	c.Flags().BoolVar(&o.DryRun, "dry-run", false, "run the import in a transaction, print what it would change, and roll back")
	return c
}

func importRun(o *ImportOptions) error {
	f := o.Factory
	db, org, err := f.Org(o.ctx)
	if err != nil {
		return err
	}
	in, err := f.OpenInput(o.File)
	if err != nil {
		return err
	}
	defer in.Close()
	prog := cmdutil.NewProgress(f.IO, "import", "rows")
	res, err := directory.ImportUsers(o.ctx, db, org.ID, in,
		directory.ImportOptions{SkipInvalid: o.SkipInvalid, DryRun: o.DryRun, Progress: prog.Read, Phase: prog.Phase})
	prog.Done()
	var skipped *directory.SkippedError
	if errors.As(err, &skipped) {
		fmt.Fprintf(f.IO.ErrOut, "Skipped %d invalid row(s):\n", skipped.Lines.Len())
		if err := skipped.Lines.WriteTo(f.IO.ErrOut, "  ", f.Secrets()...); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	if o.DryRun {
		fmt.Fprintln(f.IO.ErrOut, "Dry run: the import ran and was rolled back; nothing was written.")
	}
	p, err := f.Printer()
	if err != nil {
		return err
	}
	if p.Format == output.JSON || p.Format == output.NDJSON {
		return p.JSON(res)
	}
	l := p.List(output.Cols("created", "updated", "unchanged", "invalid"))
	l.Row(res.Created, res.Updated, res.Unchanged, res.Invalid)
	return l.Close()
}

// ShowOptions are `inboxctl user show`'s arguments and flags, and the ref
// Validate reads from them.
type ShowOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context

	RefText string // REF as given
	ByText  string // --by as given

	// Ref is REF read as --by says, by Validate.
	Ref input.Ref
}

// Validate parses --by and REF.
func (o *ShowOptions) Validate() error {
	by, err := cmdutil.ParseBy(o.ByText)
	if err != nil {
		return err
	}
	o.Ref, err = directory.ParseRef(o.RefText, by)
	return err
}

// NewCmdShow is `inboxctl user show`; runF, if not nil, runs
// instead of showRun once the options are complete (for tests).
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	o := &ShowOptions{Factory: f}
	c := &cobra.Command{
		Use:   "show REF",
		Short: "Show the user card",
		Long: `Show a user's card: id, phone, name, traits (with "Marked as Spam"), the spam
flag with who marked it, when, why and until when (spam_until; a mark whose
time has passed shows "expired, waiting for spam expire" until 'inboxctl spam
expire' runs), the chat's assignee and label, the last message, and the chat's
timeline. REF is a phone (+ then 8-15 digits) or a numeric user id. Acting as
an agent (--as, or an agent-level role), the card of a user whose chat the
agent cannot see is refused (exit 4).`,
		Example: `  inboxctl user show +919800000007
  inboxctl user show 42 -o json`,
		Args: cmdutil.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.ctx = c.Context()
			o.RefText = args[0]
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return showRun(o)
		},
	}
	c.Flags().StringVar(&o.ByText, "by", string(input.ByAuto), "how to read REF: auto, phone or id")
	return c
}

func showRun(o *ShowOptions) error {
	f := o.Factory
	db, ac, err := f.Acting(o.ctx)
	if err != nil {
		return err
	}
	var agent *rules.Agent
	if ac.Agent.ID != 0 {
		a := ac.Agent.Rule()
		agent = &a
	}
	card, err := directory.ShowUser(o.ctx, db, ac.Org.ID, o.Ref, agent)
	if err != nil {
		return err
	}
	p, err := f.Printer()
	if err != nil {
		return err
	}
	return p.Record(card, cardFields(card))
}

func cardFields(c directory.Card) []output.Field {
	fields := []output.Field{
		{Title: "id", Value: c.ID},
		{Title: "phone", Value: c.Phone, Kind: output.Numeric},
		{Title: "name", Value: c.Name},
		{Title: "spam", Value: c.Spam},
		{Title: "spam_marked_by", Value: c.SpamMarkedBy},
		{Title: "spam_marked_at", Value: c.SpamMarkedAt},
		{Title: "spam_reason", Value: c.SpamReason},
		{Title: "spam_batch_id", Value: c.SpamBatchID},
		{Title: "spam_until", Value: c.SpamUntil},
	}
	if c.SpamExpired {
		fields = append(fields, output.Field{Title: "spam_expiry", Value: rules.ExpiredWaiting})
	}
	fields = append(fields, []output.Field{
		{Title: "assignee", Value: c.Assignee},
		{Title: "label", Value: c.Label},
		{Title: "last_message_at", Value: c.LastMessageAt},
		{Title: "last_message", Value: c.LastMessage},
	}...)
	keys := make([]string, 0, len(c.Traits))
	for k := range c.Traits {
		if k != rules.SpamTrait {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	keys = append([]string{rules.SpamTrait}, keys...)
	for _, k := range keys {
		fields = append(fields, output.Field{Title: "trait " + k, Value: c.Traits[k]})
	}
	for _, e := range c.Timeline {
		s := output.Time(e.At) + " " + e.Event
		if e.Actor != nil {
			s += " by " + *e.Actor
		}
		if e.Detail != nil {
			s += " (" + *e.Detail + ")"
		}
		if e.BatchID != nil {
			s += fmt.Sprintf(" batch %d", *e.BatchID)
		}
		if e.Reason != nil && *e.Reason != "" {
			s += ": " + *e.Reason
		}
		if e.DBRole != nil {
			s += " [db role " + *e.DBRole + "]"
		}
		fields = append(fields, output.Field{Title: "timeline", Value: s})
	}
	return fields
}
