package directory_test

import (
	"context"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/input"
)

// TestCardShowsTraitsOfAnyJSONType: a writer around inboxctl may store a
// trait that is not a string (or traits that are not an object); the card
// shows such a value as its JSON text instead of failing.
func TestCardShowsTraitsOfAnyJSONType(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, org := acme(t)
	if _, err := directory.ImportUsers(ctx, db, org.ID, strings.NewReader("phone,name\n+919800000001,A\n+919800000002,B\n"), directory.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE users SET traits = '{"age": 42, "vip": true, "note": null, "tags": ["a", "b"], "addr": {"city": "Pune"}, "city": "Delhi"}' WHERE phone = '+919800000001'`,
		`UPDATE users SET traits = '[1, 2]' WHERE phone = '+919800000002'`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	card, err := directory.ShowUser(ctx, db, org.ID, input.Ref{Phone: "+919800000001"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"age": "42", "vip": "true", "note": "null", "tags": `["a", "b"]`, "addr": `{"city": "Pune"}`, "city": "Delhi", "Marked as Spam": "No"}
	for k, v := range want {
		if card.Traits[k] != v {
			t.Errorf("trait %q = %q, want %q", k, card.Traits[k], v)
		}
	}
	if len(card.Traits) != len(want) {
		t.Errorf("traits %v, want %v", card.Traits, want)
	}
	card, err = directory.ShowUser(ctx, db, org.ID, input.Ref{Phone: "+919800000002"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(card.Traits) != 1 || card.Traits["Marked as Spam"] != "No" {
		t.Fatalf("traits that are not an object: %v", card.Traits)
	}
}
