package inbox

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/inbox"
	"github.com/inboxctl/inboxctl/internal/output"
	"github.com/inboxctl/inboxctl/internal/rules"
)

// ListOptions are `inboxctl inbox list`'s flags.
type ListOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context

	Folder string
	Limit  int
	After  string
	Label  string

	// Shaped is the flags that shaped this page as given on the command
	// line, for the next page's command (nextCommand).
	Shaped []string
}

// Complete notes the flags that shaped the page.
func (o *ListOptions) Complete(c *cobra.Command) {
	o.ctx = c.Context()
	o.Shaped = shapingFlags(c)
}

// Validate wants --folder and a --limit in range.
func (o *ListOptions) Validate() error {
	if o.Folder == "" {
		return errs.Usagef("Pick a folder with --folder all, you, unassigned or spam.")
	}
	if o.Limit < 1 || o.Limit > inbox.MaxLimit {
		return errs.Usagef("--limit must be between 1 and %d, not %d.", inbox.MaxLimit, o.Limit)
	}
	return nil
}

// NewCmdList is `inboxctl inbox list`; runF, if not nil, runs instead of
// listRun once the options are valid (for tests).
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	o := &ListOptions{Factory: f}
	c := &cobra.Command{
		Use:   "list --folder all|you|unassigned|spam [--limit N] [--after CURSOR] [--label L]",
		Short: "List a folder, newest activity first, a page at a time",
		Long: fmt.Sprintf(`List one folder of your inbox, newest activity first (the last message's
time, else the chat's creation; ties by chat id), one page at a time.

  all          every chat that is not spam (refused, exit 4, with assigned access)
  you          chats assigned to you
  unassigned   chats assigned to nobody
  spam         spam chats: all of the org's with all access; with assigned
               access, those assigned to you or marked as spam by you

--limit is the page size (default %d, at most %d). -o json prints
{"items": [...], "next_cursor": "..."}; pass next_cursor to --after for the next
page (null on the last page). On a terminal the next page's command is printed
on stderr. Pages stay correct while messages arrive: a chat whose activity
moves goes to the top and is not shown twice. The SPAM column flags spam chats;
a mark whose time has passed is "expired, waiting for spam expire" (still spam
until 'inboxctl spam expire' runs).`, inbox.DefaultLimit, inbox.MaxLimit),
		Example: `  inboxctl inbox list --folder unassigned --as ravi@acme.test
  inboxctl inbox list --folder spam --label billing --limit 200 --as lead@acme.test

  # every page of a folder as JSON
  inboxctl inbox list --folder all -o json --as lead@acme.test > page1.json
  inboxctl inbox list --folder all -o json --after "$(jq -r .next_cursor page1.json)" --as lead@acme.test`,
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.Complete(c)
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return listRun(o)
		},
	}
	fl := c.Flags()
	fl.StringVar(&o.Folder, "folder", "", "all, you, unassigned or spam")
	fl.IntVar(&o.Limit, "limit", inbox.DefaultLimit, fmt.Sprintf("page size, at most %d", inbox.MaxLimit))
	fl.StringVar(&o.After, "after", "", "the next_cursor of the previous page")
	fl.StringVar(&o.Label, "label", "", "only chats with this label")
	_ = c.RegisterFlagCompletionFunc("folder", cobra.FixedCompletions([]string{"all", "you", "unassigned", "spam"}, cobra.ShellCompDirectiveNoFileComp))
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
	page, err := inbox.List(o.ctx, db, actor, inbox.ListOptions{
		Folder: rules.Folder(o.Folder), Limit: o.Limit, After: o.After, Label: o.Label})
	if err != nil {
		return err
	}
	if err := render(p, page); err != nil {
		return err
	}
	if n := expired(page); n > 0 {
		fmt.Fprintf(f.IO.ErrOut, "%d spam mark(s) on this page %s: is 'inboxctl spam expire' running from cron?\n", n, rules.ExpiredWaiting)
	}
	if len(page.Items) == 0 && p.Format == output.Table {
		more := ""
		if o.After != "" {
			more = "more "
		}
		fmt.Fprintf(f.IO.ErrOut, "No %schats in the %s folder.\n", more, o.Folder)
	}
	if page.NextCursor != "" && p.Format != output.JSON && (p.Format == output.Table || f.IO.StderrTTY) {
		hint := f.IO.ErrOut
		if f.Paging() {
			hint = p.Out // below the table, in the pager
		}
		fmt.Fprintf(hint, "Next page: %s\n", nextCommand(o.Shaped, page.NextCursor))
	}
	return nil
}

func render(p *output.Printer, page inbox.Page) error {
	if p.Format == output.JSON {
		return p.JSON(page)
	}
	l := p.List(output.Cols("chat_id", "user_id", "phone", "name", "assignee", "label", "spam", "last_message_at", "last_message").Numeric("chat_id", "user_id", "phone"))
	for _, it := range page.Items {
		var spam any = it.Spam
		if it.SpamExpired && p.Format == output.Table {
			spam = "true (" + rules.ExpiredWaiting + ")"
		}
		if err := l.Row(it.ChatID, it.UserID, it.Phone, it.Name, it.Assignee, it.Label, spam, it.LastMessageAt, it.LastMessage); err != nil {
			return err
		}
	}
	return l.Close()
}

// expired counts the page's spam marks that wait for spam expire.
func expired(page inbox.Page) int {
	n := 0
	for _, it := range page.Items {
		if it.SpamExpired {
			n++
		}
	}
	return n
}

// shapingFlags are the flags that shaped a page as given on the command
// line (--folder, --label, --limit, --as, --org, -o, --config), each value
// quoted for a POSIX shell. --database-url is never repeated, as it may
// hold a password; what came from the environment or the config file comes
// from there again.
func shapingFlags(c *cobra.Command) []string {
	var parts []string
	for _, name := range []string{"folder", "label", "limit", "as", "org", "output", "config"} {
		if fl := c.Flags().Lookup(name); fl != nil && (fl.Changed || name == "folder") {
			parts = append(parts, "--"+name, shellQuote(fl.Value.String()))
		}
	}
	return parts
}

// nextCommand is the command line of the next page: the flags that shaped
// this one, then --after.
func nextCommand(shaped []string, cursor string) string {
	parts := append([]string{"inboxctl inbox list"}, shaped...)
	return strings.Join(append(parts, "--after", shellQuote(cursor)), " ")
}

// shellQuote quotes s for a POSIX shell when it holds anything but
// letters, digits and @%+=:,./_-.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
