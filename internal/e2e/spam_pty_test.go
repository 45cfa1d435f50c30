//go:build deployment

package e2e

import (
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/testdb"
)

// TestSpamMarkPromptsOnTerminal: on a terminal, spam mark asks; "n" changes
// nothing (exit 2), "y" marks and prints the human summary with the undo hint.
func TestSpamMarkPromptsOnTerminal(t *testing.T) {
	t.Parallel()
	env := []string{"INBOXCTL_DATABASE_URL=" + testdb.URL(t), "INBOXCTL_AGENT=owner@demo.test"}
	if r := runPTY(t, env, "", "", "db", "seed", "--demo", "--users", "8"); r.Code != 0 {
		t.Fatalf("seed: %+v", r)
	}
	no := runPTY(t, env, "[y/N]", "n", "spam", "mark", "+919800000001", "+919800000002")
	if no.Code != 2 || !strings.Contains(no.Output, "Mark 2 user(s) as spam in org demo, acting as owner@demo.test?") || !strings.Contains(no.Output, "Cancelled: nothing was changed.") {
		t.Fatalf("declined: %+v", no)
	}
	list := runPTY(t, env, "", "", "spam", "list", "-o", "tsv")
	if strings.TrimSpace(list.Output) != "" {
		t.Fatalf("declined mark changed data: %q", list.Output)
	}
	yes := runPTY(t, env, "[y/N]", "y", "spam", "mark", "+919800000001", "+919800000002", "--reason", "scam")
	if yes.Code != 0 || !strings.Contains(yes.Output, "Marked 2 of 2 user(s); 0 unchanged, 0 not found, 0 invalid, 0 refused, 0 skipped. Batch: 1") ||
		!strings.Contains(yes.Output, "Undo with: inboxctl spam unmark --batch 1") {
		t.Fatalf("confirmed: %+v", yes)
	}
	table := runPTY(t, env, "", "", "spam", "list")
	for _, want := range []string{"USER ID", "PHONE", "MARKED BY", "+919800000002", "owner@demo.test", "scam"} {
		if !strings.Contains(table.Output, want) {
			t.Fatalf("spam list table lacks %q:\n%s", want, table.Output)
		}
	}
	// --yes needs no prompt on a terminal either.
	un := runPTY(t, env, "", "", "spam", "unmark", "--batch", "1", "--yes")
	if un.Code != 0 || !strings.Contains(un.Output, "Unmarked 2 of 2") {
		t.Fatalf("unmark: %+v", un)
	}
}
