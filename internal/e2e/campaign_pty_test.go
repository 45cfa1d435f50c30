//go:build deployment

package e2e

import (
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/testdb"
)

// TestCampaignRunAsksOnTerminal: a run cannot be undone, so on a terminal
// campaign run asks as spam mark does: "n" sends nothing (exit 2), "y"
// runs; --yes needs no prompt.
func TestCampaignRunAsksOnTerminal(t *testing.T) {
	t.Parallel()
	env := []string{"INBOXCTL_DATABASE_URL=" + testdb.URL(t)}
	for _, args := range [][]string{{"db", "seed", "--demo", "--users", "8"}, {"campaign", "schedule", "Diwali Sale"}} {
		if r := runPTY(t, env, "", "", args...); r.Code != 0 {
			t.Fatalf("%v: %+v", args, r)
		}
	}
	sent := func() string {
		return strings.TrimSpace(runPTY(t, env, "", "", "campaign", "recipients", "Diwali Sale", "--status", "sent", "-o", "tsv").Output)
	}
	no := runPTY(t, env, "[y/N]", "n", "campaign", "run", "Diwali Sale")
	if no.Code != 2 || !strings.Contains(no.Output, `Run campaign "Diwali Sale" of org demo? A run cannot be undone.`) || !strings.Contains(no.Output, "Cancelled: nothing was changed.") {
		t.Fatalf("declined: %+v", no)
	}
	if s := sent(); s != "" {
		t.Fatalf("a declined run sent to:\n%s", s)
	}
	yes := runPTY(t, env, "[y/N]", "y", "campaign", "run", "Diwali Sale")
	if yes.Code != 0 || !strings.Contains(yes.Output, `Run 1 of "Diwali Sale": sent to `) {
		t.Fatalf("confirmed: %+v", yes)
	}
	if s := sent(); s == "" {
		t.Fatal("a confirmed run sent to nobody")
	}
	again := runPTY(t, env, "", "", "campaign", "run", "Welcome Series", "--yes")
	if again.Code != 0 || strings.Contains(again.Output, "[y/N]") || !strings.Contains(again.Output, `Run 1 of "Welcome Series"`) {
		t.Fatalf("--yes: %+v", again)
	}
}
