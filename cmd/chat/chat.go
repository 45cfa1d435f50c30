// Package chat holds `inboxctl chat assign`, `chat unassign`, `chat label
// set` and `chat label clear`.
package chat

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/inbox"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/output"
	"github.com/inboxctl/inboxctl/internal/safetext"
	"github.com/inboxctl/inboxctl/internal/store"
)

// NewCmdChat is `inboxctl chat`.
func NewCmdChat(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "chat <command>",
		Short: "Assign, unassign and label a user's chat",
		Long: `Change a user's chat: its assignee and its label. Each change is recorded on
the chat's timeline (see 'inboxctl user show'). While the user is marked as
spam the chat is frozen: every change is refused (exit 4) and nothing changes.
With assigned access you may change only chats you can see (assigned to you
or unassigned). REF is a phone (+ then 8-15 digits) or a numeric user id.`,
		Example: `  inboxctl chat assign +919800000007 --to asha@acme.test --as lead@acme.test
  inboxctl chat label set +919800000007 billing --as lead@acme.test
  inboxctl chat unassign 42 --as lead@acme.test`,
		GroupID: "core",
	}
	c.AddCommand(NewCmdAssign(f, nil), NewCmdUnassign(f, nil), newCmdLabel(f))
	return c
}

// newCmdLabel is `inboxctl chat label`.
func newCmdLabel(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "label <command>",
		Short: "Set or clear a chat's label",
		Long: `A chat has at most one label. Labels belong to the org, hold 1 to 22
characters, and are created on first use (see 'inboxctl label list').`,
		Example: `  inboxctl chat label set +919800000007 billing --as lead@acme.test
  inboxctl chat label set 42 "follow up" --as ravi@acme.test
  inboxctl chat label clear +919800000007 --as lead@acme.test`,
	}
	c.AddCommand(NewCmdLabelSet(f, nil), NewCmdLabelClear(f, nil))
	return c
}

// ChangeOptions are what the chat commands share: REF, its --by, and the
// ref Validate parses from them.
type ChangeOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context

	RefText string // REF as given
	ByText  string // --by as given

	// Ref is REF read as --by says, by Validate.
	Ref input.Ref
}

func (o *ChangeOptions) register(c *cobra.Command) {
	c.Flags().StringVar(&o.ByText, "by", string(input.ByAuto), "how to read REF: auto, phone or id")
	_ = c.RegisterFlagCompletionFunc("by", cobra.FixedCompletions([]string{"auto", "phone", "id"}, cobra.ShellCompDirectiveNoFileComp))
}

// complete takes REF from the arguments.
func (o *ChangeOptions) complete(c *cobra.Command, args []string) {
	o.ctx = c.Context()
	o.RefText = args[0]
}

// validate parses --by and REF: a usage error before anything is loaded.
func (o *ChangeOptions) validate() error {
	by, err := cmdutil.ParseBy(o.ByText)
	if err != nil {
		return err
	}
	o.Ref, err = directory.ParseRef(o.RefText, by)
	return err
}

// changeRun is the Run of the chat commands: resolve the acting agent,
// change the chat, report.
func changeRun(o *ChangeOptions,
	do func(ctx context.Context, db *store.DB, actor directory.Actor, ref input.Ref) (inbox.Change, error),
	did, unchanged string) error {
	db, actor, err := o.Factory.Actor(o.ctx)
	if err != nil {
		return err
	}
	ch, err := do(o.ctx, db, actor, o.Ref)
	if err != nil {
		return err
	}
	return report(o.Factory, ch.UserID, ch.Changed, did, unchanged)
}

// report prints the outcome of a chat change: a sentence on a terminal or
// in tsv, an object in json and ndjson, a row in csv.
func report(f *cmdutil.Factory, userID int64, changed bool, did, unchanged string) error {
	p, err := f.Printer()
	if err != nil {
		return err
	}
	switch p.Format {
	case output.JSON, output.NDJSON:
		return p.JSON(struct {
			UserID  int64 `json:"user_id"`
			Changed bool  `json:"changed"`
		}{userID, changed})
	case output.CSV:
		l := p.List(output.Cols("user_id", "changed"))
		l.Row(userID, changed)
		return l.Close()
	}
	msg := did
	if !changed {
		msg = unchanged
	}
	// msg names the agent or label as stored, which a write around
	// inboxctl may have filled with escapes.
	_, err = fmt.Fprintf(f.IO.Out, "Chat %d: %s\n", userID, safetext.Prose(msg))
	return err
}
