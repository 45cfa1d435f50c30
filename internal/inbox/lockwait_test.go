package inbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/inbox"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/store"
)

// An assign that waited for a mark to commit is refused with the sentence
// that names who marked the user, as one that came after the mark is.
func TestRefusalAfterWaitingForAMarkNamesTheMarker(t *testing.T) {
	fx := newFixture(t, 20)
	ctx := context.Background()
	// A mark in flight: the chat is locked and changed, not yet committed.
	mark, err := fx.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer mark.Rollback()
	if _, err := mark.ExecContext(ctx, store.SpamWriteSQL); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE users SET spam = true, spam_marked_by = $2, spam_marked_at = now() WHERE org_id = $1 AND id = 7`,
		`UPDATE chats SET folder = 'spam', spam_marked_by = $2 WHERE org_id = $1 AND user_id = 7`,
	} {
		if _, err := mark.ExecContext(ctx, q, fx.org.ID, fx.ravi.Agent.ID); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := inbox.Assign(ctx, fx.db, fx.owner, input.Ref{ID: 7}, "asha@demo.test")
		done <- err
	}()
	// Commit only once the assign waits for the chat's lock.
	deadline := time.Now().Add(10 * time.Second)
	for fx.count(t, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE OF c%'`) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the assign never waited for the chat's lock")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := mark.Commit(); err != nil {
		t.Fatal(err)
	}
	err = <-done
	if err == nil {
		t.Fatal("the assign landed on a chat marked while it waited")
	}
	if want := "the user is marked as spam by ravi@demo.test"; !strings.Contains(err.Error(), want) {
		t.Errorf("refusal %q does not say %q", err, want)
	}
	if n := fx.count(t, `SELECT count(*) FROM chats WHERE org_id = $1 AND user_id = 7 AND assignee_id IS NOT NULL`, fx.org.ID); n != 0 {
		t.Errorf("the chat was assigned")
	}
}
