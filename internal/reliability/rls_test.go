package reliability

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/store"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

// rlsWorld is generated data of several orgs, as the policy sees it.
type rlsWorld struct {
	orgs   []int64
	agents map[int64][]rlsAgent // by org
	chats  map[int64]map[int64]rules.Chat
}

type rlsAgent struct {
	rules.Agent
	org  int64
	role string
}

// generateRLSWorld writes, as the schema owner, orgs with agents of each
// access and role, users whose chats are assigned variously, some spam
// (marked by various agents), with messages, timeline events,
// notifications for every agent, and a recipient list.
func generateRLSWorld(t *testing.T, db *store.DB, seed int64) rlsWorld {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewSource(seed))
	w := rlsWorld{agents: map[int64][]rlsAgent{}, chats: map[int64]map[int64]rules.Chat{}}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(store.SpamWriteSQL)
	kinds := []struct{ access, role string }{{"all", "owner"}, {"all", "teammate"}, {"assigned", "admin"}, {"assigned", "teammate"}, {"assigned", "teammate"}}
	for o := 0; o < 3; o++ {
		var org int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO orgs (slug, name) VALUES ($1, $1) RETURNING id`, fmt.Sprintf("rls%d", o)).Scan(&org); err != nil {
			t.Fatal(err)
		}
		w.orgs = append(w.orgs, org)
		for i, k := range kinds {
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO agents (org_id, email, access, role) VALUES ($1, $2, $3, $4) RETURNING id`,
				org, fmt.Sprintf("a%d@rls%d.test", i, o), k.access, k.role).Scan(&id); err != nil {
				t.Fatal(err)
			}
			w.agents[org] = append(w.agents[org], rlsAgent{Agent: rules.Agent{ID: id, Access: rules.Access(k.access)}, org: org, role: k.role})
		}
		exec(`INSERT INTO campaigns (org_id, name, kind) VALUES ($1, 'c', 'one-time')`, org)
		w.chats[org] = map[int64]rules.Chat{}
		agents := w.agents[org]
		for u := 0; u < 60; u++ {
			var c rules.Chat
			if rng.Intn(4) > 0 {
				c.AssigneeID = agents[rng.Intn(len(agents))].ID
			}
			c.Spam = rng.Intn(3) == 0
			if c.Spam {
				c.MarkedBy = agents[rng.Intn(len(agents))].ID
			}
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO users (org_id, phone, spam, spam_marked_by, traits)
				VALUES ($1, $2, $3, $4, jsonb_build_object('Marked as Spam', $5::text)) RETURNING id`,
				org, fmt.Sprintf("+91%03d%07d", o, u), c.Spam, store.NullInt64(c.MarkedBy), rules.TraitValue(c.Spam)).Scan(&id); err != nil {
				t.Fatal(err)
			}
			exec(`INSERT INTO chats (org_id, user_id, folder, assignee_id, spam_marked_by) VALUES ($1, $2, $3, $4, $5)`,
				org, id, string(rules.StoredFolder(c.Spam)), store.NullInt64(c.AssigneeID), store.NullInt64(c.MarkedBy))
			exec(`INSERT INTO messages (org_id, user_id, direction, text) VALUES ($1, $2, 'inbound', 'hi'), ($1, $2, 'inbound', 'again')`, org, id)
			exec(`INSERT INTO chat_events (org_id, user_id, event, actor_id) VALUES ($1, $2, 'assigned', $3)`, org, id, store.NullInt64(c.AssigneeID))
			exec(`INSERT INTO campaign_recipients (org_id, campaign_id, user_id, status, reason)
				SELECT $1, id, $2, CASE WHEN $3 THEN 'excluded' ELSE 'pending' END, CASE WHEN $3 THEN 'spam' END FROM campaigns WHERE org_id = $1`, org, id, c.Spam)
			w.chats[org][id] = c
		}
		// A notification for every agent about every user (spam users'
		// ones are dropped by the rule guard): what each sees of them is
		// the policy's.
		exec(`INSERT INTO notifications (org_id, agent_id, user_id, message_id, text)
			SELECT m.org_id, a.id, m.user_id, m.id, m.text FROM messages m JOIN agents a ON a.org_id = m.org_id
			WHERE m.org_id = $1 AND m.text = 'hi'`, org)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return w
}

// visible is the policy's answer in Go: the users of org whose chat the
// agent can see (rules.CanSee), and the spam and non-spam among them.
func (w rlsWorld) visible(a rlsAgent) (seen, markable, unmarkable []int64) {
	for id, c := range w.chats[a.org] {
		if rules.CanSee(a.Agent, c) {
			seen = append(seen, id)
		}
		if rules.MarkOutcome(a.Agent, c) == rules.Marked {
			markable = append(markable, id)
		}
		if rules.UnmarkOutcome(a.Agent, c) == rules.Unmarked {
			unmarkable = append(unmarkable, id)
		}
	}
	for _, s := range [][]int64{seen, markable, unmarkable} {
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	}
	return seen, markable, unmarkable
}

// TestRowLevelSecurityMatchesRules holds migration 0010's policies against
// internal/rules: for every agent of every generated org, a real login
// role at level agent bound to that agent reads every table as psql would,
// and tries writes, and what it sees and changes is exactly what the rules
// say its agent may see (rule 2) and change (rule 8); rows of other orgs
// are never seen. A read-level role sees everything; an unbound
// agent-level role nothing.
func TestRowLevelSecurityMatchesRules(t *testing.T) {
	ctx := context.Background()
	u := testdb.URL(t)
	db, err := store.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w := generateRLSWorld(t, db, 18)
	total := 0
	for _, org := range w.orgs {
		total += len(w.chats[org])
	}
	for _, org := range w.orgs {
		for i, a := range w.agents[org] {
			name := fmt.Sprintf("org%d/agent%d_%s_%s", org, i, a.Access, a.role)
			t.Run(name, func(t *testing.T) {
				role, roleURL := testdb.LoginRole(t, u, "rls")
				if _, err := db.GrantLevel(ctx, role, rules.LevelAgent); err != nil {
					t.Fatal(err)
				}
				if _, err := db.ExecContext(ctx, `UPDATE agents SET db_role = $1 WHERE id = $2`, role, a.ID); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.ExecContext(ctx, `UPDATE agents SET db_role = NULL WHERE id = $1`, a.ID) })
				rdb, err := store.Open(ctx, roleURL)
				if err != nil {
					t.Fatal(err)
				}
				defer rdb.Close()
				checkAgentView(t, rdb, w, a)
			})
		}
	}
	t.Run("read level sees every org", func(t *testing.T) {
		role, roleURL := testdb.LoginRole(t, u, "rlsread")
		if _, err := db.GrantLevel(ctx, role, rules.LevelRead); err != nil {
			t.Fatal(err)
		}
		rdb, err := store.Open(ctx, roleURL)
		if err != nil {
			t.Fatal(err)
		}
		defer rdb.Close()
		for _, table := range []string{"chats", "users", "campaign_recipients"} {
			if n := countOf(t, rdb, `SELECT count(*) FROM `+table); n != total {
				t.Errorf("read level: %d rows of %s, want %d", n, table, total)
			}
		}
	})
	t.Run("unbound agent level sees nothing", func(t *testing.T) {
		role, roleURL := testdb.LoginRole(t, u, "rlslost")
		if _, err := db.GrantLevel(ctx, role, rules.LevelAgent); err != nil {
			t.Fatal(err)
		}
		rdb, err := store.Open(ctx, roleURL)
		if err != nil {
			t.Fatal(err)
		}
		defer rdb.Close()
		for _, table := range []string{"orgs", "agents", "chats", "users", "messages", "chat_events", "notifications", "campaign_recipients", "labels", "campaigns", "spam_batches"} {
			if n := countOf(t, rdb, `SELECT count(*) FROM `+table); n != 0 {
				t.Errorf("unbound agent level: %d rows of %s, want 0", n, table)
			}
		}
	})
}

func checkAgentView(t *testing.T, rdb *store.DB, w rlsWorld, a rlsAgent) {
	ctx := context.Background()
	seen, markable, unmarkable := w.visible(a)
	want := fmt.Sprint(seen)
	// Reads: each table's users are exactly the visible ones, each with all
	// of its rows.
	for _, c := range []struct {
		table, col string
		perUser    int
	}{
		{"chats", "user_id", 1}, {"users", "id", 1}, {"messages", "user_id", 2},
		{"chat_events", "user_id", 1}, {"campaign_recipients", "user_id", 1},
	} {
		if got := idsOf(t, rdb, fmt.Sprintf(`SELECT DISTINCT %s FROM %s ORDER BY 1`, c.col, c.table)); got != want {
			t.Errorf("%s: sees users %s, rules say %s", c.table, got, want)
		}
		if n := countOf(t, rdb, `SELECT count(*) FROM `+c.table); n != c.perUser*len(seen) {
			t.Errorf("%s: sees %d rows, want %d", c.table, n, c.perUser*len(seen))
		}
	}
	// Notifications: its own, for non-spam users it can see (rule 6
	// stored none for spam users).
	var notified []int64
	for _, id := range seen {
		if !w.chats[a.org][id].Spam {
			notified = append(notified, id)
		}
	}
	if got := idsOf(t, rdb, `SELECT user_id FROM notifications ORDER BY 1`); got != fmt.Sprint(notified) {
		t.Errorf("notifications: sees %s, want %s", got, fmt.Sprint(notified))
	}
	if n := countOf(t, rdb, `SELECT count(*) FROM notifications WHERE agent_id <> $1`, a.ID); n != 0 {
		t.Errorf("notifications: sees %d of other agents", n)
	}
	for _, table := range []string{"orgs", "agents", "campaigns"} {
		col := "org_id"
		if table == "orgs" {
			col = "id"
		}
		if n := countOf(t, rdb, fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s <> $1`, table, col), a.org); n != 0 {
			t.Errorf("%s: sees %d rows of other orgs", table, n)
		}
	}
	if n := countOf(t, rdb, `SELECT count(*) FROM agents`); n != len(w.agents[a.org]) {
		t.Errorf("agents: sees %d, want its org's %d", n, len(w.agents[a.org]))
	}

	// Writes, each rolled back: what psql can change is what rule 8 allows.
	inTx := func(what string, fn func(tx *sql.Tx) error) {
		t.Helper()
		tx, err := rdb.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if err := fn(tx); err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	affected := func(tx *sql.Tx, q string, args ...any) (int, error) {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return 0, err
		}
		n, err := res.RowsAffected()
		return int(n), err
	}
	inTx("mark every user", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, store.SpamWriteSQL); err != nil {
			return err
		}
		got := idsOf(t, tx, `WITH m AS (UPDATE users SET spam = true WHERE NOT spam RETURNING id) SELECT id FROM m ORDER BY 1`)
		if got != fmt.Sprint(markable) {
			return fmt.Errorf("marked %s, rules allow %s", got, fmt.Sprint(markable))
		}
		return nil
	})
	inTx("unmark every user", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, store.SpamWriteSQL); err != nil {
			return err
		}
		got := idsOf(t, tx, `WITH m AS (UPDATE users SET spam = false WHERE spam RETURNING id) SELECT id FROM m ORDER BY 1`)
		if got != fmt.Sprint(unmarkable) {
			return fmt.Errorf("unmarked %s, rules allow %s", got, fmt.Sprint(unmarkable))
		}
		return nil
	})
	inTx("touch every chat", func(tx *sql.Tx) error {
		n, err := affected(tx, `UPDATE chats SET last_message = 'x'`)
		if err == nil && n != len(seen) {
			err = fmt.Errorf("changed %d chats, can see %d", n, len(seen))
		}
		return err
	})
	inTx("touch every recipient entry", func(tx *sql.Tx) error {
		n, err := affected(tx, `UPDATE campaign_recipients SET updated_at = now()`)
		if err == nil && n != len(seen) {
			err = fmt.Errorf("changed %d entries, can see %d", n, len(seen))
		}
		return err
	})
	inTx("raise its own access", func(tx *sql.Tx) error {
		n, err := affected(tx, `UPDATE agents SET access = 'all', role = 'owner' WHERE id = $1`, a.ID)
		if err == nil && a.role != "owner" && n != 0 {
			err = fmt.Errorf("a %s changed its own agent row", a.role)
		}
		return err
	})
	seenSet := map[int64]bool{}
	for _, id := range seen {
		seenSet[id] = true
	}
	for _, org := range w.orgs {
		for id, c := range w.chats[org] {
			if c.Spam {
				continue
			}
			ok := org == a.org && seenSet[id]
			inTx(fmt.Sprintf("send to user %d of org %d", id, org), func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO messages (org_id, user_id, direction, agent_id, text) VALUES ($1, $2, 'outbound', $3, 'x')`, org, id, a.ID)
				switch {
				case ok && err != nil:
					return fmt.Errorf("refused in the view: %v", err)
				case !ok && err == nil:
					return fmt.Errorf("allowed outside the view")
				case !ok && !strings.Contains(err.Error(), "row-level security"):
					return fmt.Errorf("refused, but not by row-level security: %v", err)
				}
				return nil
			})
		}
	}
	inTx("write into another org", func(tx *sql.Tx) error {
		for _, org := range w.orgs {
			if org == a.org {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO labels (org_id, name) VALUES ($1, 'x')`, org); err == nil {
				return fmt.Errorf("a label was added to org %d", org)
			}
			return nil
		}
		return nil
	})
}

