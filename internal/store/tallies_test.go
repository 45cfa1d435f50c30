package store_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/store"
)

// TestTallyFoldLockKeyInMigrations: the migrations that define
// campaign_tally_compact take the fold lock with the number Go code takes
// it with (store.TallyFoldLockKey).
func TestTallyFoldLockKeyInMigrations(t *testing.T) {
	key := strconv.Itoa(store.TallyFoldLockKey)
	want := map[string]bool{"0003_campaign_tallies": false, "0004_definer_search_path": false}
	for _, m := range store.Migrations() {
		if _, ok := want[m.Name]; ok {
			want[m.Name] = strings.Contains(m.SQL, "advisory_xact_lock("+key+",")
		}
	}
	for name, found := range want {
		if !found {
			t.Errorf("migration %s does not take the advisory lock %s (store.TallyFoldLockKey)", name, key)
		}
	}
}

// TestConstsWritesThePolicysStrings: the placeholders of store.Consts
// become the strings of package rules, as SQL literals.
func TestConstsWritesThePolicysStrings(t *testing.T) {
	got := store.Consts(`status = {pending} OR status = {sent} OR status = {excluded} AND reason = {reason_spam}
		folder IN ({folder_inbox}, {folder_spam}) traits->>{spam_trait} IN ({trait_yes}, {trait_no}) '{"city": "Pune"}'`)
	want := `status = 'pending' OR status = 'sent' OR status = 'excluded' AND reason = 'spam'
		folder IN ('inbox', 'spam') traits->>'Marked as Spam' IN ('Yes', 'No') '{"city": "Pune"}'`
	if got != want {
		t.Errorf("Consts:\n%s\nwant\n%s", got, want)
	}
}
