package reliability

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/seed"
)

// committedSentence checks that r tells of a mark committed as the org's
// newest batch, cut off while reporting, and how to see it; that it never
// says rolled back; and that every one of the n users is marked.
func committedSentence(t *testing.T, d demo, r result, n int) {
	t.Helper()
	var batch int64
	if err := d.db.QueryRow(`SELECT max(id) FROM spam_batches`).Scan(&batch); err != nil {
		t.Fatalf("no batch was committed: %v\n%s", err, r)
	}
	want := regexp.MustCompile(fmt.Sprintf(`^Error: The mark was committed as batch %d, but its report was cut off \([^)]*\); see it with 'inboxctl spam list --batch %d'\.$`, batch, batch))
	if r.Code != 1 || !want.MatchString(strings.TrimSpace(r.Stderr)) || strings.Contains(r.Stderr, "rolled back") {
		t.Fatalf("want exit 1 and the committed-as-batch-%d sentence:\n%s", batch, r)
	}
	oneSentence(t, r)
	if got := d.count(t, `SELECT count(*) FROM users WHERE spam AND spam_batch_id = $1`, batch); got != n {
		t.Fatalf("%d users of batch %d are spam, want all %d", got, batch, n)
	}
	d.invariants(t)
}

// TestReportCutOffAfterCommitByAFullDisk: the per-ref report of a bulk mark
// goes to a full disk (/dev/full) after the COMMIT: the error says the mark
// was committed as batch N and how to see it, not that it was rolled back.
func TestReportCutOffAfterCommitByAFullDisk(t *testing.T) {
	t.Parallel()
	const n = 3000
	for _, format := range []string{"ndjson", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			d := newDemo(t, n)
			file := refsFile(t, n)
			full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer full.Close()
			cmd := command(t, d.env("INBOXCTL_AGENT="+seed.Owner), "spam", "mark", "-f", file, "--yes", "-o", format)
			var errb strings.Builder
			cmd.Stdout, cmd.Stderr = full, &errb
			code := 0
			if err := cmd.Run(); err != nil {
				code = err.(interface{ ExitCode() int }).ExitCode()
			}
			committedSentence(t, d, result{Stderr: errb.String(), Code: code}, n)
		})
	}
}

// TestReportCutOffAfterCommitByALostConnection: the server side of the
// mark is terminated after the first line of its ndjson report reached a
// slow reader. The mark was committed: either the report needed no more of
// the server and is whole (exit 0), or the error says committed as batch N
// (exit 1); never rolled back.
func TestReportCutOffAfterCommitByALostConnection(t *testing.T) {
	t.Parallel()
	const n = 20000
	d := newDemo(t, n)
	file := refsFile(t, n)
	cmd := command(t, d.env("INBOXCTL_AGENT="+seed.Owner), "spam", "mark", "-f", file, "--yes", "-o", "ndjson")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb strings.Builder
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(stdout)
	first, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("no first line of the report: %v (%s)", err, errb.String())
	}
	for _, pid := range inboxctlBackends(t, d, "true") {
		if _, err := d.db.Exec(`SELECT pg_terminate_backend($1)`, pid); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond) // the backend is gone before the reader drains the pipe
	rest, _ := io.ReadAll(br)
	code := 0
	if err := cmd.Wait(); err != nil {
		code = err.(interface{ ExitCode() int }).ExitCode()
	}
	r := result{Stdout: first + string(rest), Stderr: errb.String(), Code: code}
	if r.Code == 0 {
		if lines := strings.Count(r.Stdout, "\n"); lines != n {
			t.Fatalf("exit 0 with %d report lines, want %d:\n%s", lines, n, r.Stderr)
		}
		if got := d.count(t, `SELECT count(*) FROM users WHERE spam`); got != n {
			t.Fatalf("%d users spam, want %d", got, n)
		}
		return
	}
	committedSentence(t, d, result{Stderr: r.Stderr, Code: r.Code}, n)
}
