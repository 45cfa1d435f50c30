package campaign_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/campaign"
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
	rows, err := fx.db.QueryContext(ctx, `EXPLAIN SELECT r.campaign_id, u.id FROM users u
		JOIN campaign_recipients r ON r.org_id = u.org_id AND r.user_id = u.id AND r.status = 'pending'
		WHERE u.org_id = $1 AND u.spam AND r.campaign_id = ANY($2)`, fx.org.ID, fmt.Sprintf("{%d}", 1))
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
	p := strings.Join(plan, "\n")
	if strings.Contains(p, "Nested Loop") && strings.Contains(p, "campaign_recipients_pkey") {
		t.Errorf("the check probes the whole list per spam user:\n%s", p)
	}
}
