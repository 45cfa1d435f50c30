package campaign_test

import (
	"context"
	"fmt"
	"math/rand"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/campaign"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/spam"
	"github.com/inboxctl/inboxctl/internal/store"
)

// tallyFixture is a demo org with one-time campaigns over different
// segments, all scheduled.
func tallyFixture(t *testing.T, users int) (fixture, []int64) {
	t.Helper()
	ctx := context.Background()
	fx := newFixture(t, users)
	segs := []rules.Segment{{}, {"tier": "gold"}, {"city": "Delhi"}}
	for i, seg := range segs {
		if _, err := campaign.Create(ctx, fx.db, fx.org.ID, fmt.Sprintf("T%d", i), rules.OneTime, seg); err != nil {
			t.Fatal(err)
		}
	}
	var ids []int64
	rows, err := fx.db.Query(`SELECT id FROM campaigns WHERE org_id = $1 AND kind = 'one-time' ORDER BY id`, fx.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	for _, name := range []string{"Diwali Sale", "T0", "T1", "T2"} {
		if _, err := campaign.Schedule(ctx, fx.db, fx.org.ID, name); err != nil {
			t.Fatal(err)
		}
	}
	return fx, ids
}

// exact fails unless the org's tallies equal its rows and nothing marks
// them dirty: what inboxctl's own writers leave.
func (fx fixture) exact(t *testing.T, ids []int64, step string) {
	t.Helper()
	ctx := context.Background()
	if dirty, err := store.TalliesDirty(ctx, fx.db, fx.org.ID); err != nil || dirty {
		t.Fatalf("after %s: tallies dirty=%v (%v)", step, dirty, err)
	}
	tallied, err := store.Tallies(ctx, fx.db, fx.org.ID, ids)
	if err != nil {
		t.Fatal(err)
	}
	counted := map[int64]store.Tally{}
	rows, err := fx.db.QueryContext(ctx, `SELECT r.campaign_id, count(*), count(*) FILTER (WHERE u.spam)
		FROM campaign_recipients r LEFT JOIN users u ON u.org_id = r.org_id AND u.id = r.user_id
		WHERE r.org_id = $1 AND r.status = 'pending' GROUP BY r.campaign_id`, fx.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var c store.Tally
		if err := rows.Scan(&id, &c.Pending, &c.Offenders); err != nil {
			t.Fatal(err)
		}
		counted[id] = c
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if tallied[id] != counted[id] {
			t.Fatalf("after %s: campaign %d tallies %+v, rows say %+v", step, id, tallied[id], counted[id])
		}
	}
	spamUsers, err := store.SpamUsers(ctx, fx.db, fx.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := fx.count(t, `SELECT count(*) FROM users WHERE org_id = $1 AND spam`, fx.org.ID); spamUsers != n {
		t.Fatalf("after %s: %d spam users tallied, %d in the rows", step, spamUsers, n)
	}
}

// agree: campaign check says from the tallies what it says from the rows
// (--full), and leaves the tallies exact (a write around inboxctl is
// recounted by the first check after it).
func (fx fixture) agree(t *testing.T, ids []int64, step string) {
	t.Helper()
	ctx := context.Background()
	fast, err := campaign.Check(ctx, fx.db, fx.org.ID, campaign.CheckRequest{All: true})
	if err != nil {
		t.Fatal(err)
	}
	fx.exact(t, ids, step+" and a check")
	full, err := campaign.Check(ctx, fx.db, fx.org.ID, campaign.CheckRequest{All: true, Full: true})
	if err != nil {
		t.Fatal(err)
	}
	if full.TallyDrift || fast.OK != full.OK || fast.Checked != full.Checked || !reflect.DeepEqual(fast.Offenders, full.Offenders) {
		t.Fatalf("after %s: the check from tallies %+v, from the rows %+v", step, fast, full)
	}
}

func someIDs(r *rand.Rand, users, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.Itoa(1 + r.Intn(users))
	}
	return out
}

func idList(ids []string) string { return "{" + strings.Join(ids, ",") + "}" }

// TestTalliesAgreeWithRows: on generated data, after each of a few hundred
// random changes — inboxctl's marks, unmarks, schedules and runs, and
// writes around inboxctl (psql flipping spam flags, rewriting, inserting
// and deleting recipient entries, TRUNCATE) — the campaign tallies equal a
// count of the rows, and campaign check answers from them what it answers
// from the rows.
func TestTalliesAgreeWithRows(t *testing.T) {
	ctx := context.Background()
	const users = 120
	fx, ids := tallyFixture(t, users)
	fx.agree(t, ids, "schedule")
	r := rand.New(rand.NewSource(7))
	raw := func(q string, args ...any) {
		t.Helper()
		if _, err := fx.db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for step := 0; step < 300; step++ {
		var what string
		inboxctl := false
		switch k := r.Intn(10); k {
		case 0, 1:
			what, inboxctl = "mark", true
			if _, err := spam.Mark(ctx, fx.db, fx.owner, spam.Request{Refs: someIDs(r, users, 1+r.Intn(8)), SkipRefused: true}); err != nil {
				t.Fatal(err)
			}
		case 2:
			what, inboxctl = "unmark", true
			if _, err := spam.Unmark(ctx, fx.db, fx.owner, spam.Request{Refs: someIDs(r, users, 1+r.Intn(8)), SkipRefused: true}); err != nil {
				t.Fatal(err)
			}
		case 3:
			what = "psql flips spam flags"
			raw(`UPDATE users SET spam = NOT spam WHERE org_id = $1 AND id = ANY($2::bigint[])`, fx.org.ID, idList(someIDs(r, users, 1+r.Intn(5))))
		case 4:
			what = "psql sets entries pending"
			raw(`UPDATE campaign_recipients SET status = 'pending', reason = NULL WHERE org_id = $1 AND user_id = ANY($2::bigint[])`, fx.org.ID, idList(someIDs(r, users, 1+r.Intn(5))))
		case 5:
			what = "psql excludes or sends entries"
			raw(`UPDATE campaign_recipients SET status = $3 WHERE org_id = $1 AND user_id = ANY($2::bigint[])`, fx.org.ID, idList(someIDs(r, users, 1+r.Intn(5))), []string{"excluded", "sent"}[r.Intn(2)])
		case 6:
			what = "psql deletes entries"
			raw(`DELETE FROM campaign_recipients WHERE org_id = $1 AND user_id = ANY($2::bigint[]) AND campaign_id = $3`, fx.org.ID, idList(someIDs(r, users, 1+r.Intn(5))), ids[r.Intn(len(ids))])
		case 7:
			what = "psql inserts pending entries, spam users among them"
			raw(`INSERT INTO campaign_recipients (org_id, campaign_id, user_id, status)
				SELECT $1, $3, id, 'pending' FROM users WHERE org_id = $1 AND id = ANY($2::bigint[])
				ON CONFLICT (org_id, campaign_id, run, user_id) DO UPDATE SET status = 'pending'`,
				fx.org.ID, idList(someIDs(r, users, 1+r.Intn(5))), ids[r.Intn(len(ids))])
		case 8:
			switch r.Intn(3) {
			case 0:
				what = "psql moves entries to another user"
				raw(`UPDATE campaign_recipients SET user_id = user_id + 1000 WHERE org_id = $1 AND user_id = $2`, fx.org.ID, 1+r.Intn(users))
			case 1:
				what = "psql adds a spam user and gives it pending entries"
				raw(`WITH u AS (INSERT INTO users (org_id, phone, spam) VALUES ($1, $2, true) RETURNING id)
					INSERT INTO campaign_recipients (org_id, campaign_id, user_id, status) SELECT $1, $3, id, 'pending' FROM u`,
					fx.org.ID, fmt.Sprintf("+4470%08d", step), ids[r.Intn(len(ids))])
			default:
				what = "psql deletes the users it added"
				raw(`DELETE FROM users WHERE org_id = $1 AND phone LIKE '+4470%'`, fx.org.ID)
			}
		case 9:
			if r.Intn(10) == 0 {
				what = "psql truncates the lists, then inboxctl schedules them again"
				raw(`TRUNCATE campaign_recipients`)
				raw(`UPDATE campaigns SET last_run_at = NULL, runs = 0 WHERE org_id = $1`, fx.org.ID)
				for _, name := range []string{"Diwali Sale", "T0", "T1", "T2"} {
					if _, err := campaign.Schedule(ctx, fx.db, fx.org.ID, name); err != nil {
						t.Fatal(err)
					}
				}
			} else {
				what, inboxctl = "run", true
				name := []string{"Diwali Sale", "T0", "T1", "T2"}[r.Intn(4)]
				if _, err := campaign.Run(ctx, fx.db, fx.org.ID, name); err != nil {
					t.Fatal(err)
				}
			}
		}
		if inboxctl {
			fx.exact(t, ids, fmt.Sprintf("step %d (%s)", step, what))
		}
		fx.agree(t, ids, fmt.Sprintf("step %d (%s)", step, what))
	}
	// The folds leave one row per campaign at most after a mark.
	if _, err := spam.Mark(ctx, fx.db, fx.owner, spam.Request{Refs: []string{"3"}}); err != nil {
		t.Fatal(err)
	}
	if n := fx.count(t, `SELECT count(*) FROM campaign_tallies WHERE org_id = $1`, fx.org.ID); n > int64(len(ids)) {
		t.Fatalf("%d tally rows for %d campaigns after a fold", n, len(ids))
	}
}

// TestTalliesUnderConcurrentWriters: inboxctl marking and unmarking while
// a schedule runs leaves exact tallies (the deltas are written under the
// locks that order those writers). With psql sessions flipping spam flags
// and inserting pending entries among them, and checks running all along
// (each recounting what it found dirty), the check after the last commit
// says from the tallies what the rows say, and leaves them exact.
func TestTalliesUnderConcurrentWriters(t *testing.T) {
	for _, withPSQL := range []bool{false, true} {
		t.Run(map[bool]string{false: "inboxctl", true: "inboxctl and psql"}[withPSQL], func(t *testing.T) {
			ctx := context.Background()
			const users = 200
			fx, ids := tallyFixture(t, users)
			if _, err := campaign.Create(ctx, fx.db, fx.org.ID, "Late", rules.OneTime, rules.Segment{}); err != nil {
				t.Fatal(err)
			}
			var late int64
			if err := fx.db.QueryRow(`SELECT id FROM campaigns WHERE org_id = $1 AND name = 'Late'`, fx.org.ID).Scan(&late); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errc := make(chan error, 16)
			done := make(chan struct{})
			writer := func(w int) {
				defer wg.Done()
				r := rand.New(rand.NewSource(int64(w)))
				for i := 0; i < 25; i++ {
					refs := someIDs(r, users, 1+r.Intn(20))
					var err error
					switch {
					case w%3 == 0 || !withPSQL && w%3 == 2:
						_, err = spam.Mark(ctx, fx.db, fx.owner, spam.Request{Refs: refs, SkipRefused: true})
					case w%3 == 1:
						_, err = spam.Unmark(ctx, fx.db, fx.owner, spam.Request{Refs: refs, SkipRefused: true})
					case r.Intn(2) == 0:
						_, err = fx.db.Exec(`UPDATE users SET spam = NOT spam WHERE org_id = $1 AND id = ANY($2::bigint[])`, fx.org.ID, idList(refs))
					default:
						_, err = fx.db.Exec(`INSERT INTO campaign_recipients (org_id, campaign_id, user_id, status)
							SELECT $1, $3, id, 'pending' FROM users WHERE org_id = $1 AND id = ANY($2::bigint[])
							ON CONFLICT (org_id, campaign_id, run, user_id) DO UPDATE SET status = 'pending'`,
							fx.org.ID, idList(refs), ids[r.Intn(len(ids))])
					}
					if err != nil && withPSQL && w%3 == 2 && (strings.Contains(err.Error(), "deadlock") || strings.Contains(err.Error(), "serialize")) {
						err = nil // psql's user would retry; what committed is what counts
					}
					if err != nil {
						errc <- fmt.Errorf("writer %d: %w", w, err)
						return
					}
				}
			}
			for w := 0; w < 6; w++ {
				wg.Add(1)
				go writer(w)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := campaign.Schedule(ctx, fx.db, fx.org.ID, "Late"); err != nil {
					errc <- fmt.Errorf("schedule: %w", err)
				}
			}()
			var checks sync.WaitGroup
			checks.Add(1)
			go func() {
				defer checks.Done()
				for {
					select {
					case <-done:
						return
					default:
					}
					if _, err := campaign.Check(ctx, fx.db, fx.org.ID, campaign.CheckRequest{All: true}); err != nil {
						errc <- fmt.Errorf("check: %w", err)
						return
					}
				}
			}()
			wg.Wait()
			close(done)
			checks.Wait()
			close(errc)
			for err := range errc {
				t.Fatal(err)
			}
			ids = append(ids, late)
			if !withPSQL {
				fx.exact(t, ids, "the concurrent writers")
			}
			fx.agree(t, ids, "the concurrent writers")
		})
	}
}

// TestCheckFullRepairsDrift: a writer with the triggers disabled (a
// restore with --disable-triggers) is the one way the tallies drift. The
// fast check then trusts them; --full reads the rows, lists the offender,
// says so and recounts, after which the fast check sees it too.
func TestCheckFullRepairsDrift(t *testing.T) {
	ctx := context.Background()
	fx, _ := tallyFixture(t, 30)
	fx.mark(t, "7")
	for _, q := range []string{
		`ALTER TABLE campaign_recipients DISABLE TRIGGER USER`,
		`UPDATE campaign_recipients SET status = 'pending', reason = NULL WHERE user_id = 7`,
		`ALTER TABLE campaign_recipients ENABLE TRIGGER USER`,
	} {
		if _, err := fx.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	fast, err := campaign.Check(ctx, fx.db, fx.org.ID, campaign.CheckRequest{Names: []string{"T0"}})
	if err != nil || !fast.OK {
		t.Fatalf("the fast check should trust the (drifted) tallies: %+v, %v", fast, err)
	}
	full, err := campaign.Check(ctx, fx.db, fx.org.ID, campaign.CheckRequest{Names: []string{"T0"}, Full: true})
	if err != nil || full.OK || !full.TallyDrift || len(full.Offenders) != 1 || full.Offenders[0].UserID != 7 {
		t.Fatalf("full check: %+v, %v", full, err)
	}
	again, err := campaign.Check(ctx, fx.db, fx.org.ID, campaign.CheckRequest{Names: []string{"T0"}})
	if err != nil || again.OK || again.TallyDrift || len(again.Offenders) != 1 || again.Checked != full.Checked {
		t.Fatalf("after the recount: %+v, %v", again, err)
	}
}

// TestDirtyCheckDoesNotWaitToRecount: a check that finds its org dirty
// answers from the rows; while another transaction folds the tallies it
// leaves the recount to a later check instead of waiting.
func TestDirtyCheckDoesNotWaitToRecount(t *testing.T) {
	ctx := context.Background()
	fx, ids := tallyFixture(t, 30)
	fx.mark(t, "7")
	if _, err := fx.db.Exec(`UPDATE campaign_recipients SET status = 'pending', reason = NULL WHERE user_id = 7`); err != nil {
		t.Fatal(err)
	}
	folder, err := fx.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer folder.Rollback()
	if _, err := folder.Exec(`SELECT pg_advisory_xact_lock($1, ($2 % 2147483647)::integer)`, store.TallyFoldLockKey, fx.org.ID); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := campaign.Check(ctx, fx.db, fx.org.ID, campaign.CheckRequest{All: true})
	if err != nil || res.OK || !res.TalliesDirty || len(res.Offenders) != 2 {
		t.Fatalf("dirty check: %+v, %v", res, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the check waited %v for the fold", d)
	}
	if dirty, _ := store.TalliesDirty(ctx, fx.db, fx.org.ID); !dirty {
		t.Fatal("recounted while another transaction held the fold lock")
	}
	folder.Rollback()
	again, err := campaign.Check(ctx, fx.db, fx.org.ID, campaign.CheckRequest{All: true})
	if err != nil || !reflect.DeepEqual(again.Offenders, res.Offenders) || again.Checked != res.Checked {
		t.Fatalf("second check: %+v, %v (first %+v)", again, err, res)
	}
	fx.exact(t, ids, "the second check")
}

// senderRole makes a role with a sender service's grants: it may read and
// write the recipient lists and users, and nothing else.
func (fx fixture) senderRole(t *testing.T) string {
	t.Helper()
	role := fmt.Sprintf("sender_%d", time.Now().UnixNano())
	for _, q := range []string{
		`CREATE ROLE ` + role,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON campaign_recipients, users TO ` + role,
	} {
		if _, err := fx.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		fx.db.Exec(`DROP OWNED BY ` + role)
		fx.db.Exec(`DROP ROLE ` + role)
	})
	return role
}

// TestWriterWithoutRightsOnTheTallies: a role that may only read and write
// the recipient lists and users (a sender service's) still writes them;
// the triggers note its writes with their owner's rights.
func TestWriterWithoutRightsOnTheTallies(t *testing.T) {
	ctx := context.Background()
	fx, _ := tallyFixture(t, 30)
	role := fx.senderRole(t)
	tx, err := fx.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, q := range []string{
		`SET LOCAL ROLE ` + role,
		`UPDATE users SET spam = true WHERE id = 3`,
		`UPDATE campaign_recipients SET status = 'pending', reason = NULL WHERE user_id = 3`,
	} {
		if _, err := tx.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	res, err := campaign.Check(ctx, fx.db, fx.org.ID, campaign.CheckRequest{Names: []string{"T0"}})
	if err != nil || res.OK || !res.TalliesDirty || len(res.Offenders) != 1 {
		t.Fatalf("check after the sender's write: %+v, %v", res, err)
	}
}

// TestDefinerTriggersIgnoreTheCallersTempSchema replays two attacks on the
// triggers that run with their owner's rights, as a role with only a
// sender's grants. A temporary table named like the dirty-note table, with
// a trigger of the caller's, must neither run with the owner's rights (it
// tried ALTER ROLE … SUPERUSER) nor swallow the note that keeps campaign
// check exact: the write is still noted, and the check finds the offender
// (exit 5).
func TestDefinerTriggersIgnoreTheCallersTempSchema(t *testing.T) {
	for _, attack := range []struct {
		name  string
		setup []string
	}{
		{"escalation", []string{
			`CREATE TEMP TABLE campaign_tally_dirty (org_id bigint, xact xid8)`,
			`CREATE FUNCTION pg_temp.grab() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN EXECUTE format('ALTER ROLE %I SUPERUSER', session_user); RETURN NULL; END $$`,
			`CREATE TRIGGER grab AFTER INSERT ON pg_temp.campaign_tally_dirty FOR EACH ROW EXECUTE FUNCTION pg_temp.grab()`,
		}},
		{"swallowed note", []string{
			`CREATE TEMP TABLE campaign_tally_dirty (org_id bigint, xact xid8)`,
		}},
	} {
		t.Run(attack.name, func(t *testing.T) {
			ctx := context.Background()
			fx, _ := tallyFixture(t, 30)
			role := fx.senderRole(t)
			if _, err := fx.db.Exec(`ALTER ROLE ` + role + ` LOGIN`); err != nil {
				t.Fatal(err)
			}
			// One session throughout: temporary objects live in it.
			conn, err := fx.db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			steps := append([]string{`SET SESSION AUTHORIZATION ` + role}, attack.setup...)
			steps = append(steps,
				`UPDATE users SET spam = true WHERE id = 3`,
				`UPDATE campaign_recipients SET status = 'pending', reason = NULL WHERE user_id = 3`,
				`UPDATE users SET name = name || '' WHERE id = 4`,
				`UPDATE users SET spam = true WHERE id = 4`,
			)
			for _, q := range steps {
				if _, err := conn.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			var super bool
			if err := fx.db.QueryRow(`SELECT rolsuper FROM pg_roles WHERE rolname = $1`, role).Scan(&super); err != nil {
				t.Fatal(err)
			}
			if super {
				t.Fatalf("the sender role %s became superuser through a trigger function", role)
			}
			var swallowed int64
			if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM pg_temp.campaign_tally_dirty`).Scan(&swallowed); err != nil {
				t.Fatal(err)
			}
			if swallowed != 0 {
				t.Fatalf("the caller's temporary table took %d dirty notes", swallowed)
			}
			if dirty, err := store.TalliesDirty(ctx, fx.db, fx.org.ID); err != nil || !dirty {
				t.Fatalf("the sender's write left no dirty note: dirty=%v (%v)", dirty, err)
			}
			res, err := campaign.Check(ctx, fx.db, fx.org.ID, campaign.CheckRequest{All: true})
			if err != nil {
				t.Fatal(err)
			}
			if res.OK || len(res.Offenders) == 0 { // cmd/campaign exits 5 on !OK
				t.Fatalf("check after the attack says no offender: %+v", res)
			}
		})
	}
}

// TestDefinerFunctionsFixTheirSearchPath: every function of the schema that
// runs with its owner's rights has search_path fixed to the schema with
// pg_temp last (a new one added without it fails here).
func TestDefinerFunctionsFixTheirSearchPath(t *testing.T) {
	fx, _ := tallyFixture(t, 5)
	rows, err := fx.db.Query(`SELECT p.proname, coalesce(array_to_string(p.proconfig, ';'), ''), current_schema()
		FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = current_schema() AND p.prosecdef`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	found := 0
	for rows.Next() {
		var name, config, schema string
		if err := rows.Scan(&name, &config, &schema); err != nil {
			t.Fatal(err)
		}
		found++
		if want := "search_path=" + schema + ", pg_temp"; !strings.Contains(config, want) {
			t.Errorf("%s runs with its owner's rights with %q, want %q", name, config, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Fatal("no SECURITY DEFINER function found: the query is wrong")
	}
}
