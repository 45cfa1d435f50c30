package campaign_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/campaign"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/store"
)

// A recipient list scheduled into a table the planner last saw empty (a new
// org's first campaign) must not leave the check with a plan that scans the
// whole list once per spam user: schedule refreshes the statistics.
func TestCheckPlanAfterScheduleAndMark(t *testing.T) {
	fx := newFixture(t, 30000) // seeding ends with ANALYZE: the lists are empty then
	ctx := context.Background()
	if _, err := campaign.Schedule(ctx, fx.db, fx.org.ID, "Diwali Sale"); err != nil {
		t.Fatal(err)
	}
	var refs []string
	for i := 1; i <= 30000 && len(refs) < 3000; i++ {
		if i%3 == 1 { // Pune: in the Diwali Sale list
			refs = append(refs, seed.Phone(i))
		}
	}
	fx.mark(t, refs...)
	p := explain(t, fx.db, ctx, `SELECT r.campaign_id, u.id FROM users u
		JOIN campaign_recipients r ON r.org_id = u.org_id AND r.user_id = u.id AND r.status = 'pending'
		WHERE u.org_id = $1 AND u.spam AND r.campaign_id = ANY($2)`, fx.org.ID, fmt.Sprintf("{%d}", 1))
	if strings.Contains(p, "Nested Loop") && strings.Contains(p, "campaign_recipients_pkey") {
		t.Errorf("the check probes the whole list per spam user:\n%s", p)
	}
}

// A selective segment's trait filters are served by the GIN index on
// traits, for the audience and its count, not by a scan of the org's users
// (at 100,000 users; on a small table a scan is cheaper and is chosen).
func TestSegmentUsesTheTraitIndex(t *testing.T) {
	fx := newFixture(t, 100000)
	ctx := context.Background()
	if _, err := fx.db.ExecContext(ctx, `UPDATE users SET traits = traits || '{"plan": "enterprise"}' WHERE org_id = $1 AND id % 500 = 0`, fx.org.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.ExecContext(ctx, `ANALYZE users`); err != nil {
		t.Fatal(err)
	}
	seg := rules.Segment{"plan": "enterprise", "city": "Pune"}
	for _, cols := range []string{"u.id, u.phone, u.name", "count(*)"} {
		query, args := campaign.AudienceSQL(fx.org.ID, seg, cols)
		if cols != "count(*)" {
			query += " ORDER BY u.id"
		}
		p := explain(t, fx.db, ctx, query, args...)
		if !strings.Contains(p, "Bitmap Index Scan on users_traits") || strings.Contains(p, "Seq Scan on users") {
			t.Errorf("the audience (%s) of %v does not use users_traits:\n%s", cols, seg, p)
		}
	}
}

func explain(t *testing.T, q store.Querier, ctx context.Context, query string, args ...any) string {
	t.Helper()
	rows, err := q.QueryContext(ctx, "EXPLAIN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

// The check of an ongoing campaign (every spam user against its audience)
// is answered by the planner, not a scan: with constraint_exclusion on, it
// reads "spam AND NOT spam" in the audience SQL as a contradiction. Were
// NOT spam ever missing from the audience SQL, the same query would scan
// the spam users and list them.
func TestOngoingGuardIsProvedByThePlanner(t *testing.T) {
	fx := newFixture(t, 2000)
	ctx := context.Background()
	fx.mark(t, "7", "8")
	tx, err := fx.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL constraint_exclusion = on`); err != nil {
		t.Fatal(err)
	}
	plan := func(query string, args ...any) string { return explain(t, tx, ctx, query, args...) }
	for _, seg := range []rules.Segment{{}, {"city": "Pune"}, {"city": "Pune", "tier": "gold"}} {
		query, args := campaign.OngoingGuardSQL(fx.org.ID, seg)
		if p := plan(query, args...); !strings.Contains(p, "One-Time Filter: false") || strings.Contains(p, "on users") {
			t.Errorf("the guard of %v is not proved empty:\n%s", seg, p)
		}
		// The same query without rule 5 scans, and finds the spam users.
		broken := strings.Replace(query, "NOT u.spam AND", "", 1)
		if broken == query {
			t.Fatalf("no NOT u.spam in %s", query)
		}
		if p := plan(broken, args...); strings.Contains(p, "One-Time Filter: false") {
			t.Errorf("without rule 5 the guard of %v is still proved empty:\n%s", seg, p)
		}
	}
	var found int
	query, args := campaign.OngoingGuardSQL(fx.org.ID, rules.Segment{})
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM ("+strings.Replace(query, "NOT u.spam AND", "", 1)+") g", args...).Scan(&found); err != nil || found != 2 {
		t.Fatalf("without rule 5 the guard finds %d spam users (%v), want 2", found, err)
	}
}
