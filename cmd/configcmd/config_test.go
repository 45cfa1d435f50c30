package configcmd

import (
	"testing"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/cmdutil/cmdtest"
)

// Flags → options, with no database and no config file: config show takes
// no arguments; the settings it prints are the root's flags, read when it
// runs.
func TestShowFlags(t *testing.T) {
	cmdtest.Table(t, NewCmdShow, func(o *ShowOptions) (*cmdutil.Factory, bool) {
		f := o.Factory
		o.Factory = nil
		return f, true // config show needs no context
	}, []cmdtest.Case[ShowOptions]{
		{Argv: []string{}, Want: &ShowOptions{}},
		{Argv: []string{"shw"}, WantErr: `Unknown command "shw" for "show".`},
		{Argv: []string{"--all"}, WantErr: "Unknown flag: --all. See 'show --help'."},
	})
}
