//go:build unix

package testdb_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/pglocal"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

// signalChildEnv makes this test binary a child of TestSignalRemovesServer:
// TestMain starts the private server and TestBlockUntilSignal waits.
const signalChildEnv = "INBOXCTL_TESTDB_SIGNAL_CHILD"

// Only the child needs a server; the parent tests start none.
func TestMain(m *testing.M) {
	if os.Getenv(signalChildEnv) != "" {
		os.Exit(testdb.Main(m))
	}
	os.Exit(m.Run())
}

// TestBlockUntilSignal is the child's body: print the server's directory,
// then wait for the parent's signal.
func TestBlockUntilSignal(t *testing.T) {
	if os.Getenv(signalChildEnv) == "" {
		t.Skip("runs only as the child of TestSignalRemovesServer")
	}
	u, err := url.Parse(testdb.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("server dir: %s\n", u.Query().Get("host"))
	time.Sleep(time.Minute)
	t.Error("no signal came")
}

// TestSignalRemovesServer: a test binary interrupted by SIGINT or SIGTERM
// while its tests run stops its private server, removes the server's
// directory, and dies of the signal.
func TestSignalRemovesServer(t *testing.T) {
	if _, err := pglocal.FindBinDir(); err != nil {
		t.Skip(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestBlockUntilSignal$", "-test.v")
			cmd.Env = append(os.Environ(), signalChildEnv+"=1", "INBOXCTL_TEST_DATABASE_URL=")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			dir := ""
			sc := bufio.NewScanner(stdout)
			for dir == "" && sc.Scan() {
				if d, ok := strings.CutPrefix(sc.Text(), "server dir: "); ok {
					dir = d
				}
			}
			if dir == "" || !strings.Contains(filepath.Base(dir), "inboxctl-pg-") {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("the child named no server directory (%q); stderr:\n%s", dir, stderr.String())
			}
			if !pglocal.Running(dir) {
				t.Fatalf("no server running in %s", dir)
			}
			pid := postmasterPID(t, dir)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatalf("the child did not exit within 30s of %v; stderr:\n%s", sig, stderr.String())
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("child: %v, want death by %v", err, sig)
			}
			if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != sig {
				t.Errorf("child: %v, want death by %v; stderr:\n%s", err, sig, stderr.String())
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s left behind after %v: %v", dir, sig, err)
			}
			if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("postgres pid %d still running after %v: %v", pid, sig, err)
			}
		})
	}
}

func postmasterPID(t *testing.T, dir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	line, _, _ := strings.Cut(string(b), "\n")
	if _, err := fmt.Sscan(line, &pid); err != nil {
		t.Fatalf("postmaster.pid: %v", err)
	}
	return pid
}
