package spam

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/store"
)

// Entry is one spam user as `spam list` shows it.
type Entry struct {
	UserID   int64      `json:"user_id"`
	Phone    string     `json:"phone"`
	Name     string     `json:"name"`
	MarkedBy *string    `json:"marked_by"`
	MarkedAt *time.Time `json:"marked_at"` // nil for a user flagged around inboxctl
	Reason   *string    `json:"reason"`
	BatchID  *int64     `json:"batch_id"`
	Until    *time.Time `json:"until"` // nil for a mark that does not expire
	// Expired says the mark has expired on the database's clock and waits
	// for spam expire (rules.ExpiredWaiting).
	Expired bool `json:"-"`
}

// ListOptions select the spam users to list.
type ListOptions struct {
	// Batch, if not 0, keeps that mark batch's users.
	Batch int64
	// ExpiringWithin, if not 0, keeps the marks that expire within it
	// (those expired and waiting for spam expire included).
	ExpiringWithin time.Duration
	// Limit, if not 0, is the most users listed.
	Limit int
}

// List streams the spam users in the acting agent's spam folder (rule 2),
// newest mark first.
func List(ctx context.Context, db *store.DB, actor directory.Actor, o ListOptions, fn func(Entry) error) error {
	if o.Limit < 0 {
		return errs.Usagef("--limit must be at least 1, not %d.", o.Limit)
	}
	if o.Batch != 0 {
		var exists bool
		if err := db.QueryRowContext(ctx, store.Consts(`SELECT EXISTS (SELECT 1 FROM spam_batches WHERE org_id = $1 AND id = $2 AND action = {batch_mark})`),
			actor.Org.ID, o.Batch).Scan(&exists); err != nil {
			return store.Translate(ctx, err)
		}
		if !exists {
			return errs.NotFoundf("No mark batch %d in this org (see 'inboxctl spam batches').", o.Batch)
		}
	}
	folder, err := rules.ViewFolder(actor.Agent.Rule(), rules.FolderSpam)
	if err != nil {
		return err
	}
	a := store.NewArgs(actor.Org.ID)
	where := store.FolderWhere(folder, "c", a)
	if o.Batch != 0 {
		where += " AND u.spam_batch_id = " + a.Add(o.Batch)
	}
	if o.ExpiringWithin != 0 {
		where += " AND u.spam_until <= now() + make_interval(secs => " + a.Add(o.ExpiringWithin.Seconds()) + ")"
	}
	limit := ""
	if o.Limit > 0 {
		limit = "LIMIT " + a.Add(o.Limit)
	}
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`
		SELECT u.id, u.phone, u.name, m.email, u.spam_marked_at, u.spam_reason, u.spam_batch_id, u.spam_until,
		       coalesce(%s, false)
		FROM chats c
		JOIN users u ON u.org_id = c.org_id AND u.id = c.user_id
		LEFT JOIN agents m ON m.org_id = u.org_id AND m.id = u.spam_marked_by
		WHERE c.org_id = $1 AND %s
		ORDER BY u.spam_marked_at DESC, u.id DESC %s`, store.ExpiredWhere("u"), where, limit), a.Values()...)
	if err != nil {
		return store.Translate(ctx, err)
	}
	defer rows.Close()
	for rows.Next() {
		var e Entry
		var b sql.NullInt64
		if err := rows.Scan(&e.UserID, &e.Phone, &e.Name, &e.MarkedBy, &e.MarkedAt, &e.Reason, &b, &e.Until, &e.Expired); err != nil {
			return err
		}
		if b.Valid {
			e.BatchID = &b.Int64
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return store.Translate(ctx, rows.Err())
}
