package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/inbox"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/store"
)

const (
	pageTarget        = "≤ 2 ms"
	pageProcessTarget = "≤ 40 ms"
	pageSize          = 50
	// deepPages: the deep page is the one after this many.
	deepPages   = 10
	pageRuns    = 21
	processRuns = 9
)

// pageViewer is an agent whose folders are paged.
type pageViewer struct {
	email, label string
	folders      []rules.Folder
}

var pageViewers = []pageViewer{
	{seed.Owner, "all-access", []rules.Folder{rules.FolderAll, rules.FolderYou, rules.FolderUnassigned, rules.FolderSpam}},
	{seed.Ravi, "assigned", []rules.Folder{rules.FolderYou, rules.FolderUnassigned, rules.FolderSpam}},
}

// opPages times a first page and the page after deepPages pages of each
// folder for an all-access and an assigned agent: in-process through
// inbox.List (≤ 2 ms), and as a process through `inbox list` (≤ 40 ms),
// each beside the bare indexed SELECT of the same page.
func opPages(ctx context.Context, r *run) ([]Result, error) {
	var out []Result
	for _, v := range pageViewers {
		actor, err := r.actor(ctx, v.email)
		if err != nil {
			return out, err
		}
		for _, folder := range v.folders {
			res, err := r.pagesOf(ctx, actor, v, folder)
			out = append(out, res...)
			if err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

func (r *run) actor(ctx context.Context, email string) (directory.Actor, error) {
	org, err := directory.ResolveOrg(ctx, r.bench, seed.Org)
	if err != nil {
		return directory.Actor{}, err
	}
	agent, err := directory.ResolveAgent(ctx, r.bench, org.ID, email)
	return directory.Actor{Org: org, Agent: agent}, err
}

func (r *run) pagesOf(ctx context.Context, actor directory.Actor, v pageViewer, folder rules.Folder) ([]Result, error) {
	// The deep page's cursor: follow up to deepPages pages (fewer when a
	// small data set has fewer).
	var cursor string
	followed := 0
	for followed < deepPages {
		page, err := inbox.List(ctx, r.bench, actor, inbox.ListOptions{Folder: folder, Limit: pageSize, After: cursor})
		if err != nil {
			return nil, err
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
		followed++
	}
	base := baselinePage{org: r.orgID, agent: actor.Agent.ID, access: rules.Access(actor.Agent.Access), folder: folder}
	type pageAt struct {
		name   string
		after  string
		keyset *pageKey
	}
	pages := []pageAt{{"first page", "", nil}}
	if followed > 0 {
		key, err := base.keyAfter(ctx, r.base, followed)
		if err != nil {
			return nil, fmt.Errorf("baseline page: %w", err)
		}
		pages = append(pages, pageAt{fmt.Sprintf("page %d", followed+1), cursor, &key})
	}
	var out []Result
	for _, pg := range pages {
		op := fmt.Sprintf("inbox list --folder %s, %s (%s)", folder, pg.name, v.label)
		var rows int
		inproc, err := median(r.times(pageRuns), func() error {
			page, err := inbox.List(ctx, r.bench, actor, inbox.ListOptions{Folder: folder, Limit: pageSize, After: pg.after})
			rows = len(page.Items)
			return err
		})
		if err != nil {
			return out, err
		}
		baseline, err := median(r.times(pageRuns), func() error {
			_, err := base.page(ctx, r.base, pg.keyset)
			return err
		})
		if err != nil {
			return out, fmt.Errorf("baseline page: %w", err)
		}
		res := inProcess(op+" in-process", int64(rows), inproc, baseline)
		res.RowsPerSecond = nil
		res.Target = pageTarget
		res.Met = ptr(inproc <= 2*time.Millisecond && rows > 0)
		res.Detail = fmt.Sprintf("median of %d calls", r.times(pageRuns))
		out = append(out, res)

		args := []string{"inbox", "list", "--folder", string(folder), "--limit", fmt.Sprint(pageSize), "-o", "json"}
		if pg.after != "" {
			args = append(args, "--after", pg.after)
		}
		p, err := r.repeat(ctx, r.times(processRuns), call{db: r.benchURL, agent: v.email, args: args})
		if unknownCommand(err) {
			out = append(out, notAvailable(op+" process", pageProcessTarget, "this build has no 'inbox list'"))
			continue
		}
		if err != nil {
			return out, err
		}
		// The process row's target is absolute; a ratio to a bare SELECT
		// would only restate the cost of starting a process.
		res = measured(op+" process", int64(rows), p, 0)
		res.RowsPerSecond = nil
		res.Target = pageProcessTarget
		res.Met = ptr(p.wall <= 40*time.Millisecond)
		res.Detail = fmt.Sprintf("median of %d runs", r.times(processRuns))
		out = append(out, res)
	}
	return out, nil
}

// baselinePage is a folder page written by hand: the bare SELECT that one
// ordered index scan serves (two, merged, for an assigned agent's spam).
type baselinePage struct {
	org, agent int64
	access     rules.Access
	folder     rules.Folder
}

// pageKey is where a page starts: after this activity time and chat.
type pageKey struct {
	at  time.Time
	uid int64
}

// branches are the folder's conditions over chats c, each served by one
// index in page order; me is the agent's placeholder.
func (b baselinePage) branches(me string) []string {
	var bs []string
	switch {
	case b.folder == rules.FolderAll:
		bs = []string{`c.folder = {folder_inbox}`}
	case b.folder == rules.FolderYou:
		bs = []string{`c.folder = {folder_inbox} AND c.assignee_id = ` + me}
	case b.folder == rules.FolderUnassigned:
		bs = []string{`c.folder = {folder_inbox} AND c.assignee_id IS NULL`}
	case b.access == rules.AccessAll:
		bs = []string{`c.folder = {folder_spam}`}
	default:
		bs = []string{`c.folder = {folder_spam} AND c.assignee_id = ` + me,
			`c.folder = {folder_spam} AND c.spam_marked_by = ` + me + ` AND c.assignee_id IS DISTINCT FROM ` + me}
	}
	for i := range bs {
		bs[i] = store.Consts(bs[i])
	}
	return bs
}

func (b baselinePage) page(ctx context.Context, q store.Querier, after *pageKey) (last pageKey, err error) {
	a := store.NewArgs(b.org)
	var me string
	if b.folder == rules.FolderYou || (b.folder == rules.FolderSpam && b.access != rules.AccessAll) {
		me = a.Add(b.agent)
	}
	keyset := ""
	if after != nil {
		keyset = fmt.Sprintf(` AND (c.activity_at, c.user_id) < (%s, %s)`, a.Add(after.at), a.Add(after.uid))
	}
	var parts []string
	for _, br := range b.branches(me) {
		parts = append(parts, `(SELECT c.user_id, c.activity_at, c.last_message FROM chats c
			WHERE c.org_id = $1 AND `+br+keyset+` ORDER BY c.activity_at DESC, c.user_id DESC LIMIT 50)`)
	}
	rows, err := q.QueryContext(ctx, `SELECT c.user_id, c.activity_at, u.phone, u.name, c.last_message
		FROM (`+strings.Join(parts, " UNION ALL ")+`) c JOIN users u ON u.org_id = $1 AND u.id = c.user_id
		ORDER BY c.activity_at DESC, c.user_id DESC LIMIT 50`, a.Values()...)
	if err != nil {
		return last, err
	}
	defer rows.Close()
	var phone, name string
	var msg *string
	for rows.Next() {
		if err := rows.Scan(&last.uid, &last.at, &phone, &name, &msg); err != nil {
			return last, err
		}
	}
	return last, rows.Err()
}

// keyAfter follows n pages and returns where the next one starts.
func (b baselinePage) keyAfter(ctx context.Context, q store.Querier, n int) (pageKey, error) {
	var key *pageKey
	for i := 0; i < n; i++ {
		k, err := b.page(ctx, q, key)
		if err != nil {
			return pageKey{}, err
		}
		key = &k
	}
	return *key, nil
}
