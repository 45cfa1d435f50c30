package inbox_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/inbox"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

// BenchmarkFolderPage measures a folder's first page and a page ten pages
// deep, in-process, for an all-access and an assigned-access agent, on the
// bench data set of INBOXCTL_BENCH_USERS users (README "Performance":
// 1,000,000; target ≤ 2 ms a page). Without the variable it does not run:
// seeding a million users takes a while.
//
//	INBOXCTL_BENCH_USERS=1000000 go test ./internal/inbox -run '^$' -bench FolderPage -benchtime 2000x
func BenchmarkFolderPage(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("INBOXCTL_BENCH_USERS"))
	if n <= 0 {
		b.Skip("set INBOXCTL_BENCH_USERS (e.g. 1000000) to seed that many users and measure")
	}
	ctx := context.Background()
	db := testdb.Open(b)
	if _, err := seed.Bench(ctx, db, n); err != nil {
		b.Fatal(err)
	}
	org, err := directory.ResolveOrg(ctx, db, seed.Org)
	if err != nil {
		b.Fatal(err)
	}
	// An assigned-access agent with no chat yet: the label filter of his
	// folders must not walk the whole label to find nothing.
	newcomer, err := directory.AddAgent(ctx, db, org.ID, "newcomer@demo.test", "assigned", "teammate", "")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("assigned/you/label/none-of-mine", func(b *testing.B) {
		actor := directory.Actor{Org: org, Agent: newcomer}
		for i := 0; i < b.N; i++ {
			p, err := inbox.List(ctx, db, actor, inbox.ListOptions{Folder: rules.FolderYou, Label: "vip"})
			if err != nil || len(p.Items) != 0 {
				b.Fatalf("%d items, %v", len(p.Items), err)
			}
		}
	})
	for _, email := range []string{seed.Owner, seed.Ravi} {
		actor := actorOf(b, db, org, email)
		for _, f := range rules.Folders {
			if _, err := rules.ViewFolder(actor.Agent.Rule(), f); err != nil {
				continue
			}
			// billing is on spam and non-spam chats alike (vip users are never
			// spam in the bench data).
			for _, label := range []string{"", "billing"} {
				o := inbox.ListOptions{Folder: f, Label: label}
				first := o
				for i := 0; i < 10; i++ {
					p, err := inbox.List(ctx, db, actor, o)
					if err != nil {
						b.Fatal(err)
					}
					o.After = p.NextCursor
				}
				name := fmt.Sprintf("%s/%s", actor.Agent.Access, f)
				if label != "" {
					name += "/label"
				}
				for _, v := range []struct {
					page string
					o    inbox.ListOptions
				}{{"first", first}, {"deep", o}} {
					b.Run(name+"/"+v.page, func(b *testing.B) {
						took := make([]time.Duration, b.N)
						for i := 0; i < b.N; i++ {
							start := time.Now()
							p, err := inbox.List(ctx, db, actor, v.o)
							took[i] = time.Since(start)
							if err != nil || len(p.Items) == 0 {
								b.Fatalf("%d items, %v", len(p.Items), err)
							}
						}
						// The machine is shared: the median says what a page
						// costs, the mean (ns/op) also carries others' load.
						slices.Sort(took)
						b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms-p50")
						b.ReportMetric(float64(took[len(took)*9/10].Microseconds())/1000, "ms-p90")
					})
				}
			}
		}
	}
}