func idsOf(t *testing.T, q store.Querier, query string, args ...any) string {
	t.Helper()
	rows, err := q.QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(ids) == 0 {
		return fmt.Sprint([]int64(nil))
	}
	return fmt.Sprint(ids)
}

func countOf(t *testing.T, q store.Querier, query string, args ...any) int {
	t.Helper()
	var n int
	if err := q.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// TestRowLevelSecurityThroughTheBinary runs the built binary as a login
// role at level agent bound to ravi (assigned access) on the demo data:
// every folder page is the page the schema owner gets acting as ravi;
// user show and a dry-run mark of users outside ravi's view are refused,
// spam or not, and a user inside it is shown and markable; and the same
// role through SQL sees exactly the chats rules.Visibility gives ravi.
func TestRowLevelSecurityThroughTheBinary(t *testing.T) {
	r := newRoles(t, 300)
	d := r.d
	// Spam users: marked by the owner, outside ravi's view or not.
	if res := run(t, d.env("INBOXCTL_AGENT="+seed.Owner), nil, "spam", "mark", "+919800000002", "+919800000003", "+919800000004", "--yes"); res.Code != 0 {
		t.Fatalf("spam mark as the owner:\n%s", res)
	}
	owner := d.env("INBOXCTL_AGENT=" + d.ravi.Agent.Email)
	agent := []string{"INBOXCTL_DATABASE_URL=" + r.agentURL}
	for _, folder := range []string{"you", "unassigned", "spam"} {
		args := []string{"inbox", "list", "--folder", folder, "--limit", "1000", "-o", "json"}
		want := run(t, owner, nil, args...)
		got := run(t, agent, nil, args...)
		if want.Code != 0 || got.Code != 0 || got.Stdout != want.Stdout {
			t.Errorf("inbox list --folder %s as ravi's role differs from the owner acting as ravi:\nowner: %s\nrole: %s", folder, want, got)
		}
	}
	// Users in and out of ravi's view, spam and not, chosen by the rules.
	var hiddenSpam, hiddenPlain, shown string
	rows, err := d.db.Query(`SELECT u.phone, c.folder = 'spam', coalesce(c.assignee_id, 0), coalesce(c.spam_marked_by, 0)
		FROM users u JOIN chats c ON c.org_id = u.org_id AND c.user_id = u.id WHERE u.org_id = $1 ORDER BY u.id`, d.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	visible := 0
	for rows.Next() {
		var phone string
		var c rules.Chat
		if err := rows.Scan(&phone, &c.Spam, &c.AssigneeID, &c.MarkedBy); err != nil {
			t.Fatal(err)
		}
		switch see := rules.CanSee(d.ravi.Agent.Rule(), c); {
		case see:
			visible++
			if shown == "" && !c.Spam {
				shown = phone
			}
		case c.Spam && hiddenSpam == "":
			hiddenSpam = phone
		case !c.Spam && hiddenPlain == "":
			hiddenPlain = phone
		}
	}
	rows.Close()
	if hiddenSpam == "" || hiddenPlain == "" || shown == "" {
		t.Fatalf("the demo data lacks a case: hidden spam %q, hidden %q, shown %q", hiddenSpam, hiddenPlain, shown)
	}
	for _, phone := range []string{hiddenSpam, hiddenPlain} {
		res := run(t, agent, nil, "user", "show", phone, "-o", "json")
		if res.Code != 4 || res.Stdout != "" || !strings.Contains(res.Stderr, "outside your view") {
			t.Errorf("user show %s outside the view:\n%s", phone, res)
		}
	}
	if res := run(t, agent, nil, "user", "show", shown, "-o", "json"); res.Code != 0 || !strings.Contains(res.Stdout, shown) {
		t.Errorf("user show %s in the view:\n%s", shown, res)
	}
	res := run(t, agent, nil, "spam", "mark", hiddenSpam, hiddenPlain, shown, "+919899999999", "--dry-run", "--skip-refused", "--skip-missing", "-o", "ndjson")
	want := fmt.Sprintf(`{"ref":%q,"line":null,"user_id":null,"status":"refused","batch_id":null}
{"ref":%q,"line":null,"user_id":null,"status":"refused","batch_id":null}
`, hiddenSpam, hiddenPlain)
	if res.Code != 0 || !strings.HasPrefix(res.Stdout, want) || !strings.Contains(res.Stdout, `"status":"marked"`) || !strings.Contains(res.Stdout, `"status":"not_found"`) {
		t.Errorf("spam mark --dry-run as ravi's role:\n%s\nwant it to start with\n%s", res, want)
	}
	// psql-style SQL as the role: exactly ravi's visible chats.
	rdb, err := store.Open(context.Background(), r.agentURL)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if n := countOf(t, rdb, `SELECT count(*) FROM chats`); n != visible {
		t.Errorf("SELECT count(*) FROM chats as ravi's role: %d, rules say %d", n, visible)
	}
	if n := countOf(t, rdb, `SELECT count(*) FROM users WHERE phone = $1`, hiddenSpam); n != 0 {
		t.Errorf("ravi's role reads the hidden spam user through SQL")
	}
}
