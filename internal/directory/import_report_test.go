package directory_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

// TestImportListsEveryBadRow: 250 bad rows among good ones are all
// reported, in line order — streamed to OnBadRow (the error then holds
// none), or else in the error's details — and the failed import changes
// nothing; with --skip-invalid the same rows are the skipped ones.
func TestImportListsEveryBadRow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Open(t)
	org, err := directory.CreateOrg(ctx, db, "acme", "")
	if err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString("phone,name\n")
	var want []string
	for i := 1; i <= 500; i++ {
		line := i + 1
		switch {
		case i%2 == 1:
			fmt.Fprintf(&csv, "+9198%08d,Good %d\n", i, i)
		case i%4 == 0:
			fmt.Fprintf(&csv, "bad%d,Bad\n", i)
			want = append(want, fmt.Sprintf(`line %d: "bad%d" is not a phone: unexpected 'b'`, line, i))
		default:
			fmt.Fprintf(&csv, "+9198%08d\n", i)
			want = append(want, fmt.Sprintf("line %d: has 1 fields, the header has 2", line))
		}
	}
	same := func(what string, got []string) {
		t.Helper()
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%s: %d lines, want %d; first %q", what, len(got), len(want), got[:min(3, len(got))])
		}
	}

	var streamed []string
	onBad := func(d string) error { streamed = append(streamed, d); return nil }
	res, err := directory.ImportUsers(ctx, db, org.ID, strings.NewReader(csv.String()), directory.ImportOptions{OnBadRow: onBad})
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.Usage || len(e.Details) != 0 || res.Invalid != 250 ||
		e.Msg != "250 invalid row(s); nothing was imported (pass --skip-invalid to import the valid rows)." {
		t.Fatalf("streamed: %+v %#v", res, err)
	}
	same("streamed", streamed)

	_, err = directory.ImportUsers(ctx, db, org.ID, strings.NewReader(csv.String()), directory.ImportOptions{})
	if !errors.As(err, &e) {
		t.Fatal(err)
	}
	same("details", e.Details)
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM users`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d users after failed imports (%v)", n, err)
	}

	streamed = nil
	res, err = directory.ImportUsers(ctx, db, org.ID, strings.NewReader(csv.String()), directory.ImportOptions{SkipInvalid: true, OnBadRow: onBad})
	var skipped *directory.SkippedError
	if !errors.As(err, &skipped) || skipped.Rows != 250 || len(skipped.Lines) != 0 || err.Error() != "250 row(s) skipped" || res.Created != 250 {
		t.Fatalf("skip-invalid, streamed: %+v %#v", res, err)
	}
	same("skipped, streamed", streamed)
	res, err = directory.ImportUsers(ctx, db, org.ID, strings.NewReader(csv.String()), directory.ImportOptions{SkipInvalid: true})
	if !errors.As(err, &skipped) || res.Unchanged != 250 {
		t.Fatalf("skip-invalid: %+v %#v", res, err)
	}
	same("skipped", skipped.Lines)
}
