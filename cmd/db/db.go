// Package db holds the `inboxctl db` commands: migrate, status, seed and
// grant.
package db

import (
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
	c.AddCommand(newCmdMigrate(f), newCmdStatus(f), newCmdSeed(f), newCmdGrant(f))
	return c
}

func newCmdMigrate(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply the pending schema migrations",
		Long: `Apply the embedded schema migrations that the database does not have yet,
each in its own transaction. Running it again changes nothing, and two
concurrent runs are safe (they take an advisory lock).`,
		Example: "  inboxctl db migrate --database-url postgres://inboxctl@db.internal/inbox",
		Args:    cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			db, err := f.RawDB(c.Context())
			if err != nil {
				return err
			}
			done, err := db.Migrate(c.Context())
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
		},
	}
}

func newCmdStatus(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
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
		RunE: func(c *cobra.Command, _ []string) error {
			db, err := f.RawDB(c.Context())
			if err != nil {
				return err
			}
			ms, err := db.Status(c.Context())
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
			waiting, err := store.ExpiredMarks(c.Context(), db)
			if err != nil {
				return nil
			}
			for _, w := range waiting {
				fmt.Fprintf(f.IO.ErrOut, "Org %s: %d expired mark(s) waiting for 'inboxctl spam expire'.\n", w.Org, w.Count)
			}
			return nil
		},
	}
}

func newCmdSeed(f *cmdutil.Factory) *cobra.Command {
	var demo bool
	var users int
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
		RunE: func(c *cobra.Command, _ []string) error {
			if !demo {
				return errs.Usagef("Say what to seed: --demo is the only data set.")
			}
			db, err := f.DB(c.Context())
			if err != nil {
				return err
			}
			res, err := seed.Demo(c.Context(), db, users)
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
		},
	}
	c.Flags().BoolVar(&demo, "demo", false, "seed the demo org")
	c.Flags().IntVar(&users, "users", seed.DefaultUsers, "number of demo users")
	return c
}

func newCmdGrant(f *cmdutil.Factory) *cobra.Command {
	var level string
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
			l, err := rules.ParseLevel(level)
			if err != nil {
				return errs.Usagef("%v.", err)
			}
			db, err := f.DB(c.Context())
			if err != nil {
				return err
			}
			g, err := db.GrantLevel(c.Context(), args[0], l)
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
		},
	}
	c.Flags().StringVar(&level, "level", "", "read, agent or admin")
	_ = c.RegisterFlagCompletionFunc("level", cobra.FixedCompletions([]string{"read", "agent", "admin"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}
