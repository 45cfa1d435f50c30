package spam_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/spam"
)

// manyBadRefs is a refs file of n lines for ravi (assigned access) over 40
// demo users, and the problem lines every bad ref gives, in input order
// after the two bad arguments: users 1–40 by phone (those not assigned to
// ravi nor unassigned are refused), then invalid and unknown refs in turn.
func manyBadRefs(n int) (args []string, file string, want []string) {
	args = []string{"nope", "+4479000000001"}
	want = []string{`argument: invalid: "nope" is neither a phone (+ then 8-15 digits) nor a numeric user id`,
		"argument: +4479000000001: no such user in this org"}
	var b strings.Builder
	for k := 1; k <= n; k++ {
		switch {
		case k <= 40:
			b.WriteString(seed.Phone(k) + "\n")
			if k%4 == 0 || k%4 == 2 {
				want = append(want, fmt.Sprintf("line %d: %s: refused: you can mark only users whose chat you can see (assigned to you or unassigned)", k, seed.Phone(k)))
			}
		case k%2 == 0:
			fmt.Fprintf(&b, "x%d\n", k)
			want = append(want, fmt.Sprintf(`line %d: invalid: "x%d" is neither a phone (+ then 8-15 digits) nor a numeric user id`, k, k))
		default:
			fmt.Fprintf(&b, "+4480%08d\n", k)
			want = append(want, fmt.Sprintf("line %d: +4480%08d: no such user in this org", k, k))
		}
	}
	return args, b.String(), want
}

func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d lines, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: line %d is %q, want %q", what, i, got[i], want[i])
		}
	}
}

// reported is what errs.Report writes for err: its sentence, then its
// details, one a line without the indent.
func reported(err error) (string, []string) {
	var b bytes.Buffer
	errs.Report(&b, err)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	for i := range lines[1:] {
		lines[i+1] = strings.TrimPrefix(lines[i+1], "  ")
	}
	return lines[0], lines[1:]
}

// TestEveryBadRefIsReported: a failure with well over a thousand bad refs
// (past what a Spool keeps in memory) reports every one of them after its
// sentence, in input order, for a real run and a dry run alike.
func TestEveryBadRefIsReported(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newFixture(t, 40)
	args, file, want := manyBadRefs(1500)
	for _, dryRun := range []bool{false, true} {
		_, err := spam.Mark(ctx, fx.db, fx.ravi, spam.Request{Refs: args, File: strings.NewReader(file), DryRun: dryRun,
			OnSkipped: func(p spam.Problem) error { t.Fatalf("skipped %v on a failure", p); return nil },
		})
		if errs.ExitCode(err) != errs.Usage {
			t.Fatalf("dry run %v: %v", dryRun, err)
		}
		sentence, details := reported(err)
		if sentence != "Error: Nothing was marked: 731 invalid, 731 not found, 20 refused of 1502 refs (fix them, or pass --skip-invalid --skip-missing --skip-refused to mark the rest)." {
			t.Fatalf("dry run %v: %q", dryRun, sentence)
		}
		sameLines(t, fmt.Sprintf("dry run %v", dryRun), details, want)
	}
	if n := fx.count(t, `SELECT count(*) FROM users WHERE spam`) + fx.count(t, `SELECT count(*) FROM spam_batches`); n != 0 {
		t.Fatal("a failed mark changed data")
	}
}

// TestSkippedRefsStream: with the --skip flags, the rest is applied and
// every skipped ref streams to OnSkipped in input order, after the commit
// (or before the dry run's rollback), next to OnRef's per-ref stream.
func TestSkippedRefsStream(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newFixture(t, 40)
	args, file, want := manyBadRefs(300)
	for _, dryRun := range []bool{true, false} {
		var got []string
		var refs int
		sum, err := spam.Mark(ctx, fx.db, fx.ravi, spam.Request{Refs: args, File: strings.NewReader(file), DryRun: dryRun,
			SkipInvalid: true, SkipMissing: true, SkipRefused: true,
			OnSkipped: func(p spam.Problem) error {
				got = append(got, p.String())
				return nil
			},
			OnRef: func(spam.RefStatus) error { refs++; return nil },
		})
		if err != nil || sum.Changed != 20 || sum.Skipped != int64(len(want)) || refs != 302 {
			t.Fatalf("dry run %v: %+v, %d refs, %v", dryRun, sum, refs, err)
		}
		sameLines(t, fmt.Sprintf("dry run %v", dryRun), got, want)
	}
	if n := fx.count(t, `SELECT count(*) FROM users WHERE spam`); n != 20 {
		t.Fatalf("%d users marked, want 20", n)
	}
	// Only the skipped kinds are listed: here the one unknown ref.
	var got []string
	_, err := spam.Unmark(ctx, fx.db, fx.ravi, spam.Request{Refs: []string{"1", "+4479000000001"}, SkipMissing: true,
		OnSkipped: func(p spam.Problem) error { got = append(got, p.String()); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	sameLines(t, "unmark", got, []string{"argument: +4479000000001: no such user in this org"})
	fx.invariants(t)
}
