package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/inboxctl/inboxctl/cmd"
	"github.com/inboxctl/inboxctl/internal/golden"
	"github.com/inboxctl/inboxctl/internal/store"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

// binDir holds the inboxctl binary built for this run, for the tests that
// drive it on a terminal or signal it.
var binDir string

// repoRoot is the module root.
var repoRoot = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}()

// TestMain makes this test binary inboxctl itself when the scripts run it
// (testscript.Main puts a copy named inboxctl first in $PATH, whose main is
// cmd.Execute), and builds the real binary once for the terminal tests.
func TestMain(m *testing.M) {
	testscript.Main(withServer{m}, map[string]func(){"inboxctl": cmd.Execute})
}

// withServer runs the tests with the real binary built and a database
// server available.
type withServer struct{ m *testing.M }

func (w withServer) Run() int {
	dir, err := os.MkdirTemp("", "inboxctl-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if deploymentTests {
		if err := buildBinary(dir, ""); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	binDir = dir
	return testdb.Main(w.m)
}

// buildBinary builds inboxctl into dir with extra -ldflags.
func buildBinary(dir, ldflags string) error {
	args := []string{"build", "-o", filepath.Join(dir, "inboxctl")}
	if ldflags != "" {
		args = append(args, "-ldflags", ldflags)
	}
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	return nil
}

// scriptDir holds the txtar scripts.
var scriptDir = filepath.Join(repoRoot, "testdata", "script")

// TestScripts runs every testdata/script/*.txtar against a fresh migrated
// database (INBOXCTL_DATABASE_URL) with stdout and stdin not terminals;
// their inboxctl is this test binary (TestMain).
// EMPTY_DATABASE_URL names a database with no migrations applied (only in
// the scripts that use it);
// MIGRATIONS counts the embedded migrations and MIGRATION_NAMES lists them
// as the pending-migrations error does, so that a new migration does not
// rewrite the scripts.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           scriptDir,
		UpdateScripts: *golden.Update,
		Setup: func(env *testscript.Env) error {
			url := testdb.URL(env.T().(testing.TB))
			env.Setenv("INBOXCTL_DATABASE_URL", url)
			// After every script that passed, the spam rules hold over
			// its database, whatever it did (store.RuleViolations).
			env.Defer(func() { checkInvariantsAfter(env.T().(testing.TB), url) })
			if usesEmptyDatabase(env) {
				env.Setenv("EMPTY_DATABASE_URL", testdb.EmptyURL(env.T().(testing.TB)))
			}
			var names []string
			for _, m := range store.Migrations() {
				names = append(names, m.Name)
			}
			env.Setenv("MIGRATIONS", strconv.Itoa(len(names)))
			env.Setenv("MIGRATION_NAMES", strings.Join(names, ", "))
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("NO_COLOR", "")
			env.Setenv("TZ", "UTC")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":      cmdExits,
			"sql":        cmdSQL,
			"envq":       cmdEnvq,
			"json":       cmdJSON,
			"jsonenv":    cmdJSONEnv,
			"invariants": cmdInvariants,
		},
	})
}

// usesEmptyDatabase reports whether the script being set up names
// $EMPTY_DATABASE_URL: only those few get a database with no migrations,
// which costs a CREATE DATABASE.
func usesEmptyDatabase(env *testscript.Env) bool {
	name := path.Base(env.T().(testing.TB).Name())
	script, err := os.ReadFile(filepath.Join(scriptDir, name+".txtar"))
	return err != nil || bytes.Contains(script, []byte("EMPTY_DATABASE_URL"))
}

// cmdExits is `exits N prog args...`: run prog like exec and require exit
// code N (README "Exit codes"), keeping stdout and stderr for the next
// assertions.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad code %q", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	if ee, ok := err.(*exec.ExitError); ok {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	if got != want {
		ts.Logf("[stdout]\n%s[stderr]\n%s", ts.ReadFile("stdout"), ts.ReadFile("stderr"))
		ts.Fatalf("exit code %d, want %d", got, want)
	}
}

