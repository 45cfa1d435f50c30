// Package db holds the `inboxctl db` commands: migrate, status, seed and
// grant.
package db

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/output"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/store"
)

// NewCmdDB is `inboxctl db`.
func NewCmdDB(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "db <command>",
		Short: "Migrate, inspect, seed the database and grant levels",
		Long: `Apply inboxctl's embedded schema migrations, show which are applied, seed
demo data, and give PostgreSQL roles a level (read, agent, admin). Every other
command refuses a database with pending migrations (exit 1) until 'inboxctl
db migrate' has run.`,
		Example: `  inboxctl db migrate
  inboxctl db status
  inboxctl db seed --demo --users 100
  inboxctl db grant ravi --level agent`,
		GroupID: "admin",
	}
	c.AddCommand(NewCmdMigrate(f, nil), NewCmdStatus(f, nil), NewCmdSeed(f, nil), NewCmdGrant(f, nil))
	return c
}

// MigrateOptions are `inboxctl db migrate`'s: it takes no arguments and no
// flags of its own.
type MigrateOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context
}

// NewCmdMigrate is `inboxctl db migrate`; runF, if not nil, runs
// instead of migrateRun once the options are complete (for tests).
func NewCmdMigrate(f *cmdutil.Factory, runF func(*MigrateOptions) error) *cobra.Command {
	o := &MigrateOptions{Factory: f}
	c := &cobra.Command{
		Use:   "migrate",
		Short: "Apply the pending schema migrations",
		Long: `Apply the embedded schema migrations that the database does not have yet,
each in its own transaction. Running it again changes nothing, and two
concurrent runs are safe (they take an advisory lock).`,
		Example: "  inboxctl db migrate --database-url postgres://inboxctl@db.internal/inbox",
		Args:    cmdutil.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			o.ctx = c.Context()
			if runF != nil {
				return runF(o)
			}
			return migrateRun(o)
		},
	}
	return c
}

func migrateRun(o *MigrateOptions) error {
	f := o.Factory
	db, err := f.RawDB(o.ctx)
	if err != nil {
		return err
	}
	done, err := db.Migrate(o.ctx)
	if err != nil {
		return err
	}
	if len(done) == 0 {
		fmt.Fprintln(f.IO.ErrOut, "The database is up to date; nothing to apply.")
		return nil
	}
	for _, m := range done {
		fmt.Fprintf(f.IO.ErrOut, "Applied %s\n", m.Name)
	}
	return nil
}

// StatusOptions are `inboxctl db status`'s: it takes no arguments and no
// flags of its own.
type StatusOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context
}

// NewCmdStatus is `inboxctl db status`; runF, if not nil, runs
// instead of statusRun once the options are complete (for tests).
func NewCmdStatus(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	o := &StatusOptions{Factory: f}
	c := &cobra.Command{
		Use:   "status",
		Short: "List the migrations, applied and pending",
		Long: `List every migration embedded in this inboxctl with its status (applied or
pending) and when it was applied, then on stderr, per org, how many expired
spam marks wait for 'inboxctl spam expire' (more than none for long: its cron
job is not running). It works on a database that has never been migrated, so
it is safe to run before 'inboxctl db migrate'.`,
		Example: `  inboxctl db status
  inboxctl db status -o json
  inboxctl db status -o csv | grep -c ',pending,'`,
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			o.ctx = c.Context()
			if runF != nil {
				return runF(o)
			}
			return statusRun(o)
		},
	}
	return c
}

func statusRun(o *StatusOptions) error {
	f := o.Factory
	db, err := f.RawDB(o.ctx)
	if err != nil {
		return err
	}
	ms, err := db.Status(o.ctx)
	if err != nil {
		return err
	}
	p, err := f.Printer()
	if err != nil {
		return err
	}
	l := p.List(output.Cols("version", "name", "status", "applied_at"))
	expiring := false
	for _, m := range ms {
		status := "pending"
		if m.AppliedAt != nil {
			status = "applied"
			expiring = expiring || m.Version == store.ExpiringMarksVersion
		}
		l.Row(int64(m.Version), m.Name, status, m.AppliedAt)
	}
	if err := l.Close(); err != nil {
		return err
	}
	if !expiring {
		return nil
	}
	// Best effort: db status needs no level, and a role that may
	// not read the users still gets the migrations.
	waiting, err := store.ExpiredMarks(o.ctx, db)
	if err != nil {
		return nil
	}
	for _, w := range waiting {
		fmt.Fprintf(f.IO.ErrOut, "Org %s: %d expired mark(s) waiting for 'inboxctl spam expire'.\n", w.Org, w.Count)
	}
	return nil
}

// SeedOptions are `inboxctl db seed`'s flags.
type SeedOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context

	Demo  bool
	Users int
}

