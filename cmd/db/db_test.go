package db

import (
	"testing"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/cmdutil/cmdtest"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/seed"
)

// Flags → options, with no database: each command line either gives the
// options the run would get or a usage error (the start of its sentence).

func TestGrantFlags(t *testing.T) {
	cmdtest.Table(t, NewCmdGrant, func(o *GrantOptions) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[GrantOptions]{
		{Argv: []string{"ravi", "--level", "agent"}, Want: &GrantOptions{Role: "ravi", LevelText: "agent", Level: rules.LevelAgent}},
		{Argv: []string{"ci", "--level", "read"}, Want: &GrantOptions{Role: "ci", LevelText: "read", Level: rules.LevelRead}},
		{Argv: []string{"ci"}, WantErr: `--level must be read, agent or admin, not "".`},
		{Argv: []string{"ci", "--level", "root"}, WantErr: `--level must be read, agent or admin, not "root".`},
		{Argv: []string{"--level", "read"}, WantErr: "Accepts 1 arg(s), received 0."},
	})
}

func TestSeedFlags(t *testing.T) {
	cmdtest.Table(t, NewCmdSeed, func(o *SeedOptions) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[SeedOptions]{
		{Argv: []string{"--demo"}, Want: &SeedOptions{Demo: true, Users: seed.DefaultUsers}},
		{Argv: []string{"--demo", "--users", "1000"}, Want: &SeedOptions{Demo: true, Users: 1000}},
		{Argv: []string{"--users", "10"}, WantErr: "Say what to seed: --demo is the only data set."},
		{Argv: []string{"--demo", "--users", "x"}, WantErr: `Invalid argument "x" for "--users" flag`},
	})
}

func TestMigrateAndStatusFlags(t *testing.T) {
	cmdtest.Table(t, NewCmdMigrate, func(o *MigrateOptions) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[MigrateOptions]{
		{Argv: []string{}, Want: &MigrateOptions{}},
		{Argv: []string{"up"}, WantErr: `Unknown command "up" for "migrate".`},
	})
	cmdtest.Table(t, NewCmdStatus, func(o *StatusOptions) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[StatusOptions]{
		{Argv: []string{}, Want: &StatusOptions{}},
		{Argv: []string{"extra"}, WantErr: `Unknown command "extra" for "status".`},
	})
}
