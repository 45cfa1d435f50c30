package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/inboxctl/inboxctl/internal/config"
	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/output"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/store"
)

// Factory builds what commands need, lazily, once. Config, RawDB, DB and
// Identity are fields, not methods, so a test can swap them (a flag test
// sets them to functions that fail the test if called); NewFactory, or
// SetDefaults on a Factory built as a literal, sets the ones left nil to
// the real, cached constructors.
type Factory struct {
	IO    *IOStreams
	Build Build
	// Flags are the root's persistent flags, parsed before any Run.
	Flags *pflag.FlagSet

	// Command is the running command's name ("spam mark") and Use what it
	// needs (README "Who may do what"); the root sets both before the command
	// runs. A nil Use is a command that acts for no agent and writes: level
	// admin.
	Command string
	Use     *rules.Use

	// Config loads the configuration once.
	Config func() (*config.Config, error)
	// RawDB connects, once, without checking migrations (for db migrate
	// and status).
	RawDB func(ctx context.Context) (*store.DB, error)
	// DB connects, refuses a database with pending migrations, and refuses
	// a database role whose level does not run the command (README "Who may
	// do what").
	DB func(ctx context.Context) (*store.DB, error)
	// Identity is the database role running the command and its level,
	// read once.
	Identity func(ctx context.Context) (store.Identity, error)

	cfg *config.Config
	db  *store.DB
	id  *store.Identity

	pager *pagerWriter
}

// NewFactory is the Factory of a real run: the real, cached Config, RawDB,
// DB and Identity.
func NewFactory(io *IOStreams, build Build) *Factory {
	f := &Factory{IO: io, Build: build}
	f.SetDefaults()
	return f
}

// SetDefaults sets each of Config, RawDB, DB and Identity left nil to the
// real one, which caches what it builds in f.
func (f *Factory) SetDefaults() {
	if f.Config == nil {
		f.Config = f.loadConfig
	}
	if f.RawDB == nil {
		f.RawDB = f.openRawDB
	}
	if f.DB == nil {
		f.DB = f.openDB
	}
	if f.Identity == nil {
		f.Identity = f.whoAmI
	}
}

func (f *Factory) loadConfig() (*config.Config, error) {
	if f.cfg != nil {
		return f.cfg, nil
	}
	cfg, err := config.Load(f.Flags)
	if err != nil {
		var cf *config.ErrConfigFile
		if errors.As(err, &cf) {
			return nil, errs.Usagef("%s", cf.Msg)
		}
		return nil, err
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(f.IO.ErrOut, w)
	}
	f.cfg = cfg
	return cfg, nil
}

// Secrets are the passwords to mask in anything printed.
func (f *Factory) Secrets() []string {
	var s []string
	if f.cfg != nil {
		s = f.cfg.Secrets()
	}
	if f.db != nil && f.db.Password != "" {
		s = append(s, f.db.Password)
	}
	if p := os.Getenv("PGPASSWORD"); p != "" {
		s = append(s, p)
	}
	return s
}

func (f *Factory) openRawDB(ctx context.Context) (*store.DB, error) {
	if f.db != nil {
		return f.db, nil
	}
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	if err := nothingConfigured(ctx, cfg); err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL())
	if err != nil {
		return nil, err
	}
	if w := db.ClearTextWarning(); w != "" {
		fmt.Fprintln(f.IO.ErrOut, w)
	}
	f.db = db
	return db, nil
}

