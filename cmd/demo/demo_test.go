package demo

import (
	"context"
	"testing"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/cmdutil/cmdtest"
	"github.com/inboxctl/inboxctl/internal/errs"
)

// Flags → options, with no database and no server started.
func TestDemoFlags(t *testing.T) {
	ran := false
	run := func(context.Context, *cmdutil.IOStreams, []string) errs.Code { ran = true; return errs.OK }
	newCmd := func(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command { return NewCmdDemo(f, run, runF) }
	cmdtest.Table(t, newCmd, func(o *Options) (*cmdutil.Factory, bool) {
		if o.Run == nil {
			t.Error("the options lack the runner")
		}
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx, o.Run = nil, nil, nil
		return f, ctx
	}, []cmdtest.Case[Options]{
		{Argv: []string{}, Want: &Options{}},
		{Argv: []string{"--keep"}, Want: &Options{Keep: true}},
		{Argv: []string{"tour"}, WantErr: `Unknown command "tour" for "demo".`},
		{Argv: []string{"--keep=later"}, WantErr: `Invalid argument "later" for "--keep" flag`},
	})
	if ran {
		t.Error("the tour ran a command while parsing flags")
	}
}
