package reliability

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/spam"
	"github.com/inboxctl/inboxctl/internal/store"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

// TestRuleGuardsForEveryWriter: a writer around inboxctl (a sender
// service's or webhook's role, with plain grants and no inboxctl level)
// writes through SQL. Assigning, labelling or messaging a spam user's chat
// and changing a spam flag, the spam trait or a chat's spam state are
// refused naming the rule; a pending entry for a spam user is stored
// excluded (reason spam); a notification for a spam user is not stored;
// the same writes on a user who is not spam go through.
func TestRuleGuardsForEveryWriter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := newDemo(t, 12)
	// User 2 (the owner's chat) is spam; user 4 (asha's) is not.
	if _, err := spam.Mark(ctx, d.db, d.owner, spam.Request{Refs: []string{"2"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.db.Exec(`UPDATE campaigns SET scheduled_at = now() WHERE name = 'Diwali Sale'`); err != nil {
		t.Fatal(err)
	}
	role, u := testdb.LoginRole(t, d.url, "sender")
	if _, err := d.db.Exec(`GRANT SELECT, INSERT, UPDATE ON users, chats, messages, campaign_recipients, notifications TO ` + role + `;
		GRANT SELECT ON orgs, agents, labels, campaigns TO ` + role); err != nil {
		t.Fatal(err)
	}
	w, err := store.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	refused := []struct{ rule, sql string }{
		{"Rule 3", `UPDATE chats SET assignee_id = (SELECT id FROM agents WHERE email = 'asha@demo.test') WHERE user_id = 2`},
		{"Rule 3", `UPDATE chats SET assignee_id = NULL WHERE user_id = 2`},
		{"Rule 3", `UPDATE chats SET label_id = (SELECT id FROM labels WHERE name = 'vip') WHERE user_id = 2`},
		{"Rule 3", `INSERT INTO messages (org_id, user_id, direction, text) SELECT id, 2, 'outbound', 'buy now' FROM orgs`},
		{"Rule 4", `UPDATE users SET spam = false WHERE id = 2`},
		{"Rule 4", `UPDATE users SET traits = traits || '{"Marked as Spam": "No"}' WHERE id = 2`},
		{"Rule 4", `UPDATE users SET spam = true WHERE id = 4`},
		{"Rule 4", `UPDATE users SET traits = traits || '{"Marked as Spam": "Yes"}' WHERE id = 4`},
		{"Rule 4", `INSERT INTO users (org_id, phone, spam) SELECT id, '+447000000001', true FROM orgs`},
		{"Rule 4", `UPDATE chats SET folder = 'inbox' WHERE user_id = 2`},
		{"Rule 4", `UPDATE chats SET folder = 'spam' WHERE user_id = 4`},
	}
	before := d.count(t, `SELECT count(*) FROM chat_events`) + d.count(t, `SELECT count(*) FROM messages`)
	for _, r := range refused {
		_, err := w.ExecContext(ctx, r.sql)
		if err == nil || !strings.Contains(err.Error(), r.rule+":") {
			t.Errorf("%s: want a refusal naming %s, got %v", r.sql, r.rule, err)
		}
	}
	d.invariants(t)
	if after := d.count(t, `SELECT count(*) FROM chat_events`) + d.count(t, `SELECT count(*) FROM messages`); after != before {
		t.Errorf("refused writes left rows: %d -> %d", before, after)
	}
	// What the rules allow goes through, for the user who is not spam, and
	// an inbound message of the spam user is stored (rule 1).
	for _, q := range []string{
		`UPDATE chats SET assignee_id = NULL, label_id = (SELECT id FROM labels WHERE name = 'vip') WHERE user_id = 4`,
		`INSERT INTO messages (org_id, user_id, direction, text) SELECT id, 4, 'outbound', 'hello' FROM orgs`,
		`INSERT INTO messages (org_id, user_id, direction, text) SELECT id, 2, 'inbound', 'still here' FROM orgs`,
		`UPDATE users SET name = 'Renamed', traits = traits || '{"city": "Goa"}' WHERE id IN (2, 4)`,
	} {
		if _, err := w.ExecContext(ctx, q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	// A bulk writer's job goes on: pending for the spam user is stored
	// excluded (spam); notifications for the spam user are not stored.
	if _, err := w.ExecContext(ctx, `INSERT INTO campaign_recipients (org_id, campaign_id, user_id, status)
		SELECT c.org_id, c.id, u.id, 'pending' FROM campaigns c, users u WHERE c.name = 'Diwali Sale' AND u.id IN (2, 4)`); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ExecContext(ctx, `UPDATE campaign_recipients SET status = 'excluded', reason = 'manual' WHERE user_id = 4`); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ExecContext(ctx, `UPDATE campaign_recipients SET status = 'pending', reason = NULL WHERE user_id IN (2, 4)`); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int]string{2: "excluded spam", 4: "pending "} {
		var got string
		if err := d.db.QueryRow(`SELECT status || ' ' || coalesce(reason, '') FROM campaign_recipients WHERE user_id = $1`, id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("entry of user %d: %q, want %q", id, got, want)
		}
	}
	res, err := w.ExecContext(ctx, `INSERT INTO notifications (org_id, agent_id, user_id, message_id, text)
		SELECT m.org_id, a.id, m.user_id, m.id, m.text FROM messages m, agents a
		WHERE m.org_id = a.org_id AND m.user_id IN (2, 4) AND m.direction = 'inbound'`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 3 || d.count(t, `SELECT count(*) FROM notifications WHERE user_id = 2`) != 0 {
		t.Errorf("notifications: %d stored (want 3, for user 4 only), %d for the spam user", n, d.count(t, `SELECT count(*) FROM notifications WHERE user_id = 2`))
	}
	// The writer changed recipient entries around inboxctl: recount the
	// tallies, as campaign check does on the dirty note, so the invariants
	// hold them to the rows.
	if _, err := d.db.RepairTallies(ctx, d.org.ID, true); err != nil {
		t.Fatal(err)
	}
	d.invariants(t)
	// Through inboxctl, the same refusals are exit 4 naming the rule.
	r := inProcess(t, nil, d.url, "", "--as", "owner@demo.test", "chat", "label", "set", "2", "vip")
	if r.Code != 4 || !strings.Contains(r.Stderr, "marked as spam") {
		t.Errorf("chat label set on the spam user:\n%s", r)
	}
}

// TestRuleGuardsRefuseAForgedSetting: the settings through which inboxctl's
// own mark, unmark and list writes pass the guards (inboxctl.spam_write,
// inboxctl.tallied) are honoured only for the schema owner and roles at
// level agent or admin. A writer around inboxctl that sets one itself is
// refused before its statement runs: it can neither flag spam outside
// mark/unmark nor write a pending entry for a spam user past rule 5 and the
// tallies. The same statements as an admin-level role go through.
func TestRuleGuardsRefuseAForgedSetting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := newDemo(t, 12)
	if _, err := spam.Mark(ctx, d.db, d.owner, spam.Request{Refs: []string{"2"}}); err != nil {
		t.Fatal(err)
	}
	grants := `GRANT SELECT, INSERT, UPDATE ON users, chats, campaign_recipients TO %s; GRANT SELECT ON orgs, campaigns TO %s`
	sender, senderURL := testdb.LoginRole(t, d.url, "forger")
	if _, err := d.db.Exec(fmt.Sprintf(grants, sender, sender)); err != nil {
		t.Fatal(err)
	}
	forged := []struct{ setting, sql string }{
		{"inboxctl.spam_write", `UPDATE users SET spam = true WHERE id = 4`},
		{"inboxctl.spam_write", `UPDATE chats SET folder = 'inbox' WHERE user_id = 2`},
		{"inboxctl.spam_write", `INSERT INTO users (org_id, phone, spam) SELECT id, '+447000000002', true FROM orgs`},
		{"inboxctl.tallied", `INSERT INTO campaign_recipients (org_id, campaign_id, user_id, status)
			SELECT c.org_id, c.id, 2, 'pending' FROM campaigns c WHERE c.name = 'Diwali Sale'`},
		{"inboxctl.tallied", `UPDATE campaign_recipients SET status = 'pending', reason = NULL WHERE user_id = 2`},
	}
	// exec runs sql in one transaction after setting setting, as role url.
	exec := func(url, setting, sql string) error {
		db, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `SELECT set_config($1, 'on', true)`, setting); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, sql); err != nil {
			return err
		}
		return tx.Commit()
	}
	before := d.count(t, `SELECT count(*) FROM users WHERE spam`) + d.count(t, `SELECT count(*) FROM campaign_recipients WHERE status = 'pending'`)
	for _, f := range forged {
		err := exec(senderURL, f.setting, f.sql)
		if err == nil || !strings.Contains(err.Error(), "Role "+sender+" may not write") || !strings.Contains(err.Error(), "level agent or admin") {
			t.Errorf("%s with %s forged by a plain role: want the refusal naming who may, got %v", f.sql, f.setting, err)
		}
	}
	if after := d.count(t, `SELECT count(*) FROM users WHERE spam`) + d.count(t, `SELECT count(*) FROM campaign_recipients WHERE status = 'pending'`); after != before {
		t.Errorf("forged writes changed rows: %d -> %d", before, after)
	}
	d.invariants(t)

	// A role inboxctl runs as at level admin is trusted with the settings:
	// the setting itself is not what the guard refuses.
	admin, adminURL := testdb.LoginRole(t, d.url, "trusted")
	if _, err := d.db.Exec(fmt.Sprintf(grants, admin, admin)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.db.GrantLevel(ctx, admin, rules.LevelAdmin); err != nil {
		t.Fatal(err)
	}
	if err := exec(adminURL, "inboxctl.tallied", `UPDATE campaign_recipients SET reason = reason WHERE user_id = 2`); err != nil {
		t.Errorf("an admin-level role's own list write with inboxctl.tallied: %v", err)
	}
}
