package errs

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

// Report lists every spooled line after the sentence, in order, with
// secrets masked, and leaves no temporary file behind.
func TestReportWritesEverySpooledLine(t *testing.T) {
	for _, n := range []int{0, 3, spoolHeld, spoolHeld + 1, 2500} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			s := &Spool{}
			for i := 1; i <= n; i++ {
				if err := s.Add(fmt.Sprintf("line %d: not a phone (pw hunter2)\nsecond", i)); err != nil {
					t.Fatal(err)
				}
			}
			if s.Len() != int64(n) {
				t.Fatalf("Len %d, want %d", s.Len(), n)
			}
			var out bytes.Buffer
			Report(&out, Usagef("%d bad line(s).", n).WithDetails("first detail").WithSpool(s), "hunter2")
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if len(lines) != n+2 || lines[0] != fmt.Sprintf("Error: %d bad line(s).", n) || lines[1] != "  first detail" {
				t.Fatalf("got %d lines, starting %q", len(lines), lines[:2])
			}
			for i, l := range lines[2:] {
				if want := fmt.Sprintf("  line %d: not a phone (pw ****) second", i+1); l != want {
					t.Fatalf("line %d is %q, want %q", i+3, l, want)
				}
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}
