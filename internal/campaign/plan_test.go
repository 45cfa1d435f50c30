package campaign_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/campaign"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/seed"
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
	p := explain(t, fx, ctx, `SELECT r.campaign_id, u.id FROM users u
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
		p := explain(t, fx, ctx, query, args...)
		if !strings.Contains(p, "Bitmap Index Scan on users_traits") || strings.Contains(p, "Seq Scan on users") {
			t.Errorf("the audience (%s) of %v does not use users_traits:\n%s", cols, seg, p)
		}
	}
}

func explain(t *testing.T, fx fixture, ctx context.Context, query string, args ...any) string {
	t.Helper()
	rows, err := fx.db.QueryContext(ctx, "EXPLAIN "+query, args...)
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
