//go:build deployment

package reliability

import (
	"bytes"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/inboxctl/inboxctl/internal/seed"
)

// TestCtrlCOnTerminal types Ctrl-C on the terminal of a bulk mark that
// waits on a row lock, once its progress line shows: the terminal sends
// SIGINT, the mark rolls back and says so in one line, exit 130, nothing
// changed, and the password of the URL never shows.
func TestCtrlCOnTerminal(t *testing.T) {
	t.Parallel()
	const n = 1000
	d := newDemo(t, n)
	file := refsFile(t, n)
	release := holdRow(t, d, 700)
	// A password in the URL (the test server ignores it) must not show on
	// the terminal: not in the progress line, not in the error.
	const pw = "tty-Pa55word"
	url := strings.Replace(d.url, "postgres://postgres@", "postgres://postgres:"+pw+"@", 1)
	cmd := command(t, []string{"INBOXCTL_DATABASE_URL=" + url, "INBOXCTL_AGENT=" + seed.Owner, "TERM=xterm"}, "spam", "mark", "-f", file, "--yes")
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	var mu sync.Mutex
	var out bytes.Buffer
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	waitFor(t, 60*time.Second, "the mark to wait on the lock", func() bool {
		return len(inboxctlBackends(t, d, `wait_event_type = 'Lock'`)) > 0
	})
	waitFor(t, 10*time.Second, "the progress line", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return strings.Contains(out.String(), "(1000 refs read, ")
	})
	if _, err := tty.Write([]byte{3}); err != nil { // Ctrl-C
		t.Fatal(err)
	}
	sent := time.Now()
	err = cmd.Wait()
	t.Logf("exited %v after Ctrl-C", time.Since(sent))
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the reader drain the terminal
	mu.Lock()
	text := strings.ReplaceAll(out.String(), "\r\n", "\n")
	mu.Unlock()
	if code != 130 || !strings.Contains(text, "Error: Interrupted: the transaction was rolled back and nothing was changed.") {
		t.Fatalf("exit %d, terminal:\n%s", code, text)
	}
	noLeak(t, result{Stdout: text}, pw)
	release()
	nothingChanged(t, d)
}

// TestCtrlCAtThePrompt: Ctrl-C while `spam mark` asks for confirmation
// ends it at once (exit 130, nothing changed) instead of waiting for Enter,
// and the question stays on screen while it waits (the progress line used
// to overwrite it after a second).
func TestCtrlCAtThePrompt(t *testing.T) {
	t.Parallel()
	d := newDemo(t, 5)
	cmd := command(t, d.env("INBOXCTL_AGENT="+seed.Owner, "TERM=xterm"), "spam", "mark", "1", "2")
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	var mu sync.Mutex
	var out bytes.Buffer
	screen := func() string {
		mu.Lock()
		defer mu.Unlock()
		return strings.ReplaceAll(out.String(), "\r\n", "\n")
	}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	const question = "Mark 2 user(s) as spam in org demo, acting as owner@demo.test? [y/N] "
	waitFor(t, 30*time.Second, "the prompt", func() bool { return strings.Contains(screen(), question) })
	time.Sleep(1500 * time.Millisecond) // past the progress line's first second
	if s := screen(); !strings.HasSuffix(s, question) {
		t.Fatalf("the question was overwritten while waiting for the answer:\n%q", s)
	}
	if _, err := tty.Write([]byte{3}); err != nil { // Ctrl-C
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("Ctrl-C at the prompt did not end the command:\n%s", screen())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if s := screen(); code != 130 || !strings.Contains(s, "Error: Interrupted") {
		t.Fatalf("exit %d, terminal:\n%s", code, s)
	}
	nothingChanged(t, d)
}
