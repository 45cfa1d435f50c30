//go:build deployment

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// ptyResult is what a command printed on its terminal and how it exited.
type ptyResult struct {
	Output string
	Code   int
}

// runPTY runs the built binary with stdin, stdout and stderr on a
// pseudo-terminal, typing answer after the output shows prompt (if given).
func runPTY(t *testing.T, env []string, prompt, answer string, args ...string) ptyResult {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "inboxctl"), args...)
	cmd.Env = append(os.Environ(), append([]string{"TZ=UTC", "NO_COLOR=", "TERM=xterm"}, env...)...)
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 200})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out syncBuffer
	done := make(chan struct{})
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := f.Read(buf)
			out.Write(buf[:n])
			if err != nil {
				close(done)
				return
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if prompt != "" {
		for !strings.Contains(out.String(), prompt) {
			select {
			case <-ctx.Done():
				cmd.Process.Kill()
				t.Fatalf("no prompt %q; output so far:\n%s", prompt, out.String())
			case <-done:
				t.Fatalf("exited before prompting %q; output:\n%s", prompt, out.String())
			case <-time.After(10 * time.Millisecond):
			}
		}
		if _, err := f.Write([]byte(answer + "\r")); err != nil {
			t.Fatal(err)
		}
	}
	err = cmd.Wait()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return ptyResult{Output: strings.ReplaceAll(out.String(), "\r\n", "\n"), Code: code}
}
