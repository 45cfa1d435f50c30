package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/inboxctl/inboxctl/internal/config"
	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/output"
	"github.com/inboxctl/inboxctl/internal/store"
)

// Build is what goreleaser's ldflags set.
type Build struct {
	Version, Commit, Date string
}

// Factory builds what commands need, lazily, once.
type Factory struct {
	IO    *IOStreams
	Build Build
	// Flags are the root's persistent flags, parsed before any Run.
	Flags *pflag.FlagSet

	cfg *config.Config
	db  *store.DB
}

// Config loads the configuration once.
func (f *Factory) Config() (*config.Config, error) {
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

// RawDB connects without checking migrations (for db migrate and status).
func (f *Factory) RawDB(ctx context.Context) (*store.DB, error) {
	if f.db != nil {
		return f.db, nil
	}
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL())
	if err != nil {
		return nil, err
	}
	f.db = db
	return db, nil
}

// DB connects and refuses a database with pending migrations.
func (f *Factory) DB(ctx context.Context) (*store.DB, error) {
	db, err := f.RawDB(ctx)
	if err != nil {
		return nil, err
	}
	if err := db.RequireCurrent(ctx); err != nil {
		return nil, err
	}
	return db, nil
}

// Close releases the database pool.
func (f *Factory) Close() {
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
	return &output.Printer{Out: f.IO.Out, Format: format, Color: f.IO.StdoutTTY && !cfg.NoColor()}, nil
}

// Org resolves --org (optional when the database holds one org).
func (f *Factory) Org(ctx context.Context) (*store.DB, directory.Org, error) {
	db, err := f.DB(ctx)
	if err != nil {
		return nil, directory.Org{}, err
	}
	cfg, _ := f.Config()
	org, err := directory.ResolveOrg(ctx, db, cfg.Org())
	return db, org, err
}

// Actor resolves --org and --as: the agent whose view, permissions and
// audit trail apply.
func (f *Factory) Actor(ctx context.Context) (*store.DB, directory.Actor, error) {
	db, org, err := f.Org(ctx)
	if err != nil {
		return nil, directory.Actor{}, err
	}
	cfg, _ := f.Config()
	if cfg.Agent() == "" {
		return nil, directory.Actor{}, errs.Usagef("This command acts for an agent: pass --as EMAIL (or set INBOXCTL_AGENT, or 'agent' in the config file).")
	}
	agent, err := directory.ResolveAgent(ctx, db, org.ID, cfg.Agent())
	if err != nil {
		return nil, directory.Actor{}, err
	}
	return db, directory.Actor{Org: org, Agent: agent}, nil
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
