package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/inbox"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/spam"
	"github.com/inboxctl/inboxctl/internal/store"
)

const rlsTarget = "≤ 1.3× the schema owner's"

// rlsRoles are the agent-level login roles of the row, each bound to the
// demo agent of its page viewer (migration 0010's policies apply to them).
var rlsRoles = map[string]string{seed.Owner: "bench_rls_owner", seed.Ravi: "bench_rls_ravi"}

// opRLS measures the row-level-security row of README "Performance": inbox
// list pages (first and deep, every folder, an all-access and an assigned
// agent) and a spam mark -f of the mark row's phones, each as an agent-level
// role bound to the agent, beside the same as the schema owner acting as that
// agent (--as), on the same data.
func opRLS(ctx context.Context, r *run) ([]Result, error) {
	urls := map[string]string{}
	for email, role := range rlsRoles {
		if _, err := r.admin.ExecContext(ctx, `CREATE ROLE `+role+` LOGIN`); err != nil {
			return nil, err
		}
		if _, err := r.bench.GrantLevel(ctx, role, rules.LevelAgent); err != nil {
			return nil, err
		}
		if _, err := r.bench.ExecContext(ctx, `UPDATE agents SET db_role = $1 WHERE email = $2`, role, email); err != nil {
			return nil, err
		}
		urls[email] = r.srv.URLAs(role, "bench")
	}
	var out []Result
	for _, v := range pageViewers {
		res, err := r.rlsPages(ctx, v, urls[v.email])
		out = append(out, res...)
		if err != nil {
			return out, err
		}
	}
	res, err := r.rlsMark(ctx, urls[seed.Owner])
	return append(out, res...), err
}

// rlsPages times each folder's first page and the page after deepPages
// pages, in-process through inbox.List (the query is what row-level
// security changes; a process adds the same start-up to both sides), as the
// role and as the owner, median of pageRuns each.
func (r *run) rlsPages(ctx context.Context, v pageViewer, url string) ([]Result, error) {
	db, err := store.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	bound, ok, err := directory.BoundAgent(ctx, db)
	if err != nil || !ok {
		return nil, fmt.Errorf("the role of %s is not bound: %v", v.email, err)
	}
	asOwner, err := r.actor(ctx, v.email)
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, folder := range v.folders {
		// The command itself, as a process: what a user of the role waits for.
		args := []string{"inbox", "list", "--folder", string(folder), "--limit", strconv.Itoa(pageSize), "-o", "json"}
		asRole, err := r.repeat(ctx, r.times(processRuns), call{db: url, agent: v.email, args: args})
		if err != nil {
			return out, err
		}
		asOwnerProc, err := r.repeat(ctx, r.times(processRuns), call{db: r.benchURL, agent: v.email, args: args})
		if err != nil {
			return out, err
		}
		res := measured(fmt.Sprintf("inbox list --folder %s, first page (%s) as an agent-level role under row-level security", folder, v.label), pageSize, asRole, asOwnerProc.wall)
		res.RowsPerSecond = nil
		res.Target = rlsTarget
		same := string(asRole.stdout) == string(asOwnerProc.stdout)
		res.Met = ptr(same && *res.Ratio <= 1.3)
		res.Detail = fmt.Sprintf("baseline: the same command as the schema owner --as %s; same output: %v; median of %d runs each", v.email, same, r.times(processRuns))
		out = append(out, res)
		var cursor string
		for i := 0; i < deepPages; i++ {
			page, err := inbox.List(ctx, r.bench, asOwner, inbox.ListOptions{Folder: folder, Limit: pageSize, After: cursor})
			if err != nil {
				return out, err
			}
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		for _, pg := range []struct{ name, after string }{{"first page", ""}, {"deep page", cursor}} {
			if pg.name == "deep page" && cursor == "" {
				continue
			}
			var rows int
			var same bool
			var ownerItems []inbox.Item
			owner, err := median(r.times(pageRuns), func() error {
				page, err := inbox.List(ctx, r.bench, asOwner, inbox.ListOptions{Folder: folder, Limit: pageSize, After: pg.after})
				ownerItems = page.Items
				return err
			})
			if err != nil {
				return out, err
			}
			role, err := median(r.times(pageRuns), func() error {
				page, err := inbox.List(ctx, db, bound, inbox.ListOptions{Folder: folder, Limit: pageSize, After: pg.after})
				rows = len(page.Items)
				a, _ := json.Marshal(page.Items)
				b, _ := json.Marshal(ownerItems)
				same = string(a) == string(b)
				return err
			})
			if err != nil {
				return out, err
			}
			res := inProcess(fmt.Sprintf("inbox list --folder %s, %s (%s) as an agent-level role under row-level security, in-process", folder, pg.name, v.label), int64(rows), role, owner)
			res.RowsPerSecond = nil
			res.Target = rlsTarget
			res.Met = ptr(same && rows > 0 && *res.Ratio <= 1.3)
			res.Detail = fmt.Sprintf("baseline: the same page as the schema owner --as %s; same items: %v; median of %d runs each", v.email, same, r.times(pageRuns))
			out = append(out, res)
		}
	}
	return out, nil
}

// rlsMark times spam mark -f of the mark row's phones as the role bound to
// the owner agent and as the schema owner --as the owner, alternating
// which goes first, best of spamRounds each; each mark is undone by its
// own spam unmark --batch.
func (r *run) rlsMark(ctx context.Context, url string) ([]Result, error) {
	file, n, err := r.markPhones()
	if err != nil {
		return nil, err
	}
	var side sideBySide
	markAs := func(db string) (proc, int64, error) {
		p, err := r.cli(ctx, call{db: db, args: []string{"spam", "mark", "-f", file, "--yes", "--reason", markReason, "-o", "json"}})
		if err != nil {
			return p, 0, err
		}
		var sum spam.Summary
		if err := json.Unmarshal(p.stdout, &sum); err != nil || sum.BatchID == nil {
			return p, 0, fmt.Errorf("spam mark printed no summary with a batch: %q", p.stdout)
		}
		if _, err := r.cli(ctx, call{db: db, args: []string{"spam", "unmark", "--batch", strconv.FormatInt(*sum.BatchID, 10), "--yes", "-o", "json"}}); err != nil {
			return p, 0, err
		}
		return p, sum.Changed, nil
	}
	for round := 0; round < spamRounds; round++ {
		err := both(round%2 == 0, func() error {
			p, changed, err := markAs(url)
			side.cli(p, changed)
			return err
		}, func() error {
			p, changed, err := markAs(r.benchURL)
			side.baseline(p.wall, changed)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	res := side.result(fmt.Sprintf("spam mark -f (%s refs) as an agent-level role under row-level security", count(n)), n, rlsTarget, "changed")
	res.Met = ptr(*res.Met && *res.Ratio <= 1.3)
	res.Detail = "baseline: the same mark as the schema owner --as " + seed.Owner + "; " + res.Detail
	return []Result{res}, nil
}