// Validate wants --demo, the one data set.
func (o *SeedOptions) Validate() error {
	if !o.Demo {
		return errs.Usagef("Say what to seed: --demo is the only data set.")
	}
	return nil
}

// NewCmdSeed is `inboxctl db seed`; runF, if not nil, runs
// instead of seedRun once the options are complete (for tests).
func NewCmdSeed(f *cmdutil.Factory, runF func(*SeedOptions) error) *cobra.Command {
	o := &SeedOptions{Factory: f}
	c := &cobra.Command{
		Use:   "seed --demo [--users N]",
		Short: "Write deterministic demo data",
		Long: `Write the demo org: org 'demo'; agents owner@demo.test (all access),
asha@demo.test (all access) and ravi@demo.test (assigned access); N users with
one chat each, spread over the agents, labels vip and billing, and two
campaigns ('Diwali Sale', one-time for city=Pune; 'Welcome Series', ongoing).
Every time is fixed, so the same N gives the same data.`,
		Example: "  inboxctl db seed --demo --users 1000",
		Args:    cmdutil.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			o.ctx = c.Context()
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return seedRun(o)
		},
	}
	c.Flags().BoolVar(&o.Demo, "demo", false, "seed the demo org")
	c.Flags().IntVar(&o.Users, "users", seed.DefaultUsers, "number of demo users")
	return c
}

func seedRun(o *SeedOptions) error {
	f := o.Factory
	db, err := f.DB(o.ctx)
	if err != nil {
		return err
	}
	res, err := seed.Demo(o.ctx, db, o.Users)
	if err != nil {
		return err
	}
	p, err := f.Printer()
	if err != nil {
		return err
	}
	if p.Format == output.JSON || p.Format == output.NDJSON {
		return p.JSON(res)
	}
	fmt.Fprintf(f.IO.ErrOut, "Seeded org %s: %d agents, %d users (try: inboxctl inbox list --folder all --as %s)\n", res.Org, res.Agents, res.Users, seed.Owner)
	return nil
}

// GrantOptions are `inboxctl db grant`'s arguments and flags, and the
// level Complete parses.
type GrantOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context

	Role      string
	LevelText string // --level as given

	// Level is --level, parsed by Complete.
	Level rules.Level
}

// Complete parses --level.
func (o *GrantOptions) Complete(args []string) error {
	o.Role = args[0]
	l, err := rules.ParseLevel(o.LevelText)
	if err != nil {
		return errs.Usagef("%v.", err)
	}
	o.Level = l
	return nil
}

// NewCmdGrant is `inboxctl db grant`; runF, if not nil, runs
// instead of grantRun once the options are complete (for tests).
func NewCmdGrant(f *cmdutil.Factory, runF func(*GrantOptions) error) *cobra.Command {
	o := &GrantOptions{Factory: f}
	c := &cobra.Command{
		Use:   "grant ROLE --level read|agent|admin",
		Short: "Give a PostgreSQL login role a level: read, agent or admin",
		Long: `Give an existing PostgreSQL login role exactly one of inboxctl's three levels,
by making it a member of the group role inboxctl_read, inboxctl_agent or
inboxctl_admin (created on first use, with the least privileges each level
needs on this database's tables) and of no other:

  read   reads every org's data; runs only commands that write nothing and act
         for no agent (db status, org/agent/label/campaign list, campaign
         audience, recipients and check).
  agent  acts as the one agent bound to the role (inboxctl agent bind), and
         row-level security shows it only what that agent may see.
  admin  everything, including --as ANY (impersonation) and writes that act
         for no agent.

Run it as the schema owner (the role that ran 'inboxctl db migrate', always
admin); creating the group roles needs CREATEROLE. Running it again changes
nothing; granting another level replaces the role's level.`,
		Example: `  inboxctl db grant ravi --level agent
  inboxctl db grant ci --level read`,
		Args: cmdutil.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.ctx = c.Context()
			if err := o.Complete(args); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return grantRun(o)
		},
	}
	c.Flags().StringVar(&o.LevelText, "level", "", "read, agent or admin")
	_ = c.RegisterFlagCompletionFunc("level", cobra.FixedCompletions([]string{"read", "agent", "admin"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

func grantRun(o *GrantOptions) error {
	f := o.Factory
	db, err := f.DB(o.ctx)
	if err != nil {
		return err
	}
	g, err := db.GrantLevel(o.ctx, o.Role, o.Level)
	if err != nil {
		return err
	}
	p, err := f.Printer()
	if err != nil {
		return err
	}
	if p.Format == output.JSON || p.Format == output.NDJSON {
		return p.JSON(g)
	}
	for _, r := range g.Created {
		fmt.Fprintf(f.IO.ErrOut, "Created the group role %s.\n", r)
	}
	fmt.Fprintf(f.IO.ErrOut, "Role %s has level %s.\n", g.Role, g.Level)
	return nil
}
