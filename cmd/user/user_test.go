package user

import (
	"testing"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/cmdutil/cmdtest"
	"github.com/inboxctl/inboxctl/internal/input"
)

// Flags → options, with no database: each command line either gives the
// options the run would get or a usage error (the start of its sentence).

func TestImportFlags(t *testing.T) {
	cmdtest.Table(t, NewCmdImport, func(o *ImportOptions) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[ImportOptions]{
		{Argv: []string{"-f", "customers.csv"}, Want: &ImportOptions{File: "customers.csv"}},
		{Argv: []string{"--file", "-", "--dry-run", "--skip-invalid"}, Want: &ImportOptions{File: "-", DryRun: true, SkipInvalid: true}},
		{Argv: []string{}, WantErr: "Give the CSV with -f FILE, or -f - for stdin."},
		{Argv: []string{"customers.csv"}, WantErr: `Unknown command "customers.csv" for "import".`},
		{Argv: []string{"-f"}, WantErr: "Flag needs an argument: 'f' in -f."},
	})
}

func TestShowFlags(t *testing.T) {
	cmdtest.Table(t, NewCmdShow, func(o *ShowOptions) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[ShowOptions]{
		{Argv: []string{"+919800000007"}, Want: &ShowOptions{RefText: "+919800000007", ByText: "auto", Ref: input.Ref{Phone: "+919800000007"}}},
		{Argv: []string{"42", "--by", "id"}, Want: &ShowOptions{RefText: "42", ByText: "id", Ref: input.Ref{ID: 42}}},
		{Argv: []string{"42", "--by", "phone"}, WantErr: "Invalid user ref: "},
		{Argv: []string{"42", "--by", "name"}, WantErr: `--by must be auto, phone or id, not "name".`},
		{Argv: []string{}, WantErr: "Accepts 1 arg(s), received 0."},
	})
}
