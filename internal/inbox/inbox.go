// Package inbox is the inbox's use cases: a folder's page as the acting
// agent sees it (rule 2), the actions a spam user's chat refuses (rule 3:
// assign, unassign, label, send), inbound messages and the notifications
// they raise (rule 6), and the org's labels.
//
// A folder page is one ordered index scan per branch of the folder's filter
// (store.FolderBranches), UNION ALL-ed, ordered by (activity_at DESC,
// user_id DESC) and cut at the limit: pages cost the same at any depth.
//
// Comments cite the spam rules by number: rule N is rule N of the package
// doc of internal/rules.
package inbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/store"
)

// Page sizes of inbox list.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// ListOptions select a folder page.
type ListOptions struct {
	Folder rules.Folder
	// Limit is the page size: 0 means DefaultLimit; at most MaxLimit.
	Limit int
	// After is the next_cursor of the previous page ("" for the first).
	After string
	// Label keeps only chats with this label ("" for all).
	Label string
}

// Item is one chat of a folder page.
type Item struct {
	ChatID        int64      `json:"chat_id"`
	UserID        int64      `json:"user_id"`
	Phone         string     `json:"phone"`
	Name          string     `json:"name"`
	Assignee      *string    `json:"assignee"`
	Label         *string    `json:"label"`
	Spam          bool       `json:"spam"`
	LastMessageAt *time.Time `json:"last_message_at"`
	LastMessage   *string    `json:"last_message"`
	// ActivityAt orders the folder; it is the cursor's time.
	ActivityAt time.Time `json:"-"`
	// SpamExpired says the user's mark has expired and waits for spam
	// expire (still a mark until then).
	SpamExpired bool `json:"-"`
}

// Page is a folder page and the cursor of the next one ("" when this is
// the last page).
type Page struct {
	Items      []Item `json:"items"`
	NextCursor string `json:"-"`
}

// pageJSON is the -o json shape: next_cursor is null on the last page.
type pageJSON struct {
	Items      []Item  `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// MarshalJSON writes {"items": [...], "next_cursor": "..."|null}.
func (p Page) MarshalJSON() ([]byte, error) {
	out := pageJSON{Items: p.Items}
	if out.Items == nil {
		out.Items = []Item{}
	}
	if p.NextCursor != "" {
		out.NextCursor = &p.NextCursor
	}
	return json.Marshal(out)
}

// List reads one page of the acting agent's folder, newest activity first.
func List(ctx context.Context, q store.Querier, actor directory.Actor, o ListOptions) (Page, error) {
	query, args, limit, err := listQuery(ctx, q, actor, o)
	if err != nil {
		return Page{}, err
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return Page{}, store.Translate(ctx, err)
	}
	defer rows.Close()
	page := Page{Items: make([]Item, 0, min(limit, 64))}
	more := false
	for rows.Next() {
		if len(page.Items) == limit {
			more = true
			break
		}
		var it Item
		var folder string
		if err := rows.Scan(&it.UserID, &it.Phone, &it.Name, &it.Assignee, &it.Label, &folder,
			&it.LastMessageAt, &it.LastMessage, &it.ActivityAt, &it.SpamExpired); err != nil {
			return Page{}, err
		}
		it.ChatID = it.UserID
		it.Spam = folder == string(rules.StoredSpam)
		page.Items = append(page.Items, it)
	}
	if err := rows.Err(); err != nil {
		return Page{}, store.Translate(ctx, err)
	}
	if more {
		last := page.Items[len(page.Items)-1]
		page.NextCursor = Cursor{ActivityAt: last.ActivityAt, UserID: last.UserID}.Encode()
	}
	return page, nil
}

// listQuery validates the options and builds the page's SQL: one ordered,
// limited index scan per folder branch, merged. It asks for one row more
// than the page to know whether a next page exists.
func listQuery(ctx context.Context, q store.Querier, actor directory.Actor, o ListOptions) (string, []any, int, error) {
	limit := o.Limit
	switch {
	case limit == 0:
		limit = DefaultLimit
	case limit < 0 || limit > MaxLimit:
		return "", nil, 0, errs.Usagef("--limit must be between 1 and %d, not %d.", MaxLimit, limit)
	}
	if _, err := rules.ParseFolder(string(o.Folder)); err != nil {
		return "", nil, 0, errs.Usagef("%v.", upperFirst(err.Error()))
	}
	filter, err := rules.ViewFolder(actor.Agent.Rule(), o.Folder)
	if err != nil {
		return "", nil, 0, err
	}
	var after *Cursor
	if o.After != "" {
		c, err := DecodeCursor(o.After)
		if err != nil {
			return "", nil, 0, err
		}
		after = &c
	}
	a := store.NewArgs(actor.Org.ID)
	var extra []string
	if o.Label != "" {
		id, err := labelID(ctx, q, actor.Org.ID, o.Label)
		if err != nil {
			return "", nil, 0, err
		}
		extra = append(extra, "c.label_id = "+a.Add(id))
	}
	if after != nil {
		extra = append(extra, fmt.Sprintf("(c.activity_at, c.user_id) < (%s::timestamptz, %s::bigint)", a.Add(after.ActivityAt), a.Add(after.UserID)))
	}
	n := a.Add(limit + 1)
	branches := store.FolderBranches(filter, "c", a)
	parts := make([]string, len(branches))
	for i, b := range branches {
		conds := append([]string{"c.org_id = $1", b}, extra...)
		parts[i] = fmt.Sprintf(`(SELECT c.user_id, c.activity_at FROM chats c WHERE %s
			ORDER BY c.activity_at DESC, c.user_id DESC LIMIT %s)`, strings.Join(conds, " AND "), n)
	}
	query := fmt.Sprintf(`
		WITH page AS (
			SELECT user_id, activity_at FROM (%s) b
			ORDER BY activity_at DESC, user_id DESC LIMIT %s
		)
		SELECT c.user_id, u.phone, u.name, ag.email, l.name, c.folder, c.last_message_at, c.last_message, c.activity_at,
		       coalesce(%s, false)
		FROM page p
		JOIN chats c ON c.org_id = $1 AND c.user_id = p.user_id
		JOIN users u ON u.org_id = $1 AND u.id = p.user_id
		LEFT JOIN agents ag ON ag.org_id = $1 AND ag.id = c.assignee_id
		LEFT JOIN labels l ON l.org_id = $1 AND l.id = c.label_id
		ORDER BY p.activity_at DESC, p.user_id DESC`, strings.Join(parts, "\n\t\t\tUNION ALL\n\t\t\t"), n, store.ExpiredWhere("u"))
	return query, a.Values(), limit, nil
}

// labelID finds a label of the org by name (exit 3 when it does not exist).
func labelID(ctx context.Context, q store.Querier, orgID int64, name string) (int64, error) {
	name = strings.TrimSpace(name)
	if err := input.Label(name); err != nil {
		return 0, errs.Usagef("%v.", upperFirst(err.Error()))
	}
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM labels WHERE org_id = $1 AND name = $2`, orgID, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errs.NotFoundf("No label %q in this org (see 'inboxctl label list').", name)
	}
	return id, store.Translate(ctx, err)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
