package reliability

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/cmd"
	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/store"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

// bin is the inboxctl binary built once for this run.
var bin string

var repoRoot = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}()

func TestMain(m *testing.M) {
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "inboxctl-rel-bin-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		bin = filepath.Join(dir, "inboxctl")
		cmd := exec.Command("go", "build", "-o", bin, ".")
		cmd.Dir = repoRoot
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
			return 1
		}
		return testdb.Main(m)
	}())
}

// result is how one run of the binary ended.
type result struct {
	Stdout, Stderr string
	Code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n[stdout]\n%s[stderr]\n%s", r.Code, r.Stdout, r.Stderr)
}

// command prepares the binary with a clean environment: no INBOXCTL_* or
// PG* variable of the caller's, no config file, plus env.
func command(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, args...)
	home := t.TempDir()
	cmd.Env = []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"), "TZ=UTC", "PATH=" + os.Getenv("PATH")}
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// run runs the binary to the end, stdin from stdin (may be nil).
func run(t *testing.T, env []string, stdin []byte, args ...string) result {
	t.Helper()
	cmd := command(t, env, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{Stdout: out.String(), Stderr: errb.String(), Code: code}
}

// inProcess runs one command line through cmd.Run with buffers for its
// streams (not a terminal) and stdin for its input, against url. An empty
// config file keeps the caller's own from being read. With pool not nil,
// the command's connections come from pool (the Factory's RawDB swapped)
// instead of a pool of its own: a command then costs its statements, not a
// new server backend and its cold catalog caches, and it still checks the
// migrations and the role's level and resolves the acting agent, as a run
// of the binary does.
func inProcess(t *testing.T, pool *store.DB, url, stdin string, args ...string) result {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	io, in, out, errb := cmdutil.TestIO()
	in.WriteString(stdin)
	f := &cmdutil.Factory{IO: io}
	if pool != nil {
		f.RawDB = func(context.Context) (*store.DB, error) { return pool, nil }
	}
	code := cmd.Run(context.Background(), f, append([]string{"--config", cfg, "--database-url", url}, args...))
	return result{Stdout: out.String(), Stderr: errb.String(), Code: int(code)}
}

// oneSentence fails unless stderr is exactly one "Error: ..." line: no
// stack trace, no raw driver dump, none of the secrets.
func oneSentence(t *testing.T, r result, secrets ...string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(r.Stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "Error: ") || !strings.HasSuffix(lines[0], ".") {
		t.Fatalf("stderr is not one sentence:\n%s", r)
	}
	noLeak(t, r, secrets...)
}

// noLeak fails if the output shows a stack trace, a raw driver prefix or
// any secret.
func noLeak(t *testing.T, r result, secrets ...string) {
	t.Helper()
	all := r.Stdout + r.Stderr
	for _, bad := range []string{"goroutine ", "panic:", "pq: ", "driver: ", ".go:"} {
		if strings.Contains(all, bad) {
			t.Fatalf("output holds %q:\n%s", bad, r)
		}
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(all, s) {
			t.Fatalf("output leaks the secret %q:\n%s", s, r)
		}
	}
}

// demo is a fresh database seeded with the demo org.
type demo struct {
	url   string
	db    *store.DB
	org   directory.Org
	owner directory.Actor // all access
	asha  directory.Actor // all access
	ravi  directory.Actor // assigned access
}

func newDemo(t *testing.T, users int) demo {
	t.Helper()
	ctx := context.Background()
	d := demo{url: testdb.URL(t)}
	db, err := store.Open(ctx, d.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	d.db = db
	if _, err := seed.Demo(ctx, db, users); err != nil {
		t.Fatal(err)
	}
	if d.org, err = directory.ResolveOrg(ctx, db, seed.Org); err != nil {
		t.Fatal(err)
	}
	d.owner, d.asha, d.ravi = d.actor(t, seed.Owner), d.actor(t, seed.Asha), d.actor(t, seed.Ravi)
	return d
}

func (d demo) actor(t *testing.T, email string) directory.Actor {
	t.Helper()
	a, err := directory.ResolveAgent(context.Background(), d.db, d.org.ID, email)
	if err != nil {
		t.Fatal(err)
	}
	return directory.Actor{Org: d.org, Agent: a}
}

// env is the environment that points the binary at the demo database.
func (d demo) env(extra ...string) []string {
	return append([]string{"INBOXCTL_DATABASE_URL=" + d.url}, extra...)
}

func (d demo) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// dbName is the name of the demo database, for pg_stat_activity.
func (d demo) dbName(t *testing.T) string {
	t.Helper()
	var name string
	if err := d.db.QueryRow(`SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}

// invariants fails unless every rule holds over every org, and the tallies
// campaign check reads equal the rows (store.RuleViolations).
func (d demo) invariants(t *testing.T) {
	t.Helper()
	if v, err := store.RuleViolations(context.Background(), d.db, 0); err != nil || len(v) > 0 {
		t.Errorf("%d rule violations (%s) %v", v.Rows(), v, err)
	}
}

// waitFor polls cond until it holds or fails the test after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
