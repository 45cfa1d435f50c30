package org

import (
	"testing"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/cmdutil/cmdtest"
)

// Flags → options, with no database: each command line either gives the
// options the run would get or a usage error (the start of its sentence).

func TestCreateFlags(t *testing.T) {
	cmdtest.Table(t, NewCmdCreate, func(o *CreateOptions) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[CreateOptions]{
		{Argv: []string{"acme", "--name", "Acme Retail"}, Want: &CreateOptions{Slug: "acme", Name: "Acme Retail"}},
		{Argv: []string{"acme-staging"}, Want: &CreateOptions{Slug: "acme-staging"}},
		{Argv: []string{}, WantErr: "Accepts 1 arg(s), received 0."},
		{Argv: []string{"acme", "--bogus"}, WantErr: "Unknown flag: --bogus. See 'create --help'."},
	})
}

func TestListFlags(t *testing.T) {
	cmdtest.Table(t, NewCmdList, func(o *ListOptions) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[ListOptions]{
		{Argv: []string{}, Want: &ListOptions{}},
		{Argv: []string{"acme"}, WantErr: `Unknown command "acme" for "list".`},
	})
}
