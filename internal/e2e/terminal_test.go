//go:build deployment

package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/inboxctl/inboxctl/internal/testdb"
)

// TestTableFitsTerminal: on a 200-column terminal a user with a
// 189-character name does not wrap the rows of inbox list: the name is cut
// with …; piped, even as a table, nothing is cut.
func TestTableFitsTerminal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	long := strings.Repeat("Abcdefghi ", 18) + "Lastname"
	csvPath := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(csvPath, []byte("phone,name\n+919800000001,"+long+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"INBOXCTL_DATABASE_URL=" + testdb.URL(t), "INBOXCTL_AGENT=owner@demo.test", "NO_COLOR=1"}
	if r := runPTY(t, env, "", "", "db", "seed", "--demo", "--users", "3"); r.Code != 0 {
		t.Fatalf("seed: %+v", r)
	}
	if r := runPTY(t, env, "", "", "user", "import", "-f", csvPath); r.Code != 0 {
		t.Fatalf("import: %+v", r)
	}
	r := runPTY(t, env, "", "", "inbox", "list", "--folder", "all", "--no-pager")
	if r.Code != 0 {
		t.Fatalf("inbox list: %+v", r)
	}
	for _, line := range strings.Split(strings.TrimSpace(r.Output), "\n") {
		if n := utf8.RuneCountInString(line); n > 200 {
			t.Errorf("a line of %d columns on a 200-column terminal: %q", n, line)
		}
	}
	if !strings.Contains(r.Output, "Abcdefghi Abcdefghi") || !strings.Contains(r.Output, "…") || strings.Contains(r.Output, "Lastname") {
		t.Errorf("the long name is not cut with …:\n%s", r.Output)
	}
	cmd := exec.Command(filepath.Join(binDir, "inboxctl"), "inbox", "list", "--folder", "all", "-o", "table")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), long) || strings.Contains(string(out), "…") {
		t.Errorf("piped table cut a cell:\n%s", out)
	}
}

// TestPagerOnTerminal: a table longer than the terminal goes through
// $PAGER (here a script that keeps what it is given); a short one, a piped
// one, --no-pager and an empty INBOXCTL_PAGER do not. With the default,
// less -FRX, quitting (q) before the end exits 0.
func TestPagerOnTerminal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	paged := filepath.Join(dir, "paged")
	pager := filepath.Join(dir, "pager.sh")
	if err := os.WriteFile(pager, []byte("#!/bin/sh\ncat > "+paged+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"INBOXCTL_DATABASE_URL=" + testdb.URL(t), "INBOXCTL_AGENT=owner@demo.test", "NO_COLOR=1", "PAGER=" + pager}
	if r := runPTY(t, env, "", "", "db", "seed", "--demo", "--users", "120"); r.Code != 0 {
		t.Fatalf("seed: %+v", r)
	}
	took := func() string {
		b, err := os.ReadFile(paged)
		if errors.Is(err, os.ErrNotExist) {
			return ""
		} else if err != nil {
			t.Fatal(err)
		}
		os.Remove(paged)
		return string(b)
	}
	// 120 rows on a 50-row terminal: paged, the hint after the table.
	r := runPTY(t, env, "", "", "inbox", "list", "--folder", "all", "--limit", "120")
	got := took()
	if r.Code != 0 || strings.Count(got, "\n") < 120 || !strings.Contains(got, "+919800000001") || strings.Contains(r.Output, "+919800000001") {
		t.Fatalf("long table: exit %d, pager got %d lines, terminal %q", r.Code, strings.Count(got, "\n"), r.Output)
	}
	// Short: straight to the terminal.
	if r := runPTY(t, env, "", "", "inbox", "list", "--folder", "all", "--limit", "5"); r.Code != 0 || took() != "" || !strings.Contains(r.Output, "CHAT ID") {
		t.Fatalf("short table was paged: %+v", r)
	}
	for _, off := range []struct {
		env  []string
		args []string
	}{{nil, []string{"--no-pager"}}, {[]string{"INBOXCTL_PAGER="}, nil}} {
		r := runPTY(t, append(append([]string{}, env...), off.env...), "", "", append([]string{"inbox", "list", "--folder", "all", "--limit", "120"}, off.args...)...)
		if r.Code != 0 || took() != "" || !strings.Contains(r.Output, "+919800000001") {
			t.Fatalf("%v %v: paged anyway: %+v", off.env, off.args, r)
		}
	}
	// Piped: never.
	cmd := exec.Command(filepath.Join(binDir, "inboxctl"), "inbox", "list", "--folder", "all", "--limit", "120", "-o", "table")
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.Output(); err != nil || took() != "" || strings.Count(string(out), "\n") < 120 {
		t.Fatalf("piped: paged or cut (%v): %d lines", err, strings.Count(string(out), "\n"))
	}
	// The default pager, less -FRX: q quits before the end, exit 0.
	lessEnv := append(append([]string{}, env[:3]...), "PAGER=", "LESS=")
	r = runPTY(t, lessEnv, "+9198000000", "q", "inbox", "list", "--folder", "all", "--limit", "120")
	if r.Code != 0 || strings.Contains(r.Output, "rror") {
		t.Fatalf("less: %+v", r)
	}
}
