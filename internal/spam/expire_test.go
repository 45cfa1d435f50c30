package spam_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/spam"
	"github.com/inboxctl/inboxctl/internal/store"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

// expireNow moves the expiry of the given users' expiring marks into the
// past, as time passing would.
func (fx fixture) expireNow(t *testing.T, ids ...int64) {
	t.Helper()
	if _, err := fx.db.Exec(`UPDATE users SET spam_until = now() - interval '1 second' WHERE id = ANY($1) AND spam_until IS NOT NULL`, store.Int64Array(ids)); err != nil {
		t.Fatal(err)
	}
}

func TestExpireRevertsEverythingOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newFixture(t, 20)
	if _, err := fx.db.Exec(`INSERT INTO campaign_recipients (org_id, campaign_id, user_id, status)
		SELECT u.org_id, c.id, u.id, 'pending' FROM users u, campaigns c WHERE c.name = 'Diwali Sale'`); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.RepairTallies(ctx, fx.org.ID, true); err != nil {
		t.Fatal(err)
	}
	hour, err := spam.Mark(ctx, fx.db, fx.owner, spam.Request{Refs: []string{"1", "2", "3"}, Reason: "abusive", Expiry: input.Expiry{For: time.Hour}})
	if err != nil || hour.Changed != 3 {
		t.Fatalf("mark --for 1h: %+v %v", hour, err)
	}
	if _, err := spam.Mark(ctx, fx.db, fx.owner, spam.Request{Refs: []string{"4"}}); err != nil {
		t.Fatal(err)
	}
	// --for counts from the mark's own time, on the database's clock.
	if n := fx.count(t, `SELECT count(*) FROM users WHERE id IN (1, 2, 3) AND spam_until = spam_marked_at + interval '1 hour'`); n != 3 {
		t.Fatalf("%d users expire an hour after their mark", n)
	}
	if n := fx.count(t, `SELECT count(*) FROM spam_batches WHERE id = $1 AND until = (SELECT spam_until FROM users WHERE id = 1)`, *hour.BatchID); n != 1 {
		t.Fatal("the mark batch does not record its expiry")
	}
	card, err := directory.ShowUser(ctx, fx.db, fx.org.ID, input.Ref{ID: 1}, nil)
	if err != nil || card.SpamUntil == nil || card.SpamExpired || *card.Timeline[0].Detail != "until "+card.SpamUntil.UTC().Format(time.RFC3339) {
		t.Fatalf("card %+v %v", card, err)
	}

	// Nothing has expired: nothing changes, no batch.
	sum, err := spam.Expire(ctx, fx.db, fx.org, spam.ExpireRequest{})
	if err != nil || sum.Changed != 0 || sum.BatchID != nil {
		t.Fatalf("expire with nothing expired: %+v %v", sum, err)
	}

	// Two marks expire: still marks until spam expire runs.
	fx.expireNow(t, 1, 2)
	card, err = directory.ShowUser(ctx, fx.db, fx.org.ID, input.Ref{ID: 1}, nil)
	if err != nil || !card.Spam || !card.SpamExpired {
		t.Fatalf("an expired mark before spam expire: %+v %v", card, err)
	}
	waiting, err := store.ExpiredMarks(ctx, fx.db)
	if err != nil || len(waiting) != 1 || waiting[0].Count != 2 {
		t.Fatalf("marks waiting: %+v %v", waiting, err)
	}
	var listed []spam.Entry
	if err := spam.List(ctx, fx.db, fx.owner, spam.ListOptions{ExpiringWithin: time.Minute}, func(e spam.Entry) error {
		listed = append(listed, e)
		return nil
	}); err != nil || len(listed) != 2 || !listed[0].Expired || !listed[1].Expired {
		t.Fatalf("spam list --expiring-within 1m: %+v %v", listed, err)
	}

	dry, err := spam.Expire(ctx, fx.db, fx.org, spam.ExpireRequest{DryRun: true})
	if err != nil || dry.Changed != 2 || dry.BatchID != nil || fx.count(t, `SELECT count(*) FROM users WHERE spam`) != 4 {
		t.Fatalf("dry run: %+v %v", dry, err)
	}
	var statuses []spam.RefStatus
	sum, err = spam.Expire(ctx, fx.db, fx.org, spam.ExpireRequest{OnRef: func(s spam.RefStatus) error {
		statuses = append(statuses, s)
		return nil
	}})
	if err != nil || sum.Changed != 2 || sum.Requested != 2 || sum.BatchID == nil || len(statuses) != 2 || statuses[0].Status != "unmarked" {
		t.Fatalf("expire: %+v %+v %v", sum, statuses, err)
	}
	fx.invariants(t)
	// Rule 9 in full for 1 and 2; 3 (not expired) and 4 (no expiry) stay.
	if n := fx.count(t, `SELECT count(*) FROM users WHERE spam`); n != 2 {
		t.Fatalf("%d spam users left, want 2", n)
	}
	if n := fx.count(t, `SELECT count(*) FROM campaign_recipients WHERE status = 'pending' AND user_id IN (1, 2)`); n != 2 {
		t.Fatalf("%d entries of the expired users back to pending, want 2", n)
	}
	if n := fx.count(t, `SELECT count(*) FROM users WHERE id IN (1, 2) AND NOT spam AND spam_until IS NULL AND traits->>'Marked as Spam' = 'No'`); n != 2 {
		t.Fatal("the expired users are not fully unmarked")
	}
	if n := fx.count(t, `SELECT count(*) FROM spam_batches WHERE id = $1 AND action = 'expire' AND actor_id IS NULL AND reason = $2
		AND requested = 2 AND changed = 2 AND db_role = session_user`, *sum.BatchID, rules.ExpiredReason); n != 1 {
		t.Fatal("no expire batch with no actor and reason expired")
	}
	if n := fx.count(t, `SELECT count(*) FROM chat_events WHERE event = 'unmarked_spam' AND batch_id = $1 AND actor_id IS NULL AND reason = $2`,
		*sum.BatchID, rules.ExpiredReason); n != 2 {
		t.Fatalf("%d expire events, want 2", n)
	}
	if n := fx.count(t, `SELECT count(*) FROM chats WHERE user_id IN (1, 2) AND folder = 'inbox' AND spam_marked_by IS NULL`); n != 2 {
		t.Fatal("the chats are not back in the inbox")
	}

	// Idempotent: again, nothing.
	again, err := spam.Expire(ctx, fx.db, fx.org, spam.ExpireRequest{})
	if err != nil || again.Changed != 0 || again.BatchID != nil {
		t.Fatalf("expire again: %+v %v", again, err)
	}
	if n := fx.count(t, `SELECT count(*) FROM spam_batches WHERE action = 'expire'`); n != 1 {
		t.Fatalf("%d expire batches, want 1", n)
	}
}

