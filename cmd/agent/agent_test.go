package agent

import (
	"testing"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/cmdutil/cmdtest"
)

// Flags → options, with no database: each command line either gives the
// options the run would get or a usage error (the start of its sentence).

func TestAddFlags(t *testing.T) {
	cmdtest.Table(t, NewCmdAdd, func(o *AddOptions) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[AddOptions]{
		{Argv: []string{"lead@acme.test", "--role", "owner"}, Want: &AddOptions{Email: "lead@acme.test", Access: "all", Role: "owner"}},
		{Argv: []string{"ravi@acme.test", "--access", "assigned", "--db-role", "ravi"}, Want: &AddOptions{Email: "ravi@acme.test", Access: "assigned", Role: "teammate", DBRole: "ravi"}},
		{Argv: []string{}, WantErr: "Accepts 1 arg(s), received 0."},
		{Argv: []string{"a@b", "--level", "x"}, WantErr: "Unknown flag: --level. See 'add --help'."},
	})
}

func TestBindAndListFlags(t *testing.T) {
	cmdtest.Table(t, NewCmdBind, func(o *BindOptions) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[BindOptions]{
		{Argv: []string{"ravi@acme.test", "--db-role", "ravi"}, Want: &BindOptions{Email: "ravi@acme.test", DBRole: "ravi"}},
		{Argv: []string{"ravi@acme.test"}, WantErr: "Name the PostgreSQL role with --db-role ROLE."},
		{Argv: []string{"a", "b", "--db-role", "r"}, WantErr: "Accepts 1 arg(s), received 2."},
	})
	cmdtest.Table(t, NewCmdList, func(o *ListOptions) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[ListOptions]{
		{Argv: []string{}, Want: &ListOptions{}},
		{Argv: []string{"lst"}, WantErr: `Unknown command "lst" for "list".`},
	})
}
