package spam_test

import (
	"context"
	"errors"
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

// TestEveryBadRefStreams: a failure with well over a hundred bad refs
// gives its error to OnFailure, then streams every one of them to
// OnProblem, in input order, after the row locks are released; the error is
// the one sentence, without details.
func TestEveryBadRefStreams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newFixture(t, 40)
	args, file, want := manyBadRefs(1500)
	for _, dryRun := range []bool{false, true} {
		var got []string
		locksFree := false
		var announced *errs.Error
		_, err := spam.Mark(ctx, fx.db, fx.ravi, spam.Request{Refs: args, File: strings.NewReader(file), DryRun: dryRun,
			OnFailure: func(e *errs.Error) error {
				if announced != nil || len(got) != 0 {
					t.Fatal("OnFailure called twice or after a problem")
				}
				announced = e
				return nil
			},
			OnProblem: func(p spam.Problem) error {
				if len(got) == 0 && !dryRun {
					// A refused user's row is not held while the list streams.
					_, err := fx.db.Exec(`SELECT 1 FROM users WHERE id = 2 FOR UPDATE NOWAIT`)
					locksFree = err == nil
				}
				got = append(got, p.String())
				return nil
			},
			OnSkipped: func(p spam.Problem) error { t.Fatalf("skipped %v on a failure", p); return nil },
		})
		var e *errs.Error
		if errs.ExitCode(err) != errs.Usage || !errors.As(err, &e) || len(e.Details) != 0 ||
			e.Msg != "Nothing was marked: 731 invalid, 731 not found, 20 refused of 1502 refs (fix them, or pass --skip-invalid --skip-missing --skip-refused to mark the rest)." {
			t.Fatalf("dry run %v: %#v", dryRun, err)
		}
		if err != error(announced) {
			t.Fatalf("dry run %v: OnFailure got %v, the caller %v", dryRun, announced, err)
		}
		sameLines(t, fmt.Sprintf("dry run %v", dryRun), got, want)
		if !dryRun && !locksFree {
			t.Fatal("the row locks were held while the bad refs streamed")
		}
	}
	if n := fx.count(t, `SELECT count(*) FROM users WHERE spam`) + fx.count(t, `SELECT count(*) FROM spam_batches`); n != 0 {
		t.Fatal("a failed mark changed data")
	}
	// Without OnProblem, every one is in the error's details.
	_, err := spam.Mark(ctx, fx.db, fx.ravi, spam.Request{Refs: args, File: strings.NewReader(file)})
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatal(err)
	}
	sameLines(t, "details", e.Details, want)
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
			OnProblem: func(p spam.Problem) error { t.Fatalf("problem %v when all are skipped", p); return nil },
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
