// Package bench is `inboxctl bench`: it starts a private PostgreSQL, seeds N
// users (seed.Bench), and measures every operation of the target table of
// README "Performance" through the CLI itself — the real inboxctl binary run
// as a subprocess, timed, with its peak resident set read from the kernel —
// beside a hand-written SQL baseline run in the same process on an identical
// copy of the data (CREATE DATABASE … TEMPLATE).
package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/pglocal"
	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/store"
)

// DefaultUsers is the data set size of a plain `inboxctl bench`.
const DefaultUsers = 1_000_000

// Options say what to measure.
type Options struct {
	// Users are the data set sizes; each gets its own server and Report.
	Users []int
	// Only names one operation (see Operations); empty runs them all.
	Only string
	// Binary is the inboxctl executable measured (os.Executable()).
	Binary string
	// Progress receives one line per step (stderr); nil discards.
	Progress io.Writer
	// Runs, when above zero, caps how many times each measurement is
	// repeated (medians, rounds, the concurrency row's rounds and edits).
	// A test that proves every row runs and reports sets 1; the figures of
	// such a run are not the bench's.
	Runs int
}

// Report is one data set size's results.
type Report struct {
	Users   int      `json:"users"`
	Results []Result `json:"results"`
}

// Result is one measured operation. Seconds is the CLI process's wall time
// (for an "in-process" operation: the service call's); BaselineSeconds the
// hand-written SQL's; PeakRSSMiB the CLI process's maximum resident set.
// A nil number was not measured (no baseline, in-process, not available).
type Result struct {
	Operation       string   `json:"operation"`
	Rows            *int64   `json:"rows"`
	Seconds         *float64 `json:"seconds"`
	BaselineSeconds *float64 `json:"baseline_seconds"`
	Ratio           *float64 `json:"ratio"`
	RowsPerSecond   *float64 `json:"rows_per_second"`
	PeakRSSMiB      *float64 `json:"peak_rss_mib"`
	// Target is the row's target (README "Performance"); Met whether it held
	// (nil: not measured).
	Target string `json:"target"`
	Met    *bool  `json:"met"`
	// Detail says what else was seen: errors, counts, why not available.
	Detail string `json:"detail,omitempty"`
}

// operation is one row group of the target table.
type operation struct {
	name string
	help string
	// seeded says the operation needs the bench database (and its copy).
	seeded bool
	run    func(ctx context.Context, r *run) ([]Result, error)
}

// operations in the order they run: reads after the mark (whose unmark
// puts the data back), the concurrency rows last (they change the data
// freely).
var operations = []operation{
	{"startup", "process start: version and --help", false, opStartup},
	{"mark", "spam mark -f of a tenth of the users (100,000 at 1M), and spam unmark --batch of it", true, opMarkUnmark},
	{"expire", "spam expire of as many expired marks as the mark row marks, beside spam unmark --batch of the same users", true, opExpire},
	{"page", "inbox list: first and deep page of each folder, all and assigned agents", true, opPages},
	{"audience", "campaign audience -o csv of every user", true, opAudience},
	{"check", "campaign check --all over every pending recipient", true, opCheck},
	{"standby", "campaign check --all as a read-level role on a hot standby, beside the primary's owner", true, opStandbyCheck},
	{"complete", "dynamic completion of a phone prefix", true, opComplete},
	{"import", "user import -f of as many new users as the data set has", false, opImport},
	{"rls", "inbox list pages and spam mark -f as agent-level roles under row-level security, beside the schema owner", true, opRLS},
	{"concurrency", "8 clients bulk-marking while 8 assign and label", true, opConcurrency},
	{"pooler", "the concurrency row through pgbouncer in pool_mode=transaction (pool of 4), beside it on a direct connection", true, opPooler},
}

// aliases are other names --only accepts: the mark and the unmark are
// measured together (the unmark undoes the mark).
var aliases = map[string]string{"unmark": "mark"}

// Operations are the names --only accepts, in run order.
func Operations() []string {
	var names []string
	for _, o := range operations {
		names = append(names, o.name)
		for alias, name := range aliases {
			if name == o.name {
				names = append(names, alias)
			}
		}
	}
	return names
}

