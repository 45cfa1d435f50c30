package version

import (
	"testing"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/cmdutil/cmdtest"
)

// Flags → options, with no database: each command line either gives the
// options the run would get or a usage error (the start of its sentence).

func TestVersionFlags(t *testing.T) {
	cmdtest.Table(t, NewCmdVersion, func(o *Options) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[Options]{
		{Argv: []string{}, Want: &Options{}},
		{Argv: []string{"extra"}, WantErr: `Unknown command "extra" for "version".`},
		{Argv: []string{"--short"}, WantErr: "Unknown flag: --short. See 'version --help'."},
	})
}

// TestVersionPrintsTheBuild: the run prints the Factory's build, three
// lines, and needs no configuration or database.
func TestVersionPrintsTheBuild(t *testing.T) {
	f, _, out, errOut := cmdtest.Factory(t)
	f.Build = cmdutil.Build{Version: "v1.2.3", Commit: "abc1234", Date: "2026-12-05T12:00:00Z"}
	if err := cmdtest.Run(f, NewCmdVersion(f, nil)); err != nil {
		t.Fatal(err)
	}
	want := "inboxctl v1.2.3\ncommit: abc1234\nbuilt: 2026-12-05T12:00:00Z\n"
	if out.String() != want || errOut.Len() != 0 {
		t.Errorf("stdout %q, stderr %q; want stdout %q", out.String(), errOut.String(), want)
	}
}
