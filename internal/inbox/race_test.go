package inbox_test

import (
	"context"
	"fmt"
	"math/rand"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/inbox"
	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/spam"
)

// TestActionsRacingMarksNeverLandOnSpam is rule 11 for the frozen chat:
// goroutines assign, unassign, label, unlabel and send in a loop, and one
// receives messages, while another marks and unmarks the same users.
// Afterwards no chat's timeline holds an assign, label, outbound message or
// notification between a marked_spam and the next unmarked_spam (rules 3,
// 6), and every inbound message was stored.
//
// Events and messages live in two tables with their own ids and with times
// taken at different moments (now() is a transaction's start), so neither
// orders one against the other. Test-only triggers log every event and
// outbound message with one shared sequence as it is inserted. Each insert
// happens while its transaction holds the chat row's lock (the mark takes it
// before writing its event; an action takes it before its check), so the
// log's order is the order in which the chat's writers held it.
func TestActionsRacingMarksNeverLandOnSpam(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newFixture(t, 16)
	if _, err := fx.db.Exec(`
		CREATE TABLE race_log (seq bigserial PRIMARY KEY, user_id bigint NOT NULL, kind text NOT NULL);
		CREATE FUNCTION race_log() RETURNS trigger LANGUAGE plpgsql AS
			$$ BEGIN INSERT INTO race_log (user_id, kind) VALUES (NEW.user_id, TG_ARGV[0]); RETURN NULL; END $$;
		CREATE FUNCTION race_log_event() RETURNS trigger LANGUAGE plpgsql AS
			$$ BEGIN INSERT INTO race_log (user_id, kind) VALUES (NEW.user_id, NEW.event); RETURN NULL; END $$;
		CREATE TRIGGER race_log AFTER INSERT ON chat_events FOR EACH ROW EXECUTE FUNCTION race_log_event();
		CREATE TRIGGER race_log AFTER INSERT ON messages FOR EACH ROW WHEN (NEW.direction = 'outbound') EXECUTE FUNCTION race_log('sent');
		CREATE TRIGGER race_log AFTER INSERT ON notifications FOR EACH ROW EXECUTE FUNCTION race_log('notified');`); err != nil {
		t.Fatal(err)
	}
	const users = 16
	var done, refused atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, 64)
	actors := []directory.Actor{fx.owner, fx.asha}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(w)))
			for i := 0; i < 120; i++ {
				a := actors[rng.Intn(len(actors))]
				r := ref(int64(1 + rng.Intn(users)))
				var err error
				switch rng.Intn(5) {
				case 0:
					_, err = inbox.Assign(ctx, fx.db, a, r, []string{seed.Asha, seed.Ravi, seed.Owner}[rng.Intn(3)])
				case 1:
					_, err = inbox.Unassign(ctx, fx.db, a, r)
				case 2:
					_, err = inbox.SetLabel(ctx, fx.db, a, r, fmt.Sprintf("l%d", rng.Intn(4)))
				case 3:
					_, err = inbox.ClearLabel(ctx, fx.db, a, r)
				default:
					_, err = inbox.Send(ctx, fx.db, a, r, "hello")
				}
				switch errs.ExitCode(err) {
				case errs.OK:
					done.Add(1)
				case errs.Refused:
					refused.Add(1)
				default:
					errc <- err
					return
				}
			}
		}(w)
	}
	// Inbound messages race too: one from a spam user must notify nobody.
	var received atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewSource(42))
		for i := 0; i < 150; i++ {
			if _, err := inbox.Receive(ctx, fx.db, fx.org.ID, seed.Phone(1+rng.Intn(users)), "ping"); err != nil {
				errc <- err
				return
			}
			received.Add(1)
		}
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewSource(99))
		for i := 0; i < 60; i++ {
			var refs []string
			for id := 1; id <= users; id++ {
				if rng.Intn(2) == 0 {
					refs = append(refs, fmt.Sprint(id))
				}
			}
			var err error
			if i%2 == 0 {
				_, err = spam.Mark(ctx, fx.db, fx.owner, spam.Request{Refs: refs})
			} else {
				_, err = spam.Unmark(ctx, fx.db, fx.owner, spam.Request{Refs: refs})
			}
			if err != nil {
				errc <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatalf("an action or mark failed: %v", err)
	}
	if n := fx.count(t, `SELECT count(*) FROM messages WHERE direction = 'inbound' AND text = 'ping'`); int64(n) != received.Load() {
		t.Fatalf("%d inbound messages stored, %d received", n, received.Load())
	}
	if done.Load() == 0 || refused.Load() == 0 {
		t.Fatalf("the race did not exercise both outcomes: %d done, %d refused", done.Load(), refused.Load())
	}
	marks := fx.count(t, `SELECT count(*) FROM race_log WHERE kind = 'marked_spam'`)
	if marks == 0 {
		t.Fatal("nothing was marked")
	}
	rows, err := fx.db.Query(`SELECT user_id, kind FROM race_log ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	isSpam := map[int64]bool{}
	violations := 0
	for rows.Next() {
		var id int64
		var kind string
		if err := rows.Scan(&id, &kind); err != nil {
			t.Fatal(err)
		}
		switch kind {
		case "marked_spam":
			isSpam[id] = true
		case "unmarked_spam":
			isSpam[id] = false
		default:
			if isSpam[id] {
				violations++
				t.Errorf("user %d: %s between marked_spam and unmarked_spam", id, kind)
			}
		}
	}
	if violations > 0 {
		t.Fatalf("%d actions landed on spam chats", violations)
	}
	t.Logf("%d actions done, %d refused, %d marks, %d notifications", done.Load(), refused.Load(), marks,
		fx.count(t, `SELECT count(*) FROM race_log WHERE kind = 'notified'`))
}