// Run measures every size in turn.
func Run(ctx context.Context, opts Options) ([]Report, error) {
	if len(opts.Users) == 0 {
		opts.Users = []int{DefaultUsers}
	}
	for _, n := range opts.Users {
		if n < 1000 {
			return nil, errs.Usagef("--users must be at least 1000, not %d.", n)
		}
	}
	if name, ok := aliases[opts.Only]; ok {
		opts.Only = name
	}
	if opts.Only != "" && !validOp(opts.Only) {
		return nil, errs.Usagef("--only must be one of %s, not %q.", strings.Join(Operations(), ", "), opts.Only)
	}
	if opts.Binary == "" {
		return nil, errs.Usagef("No inboxctl binary to measure.")
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	var reports []Report
	for _, n := range opts.Users {
		rep, err := runSize(ctx, opts, n)
		if err != nil {
			return reports, err
		}
		reports = append(reports, rep)
	}
	return reports, nil
}

func validOp(name string) bool {
	for _, o := range operations {
		if o.name == name {
			return true
		}
	}
	return false
}

// run is one size's environment: the server, the databases, a scratch
// directory for input and output files.
type run struct {
	opts     Options
	n        int
	dir      string
	srv      *pglocal.Server
	admin    *store.DB
	benchURL string
	baseURL  string
	bench    *store.DB // the data the CLI works on
	base     *store.DB // the identical copy the baseline works on
	orgID    int64
	ownerID  int64
	started  time.Time
	// importTemplate says import_tmpl exists.
	importTemplate bool
}

// times is k, the bench's count of repetitions of a measurement, capped by
// Options.Runs.
func (r *run) times(k int) int {
	if r.opts.Runs > 0 && r.opts.Runs < k {
		return r.opts.Runs
	}
	return k
}

func (r *run) logf(format string, args ...any) {
	fmt.Fprintf(r.opts.Progress, "bench %s users %6.1fs  %s\n", count(int64(r.n)), time.Since(r.started).Seconds(), fmt.Sprintf(format, args...))
}

func runSize(ctx context.Context, opts Options, n int) (Report, error) {
	r := &run{opts: opts, n: n, started: time.Now()}
	var err error
	if r.dir, err = os.MkdirTemp("", "inboxctl-bench-"); err != nil {
		return Report{}, err
	}
	defer os.RemoveAll(r.dir)
	if err := os.Mkdir(r.dir+"/config", 0o755); err != nil {
		return Report{}, err
	}
	r.logf("starting a private PostgreSQL")
	// Replication: the standby row makes a hot standby of it.
	r.srv, err = pglocal.Start(ctx, pglocal.Options{Settings: serverSettings, Replication: true})
	if err != nil {
		return Report{}, err
	}
	defer r.srv.Close()
	if r.admin, err = store.Open(ctx, r.srv.URL("postgres")); err != nil {
		return Report{}, err
	}
	defer r.admin.Close()
	ops := operations
	if opts.Only != "" {
		for _, o := range operations {
			if o.name == opts.Only {
				ops = []operation{o}
			}
		}
	}
	for _, o := range ops {
		if o.seeded {
			if err := r.seed(ctx); err != nil {
				return Report{}, fmt.Errorf("seeding %d users: %w", n, err)
			}
			break
		}
	}
	defer func() {
		for _, db := range []*store.DB{r.bench, r.base} {
			if db != nil {
				db.Close()
			}
		}
	}()
	rep := Report{Users: n}
	for _, o := range ops {
		r.logf("%s: %s", o.name, o.help)
		res, err := o.run(ctx, r)
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		if err != nil {
			res = append(res, Result{Operation: o.name, Detail: "error: " + err.Error(), Met: ptr(false)})
		}
		for _, x := range res {
			r.logf("  %s", x.summary())
		}
		rep.Results = append(rep.Results, res...)
	}
	r.logf("done")
	return rep, nil
}

// serverSettings keep checkpoints out of the measurements: the bulk
// operations write a few hundred MB of WAL each.
var serverSettings = map[string]string{
	"max_wal_size":       "8GB",
	"checkpoint_timeout": "30min",
	"shared_buffers":     "256MB",
}

// seed creates the bench database, seeds it, and clones it for the
// baselines while nothing else is connected to it.
func (r *run) seed(ctx context.Context) error {
	r.logf("seeding %s users (one chat each, 10%% spam, a scheduled campaign of everyone)", count(int64(r.n)))
	if _, err := r.admin.ExecContext(ctx, `CREATE DATABASE bench`); err != nil {
		return err
	}
	r.benchURL = r.srv.URL("bench")
	db, err := store.Open(ctx, r.benchURL)
	if err != nil {
		return err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return err
	}
	res, err := seed.Bench(ctx, db, r.n)
	db.Close()
	if err != nil {
		return err
	}
	r.logf("seeded: %d users, %d spam; copying the database for the baselines", res.Users, res.Spam)
	if _, err := r.admin.ExecContext(ctx, `CREATE DATABASE baseline TEMPLATE bench STRATEGY FILE_COPY`); err != nil {
		return err
	}
	r.baseURL = r.srv.URL("baseline")
	if r.bench, err = store.Open(ctx, r.benchURL); err != nil {
		return err
	}
	if r.base, err = store.Open(ctx, r.baseURL); err != nil {
		return err
	}
	return r.bench.QueryRowContext(ctx, `SELECT o.id, a.id FROM orgs o JOIN agents a ON a.org_id = o.id AND a.email = $2 WHERE o.slug = $1`,
		seed.Org, seed.Owner).Scan(&r.orgID, &r.ownerID)
}

func ptr[T any](v T) *T { return &v }

// count formats n with thousands separators.
func count(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Missed counts the results whose target was measured and not met.
func Missed(reports []Report) int {
	n := 0
	for _, rep := range reports {
		for _, x := range rep.Results {
			if x.Met != nil && !*x.Met {
				n++
			}
		}
	}
	return n
}

// Failed counts the operations that could not run (an error, not a missed
// target).
func Failed(reports []Report) int {
	n := 0
	for _, rep := range reports {
		for _, x := range rep.Results {
			if strings.HasPrefix(x.Detail, "error: ") {
				n++
			}
		}
	}
	return n
}
