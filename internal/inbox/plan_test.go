package inbox_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/inbox"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

// TestFolderPlansUseIndexes is the plan test: on 100,000 chats (the bench
// data set: every tenth user spam, four assignees, two labels), EXPLAIN of
// every folder page for an all-access and an assigned-access agent, first
// page and deep (after a cursor), with and without a label filter, reads
// chats through an index and never scans the table.
func TestFolderPlansUseIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Open(t)
	if _, err := seed.Bench(ctx, db, 100_000); err != nil {
		t.Fatal(err)
	}
	// Some spam chats marked by the assigned-access agent, so both branches
	// of his spam folder have rows.
	testdb.WithoutRuleGuards(t, db)
	if _, err := db.Exec(`UPDATE chats SET spam_marked_by = (SELECT id FROM agents WHERE email = $1)
		WHERE folder = 'spam' AND user_id % 30 = 7`, seed.Ravi); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`ANALYZE chats`); err != nil {
		t.Fatal(err)
	}
	org, err := directory.ResolveOrg(ctx, db, seed.Org)
	if err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{seed.Owner, seed.Ravi} {
		actor := actorOf(t, db, org, email)
		for _, f := range rules.Folders {
			if _, err := rules.ViewFolder(actor.Agent.Rule(), f); err != nil {
				continue
			}
			// A cursor ten pages deep, from the folder itself.
			o := inbox.ListOptions{Folder: f}
			for i := 0; i < 10; i++ {
				p, err := inbox.List(ctx, db, actor, o)
				if err != nil {
					t.Fatal(err)
				}
				if p.NextCursor == "" {
					t.Fatalf("%s %s: fewer than ten pages", email, f)
				}
				o.After = p.NextCursor
			}
			deep := o.After
			for _, v := range []struct {
				name string
				o    inbox.ListOptions
			}{
				{"first page", inbox.ListOptions{Folder: f}},
				{"deep page", inbox.ListOptions{Folder: f, After: deep}},
				{"label", inbox.ListOptions{Folder: f, Label: "vip"}},
				{"label deep", inbox.ListOptions{Folder: f, Label: "vip", After: deep}},
			} {
				name := fmt.Sprintf("%s/%s/%s", email, f, v.name)
				q, args, _, err := inbox.ListQuery(ctx, db, actor, v.o)
				if err != nil {
					t.Fatal(err)
				}
				rows, err := db.Query("EXPLAIN "+q, args...)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				var plan []string
				for rows.Next() {
					var line string
					rows.Scan(&line)
					plan = append(plan, line)
				}
				rows.Close()
				text := strings.Join(plan, "\n")
				if strings.Contains(text, "Seq Scan on chats") {
					t.Errorf("%s: a sequential scan of chats:\n%s", name, text)
				}
				if !strings.Contains(text, "Index Scan Backward using chats_") && !strings.Contains(text, "Index Scan using chats_") &&
					!strings.Contains(text, "Bitmap Index Scan on chats_") {
					t.Errorf("%s: no chats index:\n%s", name, text)
				}
				if testing.Verbose() {
					t.Logf("%s:\n%s", name, text)
				}
			}
		}
	}
}
