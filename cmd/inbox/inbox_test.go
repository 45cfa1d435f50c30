package inbox

import (
	"fmt"
	"testing"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/cmdutil/cmdtest"
	"github.com/inboxctl/inboxctl/internal/inbox"
)

// Flags → options, with no database: each command line either gives the
// options the run would get or a usage error (the start of its sentence).

func TestListFlags(t *testing.T) {
	cmdtest.Table(t, NewCmdList, func(o *ListOptions) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[ListOptions]{
		{Argv: []string{"--folder", "unassigned"},
			Want: &ListOptions{Folder: "unassigned", Limit: inbox.DefaultLimit, Shaped: []string{"--folder", "unassigned"}}},
		{Argv: []string{"--folder", "spam", "--label", "follow up", "--limit", "200", "--after", "abc"},
			Want: &ListOptions{Folder: "spam", Label: "follow up", Limit: 200, After: "abc",
				Shaped: []string{"--folder", "spam", "--label", "'follow up'", "--limit", "200"}}},
		{Argv: []string{}, WantErr: "Pick a folder with --folder all, you, unassigned or spam."},
		{Argv: []string{"--folder", "all", "--limit", "0"}, WantErr: fmt.Sprintf("--limit must be between 1 and %d, not 0.", inbox.MaxLimit)},
		{Argv: []string{"--folder", "all", "--limit", fmt.Sprint(inbox.MaxLimit + 1)}, WantErr: "--limit must be between 1 and "},
		{Argv: []string{"--folder", "all", "--limit", "many"}, WantErr: `Invalid argument "many" for "--limit" flag`},
		{Argv: []string{"spam"}, WantErr: `Unknown command "spam" for "list".`},
	})
}

func TestNextCommand(t *testing.T) {
	got := nextCommand([]string{"--folder", "all", "--label", "'it''s'"}, "c/1=")
	if want := "inboxctl inbox list --folder all --label 'it''s' --after c/1="; got != want {
		t.Errorf("nextCommand = %q, want %q", got, want)
	}
	if got := shellQuote("it's"); got != `'it'\''s'` {
		t.Errorf("shellQuote = %q", got)
	}
}