// cmdSQL is `sql STATEMENT`: run one statement against
// $INBOXCTL_DATABASE_URL as another client would (psql, another service):
// a write around inboxctl.
func cmdSQL(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sql STATEMENT")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, ts.Getenv("INBOXCTL_DATABASE_URL"))
	if err != nil {
		ts.Fatalf("sql: %v", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, args[0]); err != nil {
		ts.Fatalf("sql: %v", err)
	}
}

// cmdInvariants is `invariants`: every rule invariant holds over every org
// of $INBOXCTL_DATABASE_URL (ruleViolations), or the script fails listing
// those broken. With !, some invariant must be broken.
func cmdInvariants(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 0 {
		ts.Fatalf("usage: invariants")
	}
	v, err := ruleViolations(ts.Getenv("INBOXCTL_DATABASE_URL"))
	switch {
	case err != nil:
		ts.Fatalf("invariants: %v", err)
	case neg && len(v) == 0:
		ts.Fatalf("invariants: every rule holds")
	case neg:
		ts.Logf("invariants: %d rows: %s", v.Rows(), v)
	case len(v) > 0:
		ts.Fatalf("invariants: %d rows: %s", v.Rows(), v)
	}
}

// checkInvariantsAfter fails t, a script that has passed so far, if a rule
// invariant is broken in its database at url when it ends.
func checkInvariantsAfter(t testing.TB, url string) {
	if t.Failed() {
		return // the script's own failure says more
	}
	v, err := ruleViolations(url)
	if err != nil {
		t.Errorf("after the script, checking the rule invariants: %v", err)
	} else if len(v) > 0 {
		t.Errorf("after the script, %d rows: %s", v.Rows(), v)
	}
}

// ruleViolations is store.RuleViolations over every org of the database
// at url. Each org whose tallies a write around inboxctl left dirty (the
// script's sql lines) is recounted first, as campaign check does on the
// dirty note, since until then its tallies may differ from the rows by
// design; the recount is rolled back, so the script sees nothing change.
func ruleViolations(url string) (store.Violations, error) {
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT org_id FROM campaign_tally_dirty`)
	if err != nil {
		return nil, err
	}
	var dirty []int64
	for rows.Next() {
		var org int64
		if err := rows.Scan(&org); err != nil {
			rows.Close()
			return nil, err
		}
		dirty = append(dirty, org)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, org := range dirty {
		if err := store.RecountTallies(ctx, tx, org); err != nil {
			return nil, err
		}
	}
	return store.RuleViolations(ctx, tx, 0)
}

// cmdEnvq is `envq NAME GOSTRING`: set $NAME to the Go string
// literal GOSTRING ("\x1b]0;hi\a"), so a script can pass control characters
// and bidirectional overrides without holding them raw.
func cmdEnvq(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: envq NAME GOSTRING")
	}
	s, err := strconv.Unquote(args[1])
	if err != nil {
		ts.Fatalf("envq: %s: %v", args[1], err)
	}
	ts.Setenv(args[0], s)
}

// cmdJSON is `json PATH WANT`: the field at PATH (".changed",
// ".items[0].phone", "." for the whole value) of the JSON document on
// stdout is WANT, a string's text unquoted, any other value as JSON writes
// it (3, true, null). With !, the field is not WANT (or is absent). It
// reads a field by name, so a script says what it checks, not which column
// of a TSV line holds it.
func cmdJSON(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: json PATH WANT")
	}
	got, ok := jsonField(ts, args[0])
	switch {
	case neg && ok && got == args[1]:
		ts.Fatalf("json: %s is %s", args[0], got)
	case !neg && !ok:
		ts.Fatalf("json: stdout has no %s:\n%s", args[0], ts.ReadFile("stdout"))
	case !neg && got != args[1]:
		ts.Fatalf("json: %s is %s, want %s", args[0], got, args[1])
	}
}

// cmdJSONEnv is `jsonenv NAME PATH`: set $NAME to the field at PATH of the
// JSON document on stdout (as json reads it), so a script uses the batch
// id a command printed, not one it assumes.
func cmdJSONEnv(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: jsonenv NAME PATH")
	}
	got, ok := jsonField(ts, args[1])
	if !ok {
		ts.Fatalf("jsonenv: stdout has no %s:\n%s", args[1], ts.ReadFile("stdout"))
	}
	ts.Setenv(args[0], got)
}

// jsonField reads the field at path of the first JSON value on stdout (the
// document, or the first line of an ndjson stream).
func jsonField(ts *testscript.TestScript, path string) (string, bool) {
	dec := json.NewDecoder(strings.NewReader(ts.ReadFile("stdout")))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		ts.Fatalf("json: stdout is not a JSON document: %v", err)
	}
	if !strings.HasPrefix(path, ".") {
		ts.Fatalf("json: path %q does not start with '.'", path)
	}
	for _, step := range jsonPath(ts, path[1:]) {
		switch cur := v.(type) {
		case map[string]any:
			name, isName := step.(string)
			if !isName {
				return "", false
			}
			if v, isName = cur[name]; !isName {
				return "", false
			}
		case []any:
			i, isIndex := step.(int)
			if !isIndex || i < 0 || i >= len(cur) {
				return "", false
			}
			v = cur[i]
		default:
			return "", false
		}
	}
	if s, isString := v.(string); isString {
		return s, true
	}
	b, err := json.Marshal(v)
	if err != nil {
		ts.Fatalf("json: %v", err)
	}
	return string(b), true
}

// jsonPath splits "items[0].phone" into "items", 0, "phone".
func jsonPath(ts *testscript.TestScript, path string) []any {
	var steps []any
	for _, part := range strings.Split(path, ".") {
		if part == "" {
			continue
		}
		name, rest, _ := strings.Cut(part, "[")
		if name != "" {
			steps = append(steps, name)
		}
		for rest != "" {
			idx, after, ok := strings.Cut(rest, "]")
			i, err := strconv.Atoi(idx)
			if !ok || err != nil {
				ts.Fatalf("json: bad index in %q", path)
			}
			steps = append(steps, i)
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return steps
}
