//go:build deployment

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/golden"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

// goldenTable compares terminal output with the file name of
// testdata/golden/base.txtar (internal/golden; rewritten by -update).
func goldenTable(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join(repoRoot, "testdata", "golden", "base.txtar"), name, []byte(got))
}

// TestBaseTables: on a terminal the data commands print go-pretty tables
// (the default format), coloured unless --no-color or NO_COLOR.
func TestBaseTables(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(csvPath, []byte("phone,name,city\n+919800000001,Asha,Pune\n+919800000002,\"Ravi \"\"R\"\" Kumar\",Delhi\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"INBOXCTL_DATABASE_URL=" + testdb.URL(t), "XDG_CONFIG_HOME=" + dir, "HOME=" + dir}
	run := func(extra []string, args ...string) string {
		t.Helper()
		r := runPTY(t, append(append([]string{}, env...), extra...), "", "", args...)
		if r.Code != 0 {
			t.Fatalf("inboxctl %s: exit %d\n%s", strings.Join(args, " "), r.Code, r.Output)
		}
		return r.Output
	}
	run(nil, "org", "create", "acme", "--name", "Acme Retail")
	goldenTable(t, "user_import.table", run(nil, "user", "import", "-f", csvPath, "--no-color"))
	goldenTable(t, "user_show.table", run(nil, "user", "show", "+919800000002", "--no-color"))
	goldenTable(t, "config_show.table", run([]string{"INBOXCTL_ORG=acme"}, "config", "show", "--no-color", "--database-url", "postgres://app:s3cret@db.internal/inbox"))

	orgs := run(nil, "org", "list", "--no-color")
	for _, want := range []string{"ID", "SLUG", "NAME", "CREATED AT", "acme", "Acme Retail"} {
		if !strings.Contains(orgs, want) {
			t.Fatalf("org list table lacks %q:\n%s", want, orgs)
		}
	}
	if strings.Contains(orgs, "\t") || strings.Contains(orgs, "\x1b") {
		t.Fatalf("org list on a terminal is not a plain table: %q", orgs)
	}

	// Colour: on by default on a terminal, off with --no-color or NO_COLOR.
	if out := run(nil, "agent", "list", "--org", "acme"); out != "" {
		t.Fatalf("empty agent list printed %q", out)
	}
	run(nil, "agent", "add", "lead@acme.test")
	if out := run(nil, "agent", "list"); !strings.Contains(out, "\x1b[") {
		t.Fatalf("no colour by default on a terminal: %q", out)
	}
	for _, extra := range [][]string{{"NO_COLOR=1"}, {"INBOXCTL_NO_COLOR=true"}} {
		if out := run(extra, "agent", "list"); strings.Contains(out, "\x1b") || !strings.Contains(out, "lead@acme.test") {
			t.Fatalf("%v: %q", extra, out)
		}
	}
	if out := run(nil, "agent", "list", "--no-color"); strings.Contains(out, "\x1b") {
		t.Fatalf("--no-color: %q", out)
	}
	// -o still wins on a terminal.
	if out := run(nil, "agent", "list", "-o", "csv"); !strings.HasPrefix(out, "id,email,access,role,db_role,created_at\n1,lead@acme.test,all,teammate,,") {
		t.Fatalf("-o csv on a terminal: %q", out)
	}
}
