package notifications

import (
	"testing"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/cmdutil/cmdtest"
)

// Flags → options, with no database: each command line either gives the
// options the run would get or a usage error (the start of its sentence).

func TestListFlags(t *testing.T) {
	cmdtest.Table(t, NewCmdList, func(o *ListOptions) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[ListOptions]{
		{Argv: []string{}, Want: &ListOptions{Limit: 100}},
		{Argv: []string{"--limit", "0"}, Want: &ListOptions{Limit: 0}},
		{Argv: []string{"--limit", "10"}, Want: &ListOptions{Limit: 10}},
		{Argv: []string{"--limit", "all"}, WantErr: `Invalid argument "all" for "--limit" flag`},
		{Argv: []string{"ravi@acme.test"}, WantErr: `Unknown command "ravi@acme.test" for "list".`},
	})
}