func TestRemarkReplacesTheExpiryOnlyWithOne(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newFixture(t, 10)
	day := input.Expiry{For: 24 * time.Hour}
	if _, err := spam.Mark(ctx, fx.db, fx.owner, spam.Request{Refs: []string{"1", "2"}, Expiry: day}); err != nil {
		t.Fatal(err)
	}
	// Without --for/--until: unchanged, the expiry stays.
	plain, err := spam.Mark(ctx, fx.db, fx.owner, spam.Request{Refs: []string{"1"}})
	if err != nil || plain.Unchanged != 1 || plain.Updated != 0 || fx.count(t, `SELECT count(*) FROM users WHERE id = 1 AND spam_until IS NOT NULL`) != 1 {
		t.Fatalf("re-mark without an expiry: %+v %v", plain, err)
	}
	// With one: updated, counted, on the timeline; a new user is marked.
	until := time.Date(2099, 1, 31, 0, 0, 0, 0, time.UTC)
	var statuses []string
	re, err := spam.Mark(ctx, fx.db, fx.owner, spam.Request{Refs: []string{"1", "3"}, Expiry: input.Expiry{Until: &until},
		OnRef: func(s spam.RefStatus) error { statuses = append(statuses, s.Status); return nil }})
	if err != nil || re.Updated != 1 || re.Changed != 1 || re.Unchanged != 0 || len(statuses) != 2 || statuses[0] != "updated" || statuses[1] != "marked" {
		t.Fatalf("re-mark --until: %+v %v %v", re, statuses, err)
	}
	if n := fx.count(t, `SELECT count(*) FROM users WHERE id IN (1, 3) AND spam_until = '2099-01-31Z'`); n != 2 {
		t.Fatal("the expiry was not replaced")
	}
	if n := fx.count(t, `SELECT count(*) FROM chat_events WHERE user_id = 1 AND event = 'spam_until_changed' AND detail = 'until 2099-01-31T00:00:00Z' AND batch_id = $1`, *re.BatchID); n != 1 {
		t.Fatal("the new expiry is not on the timeline")
	}
	// The same expiry again: unchanged (rule 10).
	same, err := spam.Mark(ctx, fx.db, fx.owner, spam.Request{Refs: []string{"1"}, Expiry: input.Expiry{Until: &until}})
	if err != nil || same.Unchanged != 1 || same.Updated != 0 {
		t.Fatalf("the same expiry again: %+v %v", same, err)
	}
	// Only the current mark counts: an unmark, then a mark without an
	// expiry, leaves nothing to expire.
	if _, err := spam.Unmark(ctx, fx.db, fx.owner, spam.Request{Refs: []string{"2"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := spam.Mark(ctx, fx.db, fx.owner, spam.Request{Refs: []string{"2"}}); err != nil {
		t.Fatal(err)
	}
	if n := fx.count(t, `SELECT count(*) FROM users WHERE id = 2 AND spam AND spam_until IS NULL`); n != 1 {
		t.Fatal("a mark without an expiry kept the old one")
	}
	fx.expireNow(t, 1, 2, 3)
	sum, err := spam.Expire(ctx, fx.db, fx.org, spam.ExpireRequest{})
	if err != nil || sum.Changed != 2 || fx.count(t, `SELECT count(*) FROM users WHERE id = 2 AND spam`) != 1 {
		t.Fatalf("expire after re-marks: %+v %v", sum, err)
	}
	fx.invariants(t)
	if _, err := spam.Unmark(ctx, fx.db, fx.owner, spam.Request{Refs: []string{"2"}, Expiry: day}); err == nil {
		t.Fatal("unmark took --for")
	}
}

// TestExpireBoundary: a mark that expires while an expire runs. Which clock
// wins: the database's, when the expire begins. The
// expire below is held on a row lock inside its transaction; meanwhile a
// second mark expires (its time set to the clock of that moment). It had not
// expired when the transaction began, so this expire leaves it (still a
// mark, shown as waiting) and the next one takes it.
func TestExpireBoundary(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newFixture(t, 10)
	if _, err := spam.Mark(ctx, fx.db, fx.owner, spam.Request{Refs: []string{"1", "2"}, Expiry: input.Expiry{For: time.Hour}}); err != nil {
		t.Fatal(err)
	}
	fx.expireNow(t, 1)
	hold, err := fx.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hold.Exec(`SELECT 1 FROM users WHERE id = 1 FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var sum spam.Summary
	var expErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		sum, expErr = spam.Expire(ctx, fx.db, fx.org, spam.ExpireRequest{})
	}()
	// The expire's transaction has begun once it waits for the lock; user
	// 2's mark expires now, after that.
	waitLock(t, fx.db)
	if _, err := fx.db.Exec(`UPDATE users SET spam_until = clock_timestamp() WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	card, err := directory.ShowUser(ctx, fx.db, fx.org.ID, input.Ref{ID: 2}, nil)
	if err != nil || !card.Spam || !card.SpamExpired {
		t.Fatalf("user 2 before the held expire ends: %+v %v", card, err)
	}
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if expErr != nil || sum.Changed != 1 || sum.Requested != 1 {
		t.Fatalf("the held expire: %+v %v", sum, expErr)
	}
	if n := fx.count(t, `SELECT count(*) FROM users WHERE id = 2 AND spam`); n != 1 {
		t.Fatal("a mark that expired after the expire began was taken by it")
	}
	next, err := spam.Expire(ctx, fx.db, fx.org, spam.ExpireRequest{})
	if err != nil || next.Changed != 1 || fx.count(t, `SELECT count(*) FROM users WHERE spam`) != 0 {
		t.Fatalf("the next expire: %+v %v", next, err)
	}
	fx.invariants(t)
}

// waitLock waits until some backend of db's database waits for a lock.
func waitLock(t *testing.T, db *store.DB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the expire never waited for the lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestExpiredWhereAgreesWithRules holds store.ExpiredWhere against
// rules.Expired on generated expiries, both on the database's clock.
func TestExpiredWhereAgreesWithRules(t *testing.T) {
	t.Parallel()
	fx := newFixture(t, 200)
	testdb.WithoutRuleGuards(t, fx.db)
	if _, err := fx.db.Exec(`UPDATE users SET spam = (id % 3 <> 0), spam_until = CASE WHEN id % 4 = 0 THEN NULL
		ELSE now() + (id % 7 - 3) * interval '1 hour' END`); err != nil {
		t.Fatal(err)
	}
	rows, err := fx.db.Query(`SELECT u.id, u.spam, u.spam_until, now(), coalesce(` + store.ExpiredWhere("u") + `, false) FROM users u`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[bool]int{}
	for rows.Next() {
		var id int64
		var isSpam, sqlSays bool
		var until *time.Time
		var now time.Time
		if err := rows.Scan(&id, &isSpam, &until, &now, &sqlSays); err != nil {
			t.Fatal(err)
		}
		if want := isSpam && rules.Expired(until, now); want != sqlSays {
			t.Errorf("user %d (spam %v, until %v): SQL says %v, rules say %v", id, isSpam, until, sqlSays, want)
		}
		seen[sqlSays]++
	}
	if seen[true] == 0 || seen[false] == 0 {
		t.Fatalf("the data tried one side only: %v", seen)
	}
}
