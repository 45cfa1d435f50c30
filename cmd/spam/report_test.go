package spam

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/spam"
)

// TestFailureReport: up to maxHeldRefs bad refs become the error's details;
// one more and the sentence and every ref are written as they come, and the
// error returned closes the list with the same exit code.
func TestFailureReport(t *testing.T) {
	for _, n := range []int{1, maxHeldRefs, maxHeldRefs + 1, 3 * maxHeldRefs} {
		var out []string
		r := &failureReport{verb: "mark",
			line:   func(s string) error { out = append(out, s); return nil },
			header: func(e *errs.Error) error { out = append(out, "Error: "+e.Msg); return nil }}
		fail := errs.Refusedf("Nothing was marked: %d refused of %d refs.", n, n)
		if err := r.failure(fail); err != nil {
			t.Fatal(err)
		}
		var want []string
		for i := 1; i <= n; i++ {
			line := int64(i)
			p := spam.Problem{Line: &line, Ref: fmt.Sprint(i), Status: "refused", Why: "no"}
			if err := r.problem(p); err != nil {
				t.Fatal(err)
			}
			want = append(want, p.String())
		}
		err := r.result(fail)
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.Refused {
			t.Fatalf("%d refs: %#v", n, err)
		}
		if n <= maxHeldRefs {
			if e != fail || len(out) != 0 || strings.Join(e.Details, "\n") != strings.Join(want, "\n") {
				t.Fatalf("%d refs: written %q, details %q", n, out, e.Details)
			}
			continue
		}
		if len(e.Details) != 0 || e.Msg != fmt.Sprintf("Nothing was marked (%d refs listed above).", n) {
			t.Fatalf("%d refs: closing error %#v", n, e)
		}
		if len(out) != n+1 || out[0] != "Error: "+fail.Msg {
			t.Fatalf("%d refs: %d lines written, first %q", n, len(out), out[0])
		}
		for i, w := range want {
			if out[i+1] != "  "+w {
				t.Fatalf("%d refs: line %d is %q, want %q", n, i+1, out[i+1], w)
			}
		}
	}
	// Another error (the database's, say) passes through untouched.
	r := &failureReport{verb: "mark"}
	other := errors.New("connection lost")
	if err := r.result(other); err != other {
		t.Fatalf("got %v", err)
	}
}
