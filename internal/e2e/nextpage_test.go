//go:build deployment

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/testdb"
)

// TestNextPageHintPastes: the next-page command inbox list prints repeats
// every flag that shaped the page (--folder, --label with a quote and a
// space in it, --limit, --as, --org, -o), quoted for the shell, and never
// the database URL; pasted into a real shell it prints the next page.
func TestNextPageHintPastes(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	env := append(os.Environ(), "INBOXCTL_DATABASE_URL="+url, "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"), "TZ=UTC", "NO_COLOR=1", "XDG_CONFIG_HOME="+t.TempDir())
	run := func(args ...string) (string, string) {
		t.Helper()
		cmd := exec.Command(filepath.Join(binDir, "inboxctl"), args...)
		cmd.Env = env
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("inboxctl %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	run("db", "seed", "--demo", "--users", "12")
	const label = "Bob's list $HOME"
	for _, phone := range []string{"+919800000001", "+919800000002", "+919800000003", "+919800000004", "+919800000005"} {
		run("chat", "label", "set", phone, label, "--as", "owner@demo.test")
	}
	page1, stderr := run("inbox", "list", "--folder", "all", "--limit", "2", "--label", label, "--as", "owner@demo.test", "--org", "demo", "-o", "table")
	_, hint, ok := strings.Cut(strings.TrimSpace(stderr), "Next page: ")
	if !ok {
		t.Fatalf("no next-page hint on stderr: %q", stderr)
	}
	for _, want := range []string{"--folder all", "--limit 2", `--label 'Bob'\''s list $HOME'`, "--as owner@demo.test", "--org demo", "--output table", "--after "} {
		if !strings.Contains(hint, want) {
			t.Errorf("hint %q lacks %q", hint, want)
		}
	}
	if strings.Contains(hint, "database") || strings.Contains(hint, url) {
		t.Errorf("hint repeats the database URL: %q", hint)
	}
	cmd := exec.Command("bash", "-c", hint)
	cmd.Env = env
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("pasted %q: %v\n%s", hint, err, errOut.String())
	}
	rows := func(s string) []string { return strings.Split(strings.TrimSpace(s), "\n")[1:] }
	if p2 := rows(out.String()); len(p2) != 2 || rows(page1)[0] == p2[0] || rows(page1)[1] == p2[1] || !strings.Contains(out.String(), "Bob's list $HOME") {
		t.Fatalf("the pasted command's page:\n%s\nafter page 1:\n%s", out.String(), page1)
	}
	if !strings.Contains(errOut.String(), "Next page: inboxctl inbox list --folder all --label 'Bob'\\''s list $HOME' --limit 2 --as owner@demo.test --org demo --output table --after ") {
		t.Errorf("page 2's hint: %q", errOut.String())
	}
}
