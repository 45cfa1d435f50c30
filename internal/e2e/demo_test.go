//go:build deployment

package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/pglocal"
)

// demoTmp is a TMPDIR for one demo run: pglocal puts its server directory
// there, so the test can see that nothing is left. It is world-traversable
// because the server runs as the postgres user when the tests run as root.
func demoTmp(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "inboxctl-demo-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// demoCommand is the built binary's demo with nothing configured: no
// database URL, no PG* variables, an empty config home.
func demoCommand(t *testing.T, tmp string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(binDir, "inboxctl"), append([]string{"demo"}, args...)...)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") && !strings.HasPrefix(kv, "INBOXCTL_") || strings.HasPrefix(kv, "INBOXCTL_PG_BINDIR=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "TMPDIR="+tmp, "XDG_CONFIG_HOME="+filepath.Join(tmp, "config"), "TZ=UTC", "NO_COLOR=")
	return cmd
}

// assertNothingLeft fails if tmp holds anything or a process still runs
// with tmp on its command line (a postgres server).
func assertNothingLeft(t *testing.T, tmp string) {
	t.Helper()
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind in TMPDIR: %s", e.Name())
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte(tmp)) {
			t.Errorf("a process still runs in %s: %s", tmp, bytes.ReplaceAll(b, []byte{0}, []byte{' '}))
		}
	}
}

func TestDemoTellsTheStoryAndLeavesNothing(t *testing.T) {
	tmp := demoTmp(t)
	cmd := demoCommand(t, tmp)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	started := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("demo: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if d := time.Since(started); d > 30*time.Second {
		t.Errorf("demo took %s, want under 30 s", d)
	}
	out := stdout.String()
	if strings.Contains(out, "\x1b") {
		t.Errorf("piped demo output holds escape codes")
	}
	// The story, in order: each line is a regexp that must match after the
	// previous one.
	story := []string{
		`(?m)^\$ inboxctl db seed --demo$`,
		`(?m)^\$ inboxctl inbox list --folder unassigned --limit 3 --as ravi@demo.test\n.*CHAT ID.*\n7 +7 +\+919800000007 `,
		`(?m)^\$ inboxctl campaign audience 'Diwali Sale' --count\n67$`,
		`(?m)^\$ inboxctl spam mark \+919800000007 --reason 'crypto scam' --yes --as ravi@demo.test\nMarked 1 of 1 user`,
		`(?m)^\$ inboxctl inbox list --folder spam --limit 3 --as owner@demo.test\n.*CHAT ID.*\n7 +7 .* yes `,
		`(?m)^\$ inboxctl inbox list --folder spam --limit 3 --as ravi@demo.test\n.*CHAT ID.*\n7 +7 .* yes `,
		`(?m)^trait Marked as Spam +Yes$`,
		`(?m)^Error: Cannot assign this chat: the user is marked as spam by ravi@demo.test\..*\n\(exit 4\)$`,
		`the user is marked as spam, so nobody was notified`,
		`(?m)^\$ inboxctl campaign audience 'Diwali Sale' --count\n66$`,
		`(?m)^\$ inboxctl spam unmark --batch 1 --yes --as owner@demo.test\nUnmarked 1 of 1 user`,
		`(?m)^\$ inboxctl inbox list --folder spam --limit 3 --as ravi@demo.test\nNo chats in the spam folder\.$`,
		`(?m)^\$ inboxctl campaign audience 'Diwali Sale' --count\n67$`,
		`(?m)^Chat 7: assigned to asha@demo.test\.$`,
		`(?m)^trait Marked as Spam +No$`,
		`(?m)^\$ inboxctl spam mark \+919800000011 --for 1h --reason 'abusive, cool off' --yes --as owner@demo.test\nMarked 1 of 1 user`,
		`(?m)^spam_until +\d{4}-\d\d-\d\d`,
		`(?m)^\$ inboxctl spam expire\nExpired 0 of 0 user`,
		`(?m)^\$ inboxctl spam batches\n.*BATCH ID.*\n3 +mark +owner@demo.test `,
		`(?m)^Stopping the server and removing `,
	}
	rest := out
	for _, s := range story {
		loc := regexp.MustCompile(s).FindStringIndex(rest)
		if loc == nil {
			t.Fatalf("the demo output lacks (after the previous step) %s\nfull output:\n%s", s, out)
		}
		rest = rest[loc[1]:]
	}
	assertNothingLeft(t, tmp)
}

func TestDemoInterruptedRemovesTheServer(t *testing.T) {
	tmp := demoTmp(t)
	cmd := demoCommand(t, tmp)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "$ inboxctl db seed") {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the demo never reached the seed step:\n%s", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 130 {
		t.Fatalf("interrupted demo: %v, want exit 130\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Interrupted: the demo server was stopped and its directory removed.") {
		t.Errorf("no interruption sentence in:\n%s", out.String())
	}
	assertNothingLeft(t, tmp)
}

func TestDemoKeepLeavesAServerToExplore(t *testing.T) {
	tmp := demoTmp(t)
	out, err := demoCommand(t, tmp, "--keep").CombinedOutput()
	if err != nil {
		t.Fatalf("demo --keep: %v\n%s", err, out)
	}
	url := regexp.MustCompile(`(?m)^  export INBOXCTL_DATABASE_URL='([^']+)'$`).FindSubmatch(out)
	stop := regexp.MustCompile(`(?m)^  (.*pg_ctl stop .* && rm -rf \S+)$`).FindSubmatch(out)
	if url == nil || stop == nil {
		t.Fatalf("demo --keep printed no URL or stop command:\n%s", out)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			exec.Command("sh", "-c", string(stop[1])).Run()
		}
	})
	dirs, _ := filepath.Glob(filepath.Join(tmp, "inboxctl-pg-*"))
	if len(dirs) != 1 || !pglocal.Running(dirs[0]) {
		t.Fatalf("no running server kept in %s: %v", tmp, dirs)
	}
	list := exec.Command(filepath.Join(binDir, "inboxctl"), "inbox", "list", "--folder", "you", "--limit", "1", "--as", "asha@demo.test")
	list.Env = append(os.Environ(), "INBOXCTL_DATABASE_URL="+string(url[1]))
	got, err := list.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(got), "7\t7\t+919800000007\t") {
		t.Fatalf("exploring the kept server: %v\n%s", err, got)
	}
	if out, err := exec.Command("sh", "-c", string(stop[1])).CombinedOutput(); err != nil {
		t.Fatalf("the printed stop command failed: %v\n%s", err, out)
	}
	stopped = true
	assertNothingLeft(t, tmp)
}

func TestDemoOnATerminal(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     []string
		escapes bool
	}{
		{"colour", nil, true},
		{"NO_COLOR", []string{"NO_COLOR=1"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp := demoTmp(t)
			env := append([]string{"TMPDIR=" + tmp, "XDG_CONFIG_HOME=" + filepath.Join(tmp, "config")}, tc.env...)
			r := runPTY(t, env, "", "", "demo")
			if r.Code != 0 {
				t.Fatalf("demo on a terminal exited %d:\n%s", r.Code, r.Output)
			}
			if !strings.Contains(r.Output, "Marked as Spam") || !strings.Contains(r.Output, "(exit 4)") {
				t.Errorf("the story is missing on the terminal:\n%s", r.Output)
			}
			if got := strings.Contains(r.Output, "\x1b["); got != tc.escapes {
				t.Errorf("escape codes on the terminal: %v, want %v", got, tc.escapes)
			}
			assertNothingLeft(t, tmp)
		})
	}
}

// syncBuffer is a bytes.Buffer that a running command writes while the test
// reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