// nothingConfigured is the error for a first run: no database URL (flag,
// environment or config file), no PGHOST, PGHOSTADDR or PGSERVICE, and
// nothing listening at libpq's default, localhost:5432 (or $PGPORT). It
// says how to configure one, or how to get one, instead of "connection
// refused".
func nothingConfigured(ctx context.Context, cfg *config.Config) error {
	if cfg.DatabaseURL() != "" || os.Getenv("PGHOST") != "" || os.Getenv("PGHOSTADDR") != "" || os.Getenv("PGSERVICE") != "" {
		return nil
	}
	port := os.Getenv("PGPORT")
	if port == "" {
		port = "5432"
	}
	addr := net.JoinHostPort("localhost", port)
	conn, err := (&net.Dialer{Timeout: 2 * time.Second}).DialContext(ctx, "tcp", addr)
	if err == nil {
		conn.Close()
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return &errs.Error{Code: errs.Unexpected, Msg: fmt.Sprintf("No database is configured and nothing is listening at libpq's default, %s: set INBOXCTL_DATABASE_URL or pass --database-url, or run 'inboxctl demo --keep' for a private database to try.", addr)}
}

// openDB connects, refuses a database with pending migrations, and refuses
// a database role whose level does not run the command (README "Who may do
// what"): the real DB.
func (f *Factory) openDB(ctx context.Context) (*store.DB, error) {
	db, err := f.RawDB(ctx)
	if err != nil {
		return nil, err
	}
	id, err := f.Identity(ctx)
	if err != nil {
		return nil, err
	}
	if id.Migrated {
		// A role with no level may not even read the migrations: say why.
		if err := rules.AllowLevel(rules.Who{DBRole: id.Role, Level: id.Level}, f.Command, f.use()); err != nil {
			return nil, err
		}
	}
	if err := db.RequireCurrent(ctx); err != nil {
		return nil, err
	}
	return db, nil
}

func (f *Factory) whoAmI(ctx context.Context) (store.Identity, error) {
	if f.id != nil {
		return *f.id, nil
	}
	db, err := f.RawDB(ctx)
	if err != nil {
		return store.Identity{}, err
	}
	id, err := store.WhoAmI(ctx, db)
	if err != nil {
		return id, err
	}
	f.id = &id
	return id, nil
}

func (f *Factory) use() rules.Use {
	if f.Use == nil {
		return rules.Use{}
	}
	return *f.Use
}

// Explain makes err's sentence exact where that takes asking the database
// (is a read-only server a hot standby?).
func (f *Factory) Explain(ctx context.Context, err error) error {
	if f.db == nil {
		return err
	}
	return f.db.ExplainReadOnly(ctx, err)
}

// Close waits for the pager, if one runs, and releases the database pool.
func (f *Factory) Close() {
	if f.pager != nil {
		f.pager.wait()
	}
	if f.db != nil {
		f.db.Close()
	}
}

// Printer is the printer for -o.
func (f *Factory) Printer() (*output.Printer, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	format, err := output.ParseFormat(cfg.Output(), f.IO.StdoutTTY)
	if err != nil {
		return nil, errs.Usagef("%v.", err)
	}
	p := &output.Printer{Out: f.IO.Out, Format: format, Color: f.IO.StdoutTTY && !cfg.NoColor()}
	if f.IO.StdoutTTY {
		p.Width = f.IO.TermWidth
	}
	if format == output.Table && f.IO.StdoutTTY && f.IO.TermHeight > 1 && !f.noPager() {
		if f.pager == nil {
			if cmd := PagerCommand(); cmd != "" {
				f.pager = &pagerWriter{out: f.IO.Out, command: cmd, lines: f.IO.TermHeight - 1, env: pagerEnv()}
			}
		}
		if f.pager != nil {
			p.Out = f.pager
		}
	}
	return p, nil
}

// noPager reports whether --no-pager was given.
func (f *Factory) noPager() bool {
	if f.Flags == nil {
		return false
	}
	off, _ := f.Flags.GetBool("no-pager")
	return off
}

// Paging reports whether a long table is being shown through the pager
// (then a hint after it belongs in the pager too, not on stderr).
func (f *Factory) Paging() bool { return f.pager != nil && f.pager.Paging() }

// Org resolves the org (--org, optional when the database holds one org;
// an agent-level role's is its bound agent's) and checks the acting agent,
// if any, as Acting does.
func (f *Factory) Org(ctx context.Context) (*store.DB, directory.Org, error) {
	db, ac, err := f.Acting(ctx)
	return db, ac.Org, err
}

// Actor is Acting for a command that needs an acting agent: the agent whose
// view, permissions and audit trail apply.
func (f *Factory) Actor(ctx context.Context) (*store.DB, directory.Actor, error) {
	db, ac, err := f.Acting(ctx)
	if err != nil {
		return nil, ac, err
	}
	if ac.Agent.ID == 0 {
		return nil, ac, errs.Usagef("This command acts for an agent: pass --as EMAIL (or set INBOXCTL_AGENT, or 'agent' in the config file).")
	}
	return db, ac, nil
}

// Acting resolves who the command acts for (README "Who may do what"): an
// agent-level role acts as its bound agent, in its org, and --as may only
// name that agent; an admin-level role acts as the agent --as names, or for
// no agent; a read-level role acts for no agent. The acting agent's role must
// allow the command. Agent.ID is 0 when no agent acts.
func (f *Factory) Acting(ctx context.Context) (*store.DB, directory.Actor, error) {
	db, err := f.DB(ctx)
	if err != nil {
		return nil, directory.Actor{}, err
	}
	cfg, _ := f.Config()
	id, _ := f.Identity(ctx)
	who := rules.Who{DBRole: id.Role, Level: id.Level}
	use := f.use()
	var ac directory.Actor
	if id.Level == rules.LevelAgent {
		bound, ok, err := directory.BoundAgent(ctx, db)
		if err != nil {
			return nil, ac, err
		}
		if !ok {
			return nil, ac, errs.Refusedf("Role %s is not bound to an agent: the schema owner binds it with 'inboxctl agent bind EMAIL --db-role %s'.", id.Role, id.Role)
		}
		if slug := cfg.Org(); slug != "" && slug != bound.Org.Slug {
			return nil, ac, errs.Refusedf("Role %s acts as agent %s of org %s, not in org %s.", id.Role, bound.Agent.Email, bound.Org.Slug, slug)
		}
		if err := rules.AllowImpersonation(who, bound.Agent.Email, cfg.Agent()); err != nil {
			return nil, ac, err
		}
		ac = bound
	} else {
		if ac.Org, err = directory.ResolveOrg(ctx, db, cfg.Org()); err != nil {
			return nil, ac, err
		}
		if as := cfg.Agent(); as != "" && use.Agent != rules.ActsForNoAgent {
			if err := rules.AllowImpersonation(who, "", as); err != nil {
				return nil, ac, err
			}
			if ac.Agent, err = directory.ResolveAgent(ctx, db, ac.Org.ID, as); err != nil {
				return nil, ac, err
			}
		}
	}
	if ac.Agent.ID != 0 {
		if err := rules.AllowRole(ac.Agent.Email, rules.Role(ac.Agent.Role), f.Command, use); err != nil {
			return nil, ac, err
		}
	}
	return db, ac, nil
}

// Yes reports whether -y/--yes was given.
func (f *Factory) Yes() bool {
	cfg, err := f.Config()
	return err == nil && cfg.Yes()
}

// ConfirmBulk applies the confirmation policy of bulk changes: --yes goes
// ahead; a terminal is asked; without a terminal it is a usage error.
func (f *Factory) ConfirmBulk(question string) error {
	if f.Yes() {
		return nil
	}
	if !f.IO.CanPrompt() {
		return errs.Usagef("Refusing to change data without confirmation: stdin is not a terminal, so pass --yes.")
	}
	ok, err := f.IO.Confirm(question)
	if err != nil {
		return err
	}
	if !ok {
		return errs.Usagef("Cancelled: nothing was changed.")
	}
	return nil
}

// OpenInput opens -f FILE, or stdin for "-".
func (f *Factory) OpenInput(path string) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(f.IO.In), nil
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, errs.Usagef("Cannot read %s: %v.", path, errors.Unwrap(err))
	}
	return file, nil
}

// ParseBy validates --by.
func ParseBy(s string) (input.By, error) {
	by, err := input.ParseBy(s)
	if err != nil {
		return "", errs.Usagef("%v.", err)
	}
	return by, nil
}
