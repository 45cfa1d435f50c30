//go:build deployment && unix

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/testdb"
)

// TestBulkProgressOnTerminal: a bulk import, mark and unmark whose input
// arrives slowly show, on a terminal, a progress line naming each phase
// (reading, then resolving, writing, committing) with its elapsed time
// and the whole command's; piped, stderr stays empty.
func TestBulkProgressOnTerminal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := []string{"INBOXCTL_DATABASE_URL=" + testdb.URL(t), "INBOXCTL_AGENT=owner@demo.test", "NO_COLOR=1"}
	if r := runPTY(t, env, "", "", "db", "seed", "--demo", "--users", "3"); r.Code != 0 {
		t.Fatalf("seed: %+v", r)
	}
	var csv, refs strings.Builder
	csv.WriteString("phone,name\n")
	for i := range 3001 {
		fmt.Fprintf(&csv, "+9198765%05d,Customer %d\n", i, i)
		fmt.Fprintf(&refs, "+9198765%05d\n", i)
	}
	phases := func(verb, unit string, names ...string) []*regexp.Regexp {
		var res []*regexp.Regexp
		for i, n := range names {
			read := `\d+` // while reading, the count so far; then the exact one
			if i > 0 {
				read = "3001"
			}
			res = append(res, regexp.MustCompile(regexp.QuoteMeta(verb+": "+n+", ")+`\d+s \(`+read+` `+unit+` read, \d+s in all\)`))
		}
		return res
	}
	for _, c := range []struct {
		input string
		args  []string
		want  []*regexp.Regexp
	}{
		{csv.String(), []string{"user", "import", "-f"}, phases("import", "rows", "reading", "writing", "committing")},
		{refs.String(), []string{"spam", "mark", "--yes", "--reason", "progress test", "-f"}, phases("mark", "refs", "reading", "resolving", "writing", "committing")},
		{refs.String(), []string{"spam", "unmark", "--yes", "-f"}, phases("unmark", "refs", "reading", "resolving", "writing", "committing")},
	} {
		name := strings.Join(c.args[:2], " ")
		fifo := slowInput(t, dir, c.input)
		r := runPTY(t, env, "", "", append(c.args, fifo)...)
		if r.Code != 0 {
			t.Fatalf("%s on a terminal: %+v", name, r)
		}
		for _, re := range c.want {
			if !re.MatchString(r.Output) {
				t.Errorf("%s on a terminal: no progress line matching %q in:\n%q", name, re, r.Output)
			}
		}
		// Piped, the same command again (it finds every user unchanged)
		// says nothing on stderr.
		fifo = slowInput(t, dir, c.input)
		cmd := exec.Command(filepath.Join(binDir, "inboxctl"), append(c.args, fifo)...)
		cmd.Env = append(os.Environ(), append([]string{"TERM=xterm"}, env...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if out, err := cmd.Output(); err != nil {
			t.Fatalf("%s piped: %v\n%s%s", name, err, out, stderr.String())
		}
		if stderr.Len() != 0 {
			t.Errorf("%s piped wrote to stderr: %q", name, stderr.String())
		}
	}
}

// slowInput makes a named pipe that gives the first half of input, then,
// 1.5 s later (past the second after which progress shows), the rest.
func slowInput(t *testing.T, dir, input string) string {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("input-%d", time.Now().UnixNano()))
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	half := strings.Index(input[len(input)/2:], "\n") + len(input)/2 + 1
	go func() {
		w, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
			return
		}
		defer w.Close()
		w.WriteString(input[:half])
		time.Sleep(1500 * time.Millisecond)
		w.WriteString(input[half:])
	}()
	return path
}
