package inbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"sort"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/inbox"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/spam"
)

// TestFoldersAgreeWithRules is the differential test of rule 2: on
// generated chats (random assignees, labels, spam marks by random agents,
// activity times with many ties), every folder of every agent, paged with
// random page sizes and with and without a label filter, lists exactly the
// chats rules.InFolder puts there, in (activity DESC, id DESC) order.
func TestFoldersAgreeWithRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newFixture(t, 0)
	rng := rand.New(rand.NewSource(11))
	agents := []directory.Actor{fx.owner, fx.asha, fx.ravi}
	for i := 0; i < 5; i++ {
		access := []string{"all", "assigned"}[i%2]
		a, err := directory.AddAgent(ctx, fx.db, fx.org.ID, fmt.Sprintf("g%d@gen.test", i), access, "teammate", "")
		if err != nil {
			t.Fatal(err)
		}
		agents = append(agents, directory.Actor{Org: fx.org, Agent: a})
	}
	const n = 1500
	// Activity in 200 distinct minutes: many ties, broken by id.
	if _, err := fx.db.Exec(`INSERT INTO users (org_id, phone) SELECT $1, '+4470' || lpad(i::text, 8, '0') FROM generate_series(1, $2::int) i`, fx.org.ID, n); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.Exec(`INSERT INTO chats (org_id, user_id, activity_at)
		SELECT org_id, id, timestamptz '2026-03-01Z' + (hashint4(id::int) % 200) * interval '1 minute' FROM users WHERE org_id = $1`, fx.org.ID); err != nil {
		t.Fatal(err)
	}
	labels := []string{"vip", "billing", "later"} // the demo seed made vip and billing
	if _, err := fx.db.Exec(`INSERT INTO labels (org_id, name) VALUES ($1, 'later')`, fx.org.ID); err != nil {
		t.Fatal(err)
	}
	// Random assignees and labels, written in one statement.
	type chatSetup struct {
		UserID   int64   `json:"user_id"`
		Assignee *int64  `json:"assignee_id"`
		Label    *string `json:"label"`
	}
	setups := make([]chatSetup, 0, n)
	for id := int64(1); id <= n; id++ {
		c := chatSetup{UserID: id}
		if r := rng.Intn(len(agents) + 2); r < len(agents) {
			c.Assignee = &agents[r].Agent.ID
		}
		if r := rng.Intn(6); r < len(labels) {
			c.Label = &labels[r]
		}
		setups = append(setups, c)
	}
	doc, err := json.Marshal(setups)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.Exec(`UPDATE chats c SET assignee_id = x.assignee_id,
			label_id = (SELECT id FROM labels WHERE org_id = $1 AND name = x.label)
		FROM jsonb_to_recordset($2::jsonb) AS x(user_id bigint, assignee_id bigint, label text)
		WHERE c.org_id = $1 AND c.user_id = x.user_id`, fx.org.ID, string(doc)); err != nil {
		t.Fatal(err)
	}
	var marks []string
	for id := 1; id <= n; id++ {
		if rng.Intn(4) == 0 {
			marks = append(marks, fmt.Sprint(id))
		}
	}
	for i := 0; i < len(marks); i += 40 {
		by := agents[rng.Intn(len(agents))]
		if _, err := spam.Mark(ctx, fx.db, by, spam.Request{Refs: marks[i:min(i+40, len(marks))], SkipRefused: true}); err != nil {
			t.Fatal(err)
		}
	}

	type chat struct {
		id       int64
		rule     rules.Chat
		label    string
		activity time.Time
	}
	var chats []chat
	rows, err := fx.db.Query(`SELECT c.user_id, u.spam, coalesce(c.assignee_id, 0), coalesce(c.spam_marked_by, 0), coalesce(l.name, ''), c.activity_at
		FROM chats c JOIN users u ON u.org_id = c.org_id AND u.id = c.user_id LEFT JOIN labels l ON l.org_id = c.org_id AND l.id = c.label_id
		WHERE c.org_id = $1`, fx.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c chat
		if err := rows.Scan(&c.id, &c.rule.Spam, &c.rule.AssigneeID, &c.rule.MarkedBy, &c.label, &c.activity); err != nil {
			t.Fatal(err)
		}
		chats = append(chats, c)
	}
	rows.Close()
	sort.Slice(chats, func(i, j int) bool {
		if !chats[i].activity.Equal(chats[j].activity) {
			return chats[i].activity.After(chats[j].activity)
		}
		return chats[i].id > chats[j].id
	})
	if spamCount := fx.count(t, `SELECT count(*) FROM users WHERE spam`); spamCount < n/10 {
		t.Fatalf("only %d spam users generated", spamCount)
	}

	checked := 0
	for _, a := range agents {
		for _, f := range rules.Folders {
			for _, label := range append([]string{""}, labels...) {
				o := inbox.ListOptions{Folder: f, Limit: 1 + rng.Intn(120), Label: label}
				if _, err := rules.ViewFolder(a.Agent.Rule(), f); err != nil {
					_, lerr := inbox.List(ctx, fx.db, a, o)
					var r *rules.Refusal
					if !errors.As(lerr, &r) {
						t.Errorf("%s %s: %v, want the rules' refusal", a.Agent.Email, f, lerr)
					}
					continue
				}
				var want []int64
				for _, c := range chats {
					if rules.InFolder(a.Agent.Rule(), f, c.rule) && (label == "" || c.label == label) {
						want = append(want, c.id)
					}
				}
				got := ids(t, fx.db, a, o)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s (%s) folder %s label %q limit %d: SQL lists %d chats, rules %d; first difference at %d",
						a.Agent.Email, a.Agent.Access, f, label, o.Limit, len(got), len(want), firstDiff(got, want))
				}
				checked += len(want)
			}
		}
	}
	if checked < n {
		t.Fatalf("only %d chats checked", checked)
	}
}

func firstDiff(a, b []int64) int {
	for i := range a {
		if i >= len(b) || a[i] != b[i] {
			return i
		}
	}
	return len(a)
}
