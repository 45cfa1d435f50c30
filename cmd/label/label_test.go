package label

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
		{Argv: []string{}, Want: &ListOptions{}},
		{Argv: []string{"billing"}, WantErr: `Unknown command "billing" for "list".`},
		{Argv: []string{"--limit", "1"}, WantErr: "Unknown flag: --limit. See 'list --help'."},
	})
}
