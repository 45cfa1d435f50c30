package bench

import (
	"context"
	"os"
	"testing"

	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

func TestRunRefusesUnknownOperation(t *testing.T) {
	_, err := Run(context.Background(), Options{Users: []int{2000}, Only: "nope", Binary: os.Args[0]})
	if err == nil {
		t.Fatal("no error for --only nope")
	}
}

// TestInvariantsCatchBrokenRules breaks each rule the concurrency row
// checks, one after another, and requires the count of violations to grow
// each time.
func TestInvariantsCatchBrokenRules(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t)
	if _, err := seed.Bench(ctx, db, 2000); err != nil {
		t.Fatal(err)
	}
	r := &run{bench: db}
	if err := db.QueryRowContext(ctx, `SELECT id FROM orgs WHERE slug = $1`, seed.Org).Scan(&r.orgID); err != nil {
		t.Fatal(err)
	}
	n, detail, err := r.violations(ctx)
	if err != nil || n != 0 {
		t.Fatalf("seeded data: %d violations (%s), %v", n, detail, err)
	}
	// Breaking the rules takes writes the rule guards refuse.
	testdb.WithoutRuleGuards(t, db)
	spamUser, plainUser := `(SELECT min(id) FROM users WHERE spam)`, `(SELECT min(id) FROM users WHERE NOT spam)`
	for _, breakIt := range []string{
		`UPDATE chats SET folder = 'inbox' WHERE user_id = ` + spamUser,
		`UPDATE campaign_recipients SET status = 'pending', reason = NULL WHERE user_id = (SELECT max(id) FROM users WHERE spam)`,
		`INSERT INTO chat_events (org_id, user_id, event) SELECT org_id, id, 'assigned' FROM users WHERE id = (SELECT min(id) + 10 FROM users WHERE spam)`,
		`UPDATE campaign_recipients SET status = 'excluded', reason = 'spam' WHERE user_id = ` + plainUser,
		`INSERT INTO chat_events (org_id, user_id, event) SELECT org_id, id, 'unmarked_spam' FROM users WHERE id = ` + plainUser,
		`UPDATE users SET spam_until = now() WHERE id = ` + plainUser,
	} {
		if _, err := db.ExecContext(ctx, breakIt); err != nil {
			t.Fatalf("%s: %v", breakIt, err)
		}
		got, detail, err := r.violations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got <= n {
			t.Errorf("after %q: %d violations, want more than %d (%s)", breakIt, got, n, detail)
		}
		n = got
	}
}

func TestMissedCountsMeasuredTargetsNotMet(t *testing.T) {
	reports := []Report{
		{Users: 10, Results: []Result{{Operation: "a", Met: ptr(true)}, {Operation: "b", Met: ptr(false)}, {Operation: "c"}}},
		{Users: 20, Results: []Result{{Operation: "a", Met: ptr(false)}}},
	}
	if n := Missed(reports); n != 2 {
		t.Errorf("Missed = %d, want 2 (a measured miss counts, an unmeasured row does not)", n)
	}
	if n := Missed([]Report{{Results: []Result{{Met: ptr(true)}}}}); n != 0 {
		t.Errorf("Missed = %d with every target met", n)
	}
}
