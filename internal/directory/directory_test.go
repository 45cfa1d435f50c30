package directory_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/store"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

// acme is a fresh database with one org, acme.
func acme(t *testing.T) (*store.DB, directory.Org) {
	t.Helper()
	db := testdb.Open(t)
	org, err := directory.CreateOrg(context.Background(), db, "acme", "")
	if err != nil {
		t.Fatal(err)
	}
	return db, org
}

func TestImportUpsertsAndCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, org := acme(t)
	csv := "phone,name,city\r\n+91 98000 00001,\"Asha, K\",Pune\r\n+919800000002,Ravi,\r\n"
	res, err := directory.ImportUsers(ctx, db, org.ID, strings.NewReader(csv), directory.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res != (directory.ImportResult{Created: 2}) {
		t.Fatalf("first import: %+v", res)
	}
	csv2 := "phone,name,city\n+919800000001,\"Asha, K\",Pune\n+919800000002,Ravi,Delhi\n+919800000003,New,\n"
	res, err = directory.ImportUsers(ctx, db, org.ID, strings.NewReader(csv2), directory.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res != (directory.ImportResult{Created: 1, Updated: 1, Unchanged: 1}) {
		t.Fatalf("second import: %+v", res)
	}
	card, err := directory.ShowUser(ctx, db, org.ID, input.Ref{Phone: "+919800000001"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if card.Name != "Asha, K" || card.Traits["city"] != "Pune" || card.Traits["Marked as Spam"] != "No" {
		t.Fatalf("card: %+v", card)
	}
}

func TestImportBadRowsChangeNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, org := acme(t)
	csv := "phone,name\n+919800000001,Ok\nnot-a-phone,Bad\n+919800000002,\"x\x00\"\n"
	_, err := directory.ImportUsers(ctx, db, org.ID, strings.NewReader(csv), directory.ImportOptions{})
	if errs.ExitCode(err) != errs.Usage {
		t.Fatalf("want usage error, got %v", err)
	}
	var report bytes.Buffer
	errs.Report(&report, err)
	if lines := strings.Split(report.String(), "\n"); len(lines) != 4 || !strings.HasPrefix(lines[1], "  line 3:") || !strings.HasPrefix(lines[2], "  line 4:") {
		t.Fatalf("report: %q", report.String())
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM users`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d users imported from a bad file", n)
	}
	res, err := directory.ImportUsers(ctx, db, org.ID, strings.NewReader(csv), directory.ImportOptions{SkipInvalid: true})
	if _, ok := err.(*directory.SkippedError); !ok || res.Created != 1 || res.Invalid != 2 {
		t.Fatalf("skip-invalid: %+v %v", res, err)
	}
}

func TestImportRefusesSpamTrait(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, org := acme(t)
	_, err := directory.ImportUsers(ctx, db, org.ID, strings.NewReader("phone,name,Marked as Spam\n+919800000001,A,Yes\n"), directory.ImportOptions{})
	if errs.ExitCode(err) != errs.Refused {
		t.Fatalf("want refusal, got %v", err)
	}
}

// TestImportCreatesChats: every user an import creates gets its one chat,
// in the inbox, unassigned and unlabelled; a re-import (updated and
// unchanged rows) creates no second chat, and another org's import none in
// this org.
func TestImportCreatesChats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, org := acme(t)
	other, err := directory.CreateOrg(ctx, db, "other", "")
	if err != nil {
		t.Fatal(err)
	}
	imports := []struct {
		org  int64
		csv  string
		want directory.ImportResult
	}{
		{org.ID, "phone,name\n+919800000001,A\n+919800000002,B\n", directory.ImportResult{Created: 2}},
		{other.ID, "phone,name\n+919800000002,B\n+919800000009,Z\n", directory.ImportResult{Created: 2}},
		{org.ID, "phone,name\n+919800000001,A\n+919800000002,B2\n+919800000003,C\n+919800000003,C\n+919800000004,D\n", directory.ImportResult{Created: 2, Updated: 1, Unchanged: 1}},
	}
	for i, im := range imports {
		res, err := directory.ImportUsers(ctx, db, im.org, strings.NewReader(im.csv), directory.ImportOptions{})
		if err != nil || res != im.want {
			t.Fatalf("import %d: %+v %v, want %+v", i+1, res, err, im.want)
		}
	}
	for _, o := range []struct {
		id     int64
		phones []string
	}{
		{org.ID, []string{"+919800000001", "+919800000002", "+919800000003", "+919800000004"}},
		{other.ID, []string{"+919800000002", "+919800000009"}},
	} {
		var users, chats, inboxUnassigned int
		err := db.QueryRow(`SELECT
				(SELECT count(*) FROM users WHERE org_id = $1 AND phone = ANY(string_to_array($2, ','))),
				(SELECT count(*) FROM chats c JOIN users u ON u.org_id = c.org_id AND u.id = c.user_id
					WHERE c.org_id = $1 AND u.phone = ANY(string_to_array($2, ','))),
				(SELECT count(*) FROM chats c JOIN users u ON u.org_id = c.org_id AND u.id = c.user_id
					WHERE c.org_id = $1 AND u.phone = ANY(string_to_array($2, ',')) AND c.folder = 'inbox' AND c.assignee_id IS NULL
					AND c.label_id IS NULL AND c.spam_marked_by IS NULL)`,
			o.id, strings.Join(o.phones, ",")).Scan(&users, &chats, &inboxUnassigned)
		if err != nil {
			t.Fatal(err)
		}
		if users != len(o.phones) || chats != users || inboxUnassigned != users {
			t.Errorf("org %d: %d users, %d chats, %d in the inbox unassigned; want %d of each", o.id, users, chats, inboxUnassigned, len(o.phones))
		}
		var total, totalChats int
		if err := db.QueryRow(`SELECT (SELECT count(*) FROM users WHERE org_id = $1), (SELECT count(*) FROM chats WHERE org_id = $1)`, o.id).Scan(&total, &totalChats); err != nil {
			t.Fatal(err)
		}
		if total != len(o.phones) || totalChats != total {
			t.Errorf("org %d: %d users and %d chats in all, want %d of each", o.id, total, totalChats, len(o.phones))
		}
	}
}

// Every bad row is reported with its line, in order, however many there
// are (spooled, not capped), both when the import fails and when it skips.
func TestImportReportsEveryBadRow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, org := acme(t)
	var in strings.Builder
	in.WriteString("phone,name\n")
	const bad = 2500
	for i := 0; i < bad; i++ {
		fmt.Fprintf(&in, "+9198%08d,Good %d\nnope-%d,Bad\n", i, i, i)
	}
	check := func(t *testing.T, report string, skip int) {
		lines := strings.Split(strings.TrimSuffix(report, "\n"), "\n")[skip:]
		if len(lines) != bad {
			t.Fatalf("%d bad rows listed, want %d", len(lines), bad)
		}
		for i, l := range lines {
			if want := fmt.Sprintf("  line %d: ", 3+2*i); !strings.HasPrefix(l, want) {
				t.Fatalf("row %d listed as %q, want %q...", i, l, want)
			}
		}
	}
	_, err := directory.ImportUsers(ctx, db, org.ID, strings.NewReader(in.String()), directory.ImportOptions{})
	var report bytes.Buffer
	errs.Report(&report, err)
	if errs.ExitCode(err) != errs.Usage || !strings.HasPrefix(report.String(), "Error: 2500 invalid row(s); nothing was imported") {
		t.Fatalf("import of a bad file: %v", err)
	}
	check(t, report.String(), 1)
	res, err := directory.ImportUsers(ctx, db, org.ID, strings.NewReader(in.String()), directory.ImportOptions{SkipInvalid: true})
	var skipped *directory.SkippedError
	if !errors.As(err, &skipped) || skipped.Lines.Len() != bad || res.Created != bad {
		t.Fatalf("skip-invalid: %+v %v", res, err)
	}
	var listed bytes.Buffer
	if err := skipped.Lines.WriteTo(&listed, "  "); err != nil {
		t.Fatal(err)
	}
	check(t, listed.String(), 0)
}

// A phone on several rows is one user, with its last row's name and traits:
// for a new phone (created once) and for a known one (updated once).
func TestImportLastRowOfAPhoneWins(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, org := acme(t)
	csv := "phone,name,city\n+919800000001,First,Pune\n+919800000002,Other,\n+91 98000 00001,Last,Delhi\n"
	res, err := directory.ImportUsers(ctx, db, org.ID, strings.NewReader(csv), directory.ImportOptions{})
	if err != nil || res != (directory.ImportResult{Created: 2}) {
		t.Fatalf("import with a repeated new phone: %+v, %v", res, err)
	}
	csv = "phone,name,city\n+919800000002,Changed,\n+919800000001,Last,Delhi\n+919800000002,Final,Mumbai\n"
	res, err = directory.ImportUsers(ctx, db, org.ID, strings.NewReader(csv), directory.ImportOptions{})
	if err != nil || res != (directory.ImportResult{Updated: 1, Unchanged: 1}) {
		t.Fatalf("import with a repeated known phone: %+v, %v", res, err)
	}
	for phone, want := range map[string][2]string{"+919800000001": {"Last", "Delhi"}, "+919800000002": {"Final", "Mumbai"}} {
		card, err := directory.ShowUser(ctx, db, org.ID, input.Ref{Phone: phone}, nil)
		if err != nil || card.Name != want[0] || card.Traits["city"] != want[1] {
			t.Errorf("%s: %+v, %v; want %v", phone, card, err, want)
		}
	}
	var chats int
	if err := db.QueryRow(`SELECT count(*) FROM chats WHERE org_id = $1`, org.ID).Scan(&chats); err != nil || chats != 2 {
		t.Errorf("%d chats, want 2 (%v)", chats, err)
	}
}

// TestImportEmptyCellKeepsStoredValue: an empty name or trait cell leaves
// what is stored (a user whose row changes nothing is unchanged); a new
// user with an empty name gets none.
func TestImportEmptyCellKeepsStoredValue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, org := acme(t)
	if _, err := directory.ImportUsers(ctx, db, org.ID, strings.NewReader("phone,name,city\n+919800000001,Asha,Pune\n+919800000002,Ravi,Delhi\n"), directory.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	csv := "phone,name,city\n+919800000001,,\n+919800000002,,Mumbai\n+919800000003,,\n"
	res, err := directory.ImportUsers(ctx, db, org.ID, strings.NewReader(csv), directory.ImportOptions{})
	if err != nil || res != (directory.ImportResult{Created: 1, Updated: 1, Unchanged: 1}) {
		t.Fatalf("import of empty cells: %+v, %v", res, err)
	}
	for phone, want := range map[string][2]string{"+919800000001": {"Asha", "Pune"}, "+919800000002": {"Ravi", "Mumbai"}, "+919800000003": {"", ""}} {
		card, err := directory.ShowUser(ctx, db, org.ID, input.Ref{Phone: phone}, nil)
		if err != nil || card.Name != want[0] || card.Traits["city"] != want[1] {
			t.Errorf("%s: name %q traits %v (%v); want %v", phone, card.Name, card.Traits, err, want)
		}
	}
}

// TestImportDryRunWritesNothing: a dry run reports exactly the counts the
// import then makes, and leaves users, chats and the skipped rows' report
// as they were.
func TestImportDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, org := acme(t)
	if _, err := directory.ImportUsers(ctx, db, org.ID, strings.NewReader("phone,name\n+919800000001,Asha\n+919800000002,Ravi\n"), directory.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	snapshot := func() string {
		var s string
		if err := db.QueryRow(`SELECT (SELECT string_agg(phone || '=' || name, ',' ORDER BY phone) FROM users WHERE org_id = $1) || ' chats ' ||
			(SELECT count(*) FROM chats WHERE org_id = $1)`, org.ID).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := snapshot()
	csv := "phone,name\n+919800000001,Asha\n+919800000002,Ravi K\n+919800000003,New\nnot-a-phone,x\n"
	dry, err := directory.ImportUsers(ctx, db, org.ID, strings.NewReader(csv), directory.ImportOptions{DryRun: true, SkipInvalid: true})
	var skipped *directory.SkippedError
	if !errors.As(err, &skipped) || skipped.Lines.Len() != 1 {
		t.Fatalf("dry run: %+v, %v", dry, err)
	}
	skipped.Lines.Close()
	want := directory.ImportResult{Created: 1, Updated: 1, Unchanged: 1, Invalid: 1}
	if dry != want {
		t.Fatalf("dry run counts %+v, want %+v", dry, want)
	}
	if after := snapshot(); after != before {
		t.Fatalf("a dry run wrote: %s, was %s", after, before)
	}
	res, err := directory.ImportUsers(ctx, db, org.ID, strings.NewReader(csv), directory.ImportOptions{SkipInvalid: true})
	if errors.As(err, &skipped) {
		skipped.Lines.Close()
	}
	if res != dry {
		t.Fatalf("the import did %+v, its dry run said %+v", res, dry)
	}
	if _, err := directory.ImportUsers(ctx, db, org.ID, strings.NewReader("phone,name\nbad,x\n"), directory.ImportOptions{DryRun: true}); errs.ExitCode(err) != errs.Usage {
		t.Fatalf("a dry run of a bad file: %v, want a usage error", err)
	}
}
