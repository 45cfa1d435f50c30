package bench

import (
	"testing"

	"github.com/inboxctl/inboxctl/internal/bench"
	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/cmdutil/cmdtest"
)

// Flags → options, with no database and no server started: each command
// line either gives the options the run would get or a usage error.
func TestBenchFlags(t *testing.T) {
	cmdtest.Table(t, NewCmdBench, func(o *Options) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[Options]{
		{Argv: []string{}, Want: &Options{Users: []int{bench.DefaultUsers}}},
		{Argv: []string{"--users", "10000,100000", "--only", "mark", "--fail-missed"},
			Want: &Options{Users: []int{10000, 100000}, Only: "mark", FailMissed: true}},
		{Argv: []string{"--users", "1e6"}, WantErr: `Invalid argument "1e6" for "--users" flag`},
		{Argv: []string{"mark"}, WantErr: `Unknown command "mark" for "bench".`},
	})
}
