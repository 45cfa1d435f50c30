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

// Entry is one spam user as `spam list` shows it (SPEC §5).
type Entry struct {
	UserID   int64      `json:"user_id"`
	Phone    string     `json:"phone"`
	Name     string     `json:"name"`
	MarkedBy *string    `json:"marked_by"`
	MarkedAt *time.Time `json:"marked_at"` // nil for a user flagged around inboxctl
	Reason   *string    `json:"reason"`
	BatchID  *int64     `json:"batch_id"`
}

// List streams the spam users in the acting agent's spam folder (rule 2),
// newest mark first; batch, if not 0, keeps that mark batch's users.
func List(ctx context.Context, db *store.DB, actor directory.Actor, batch int64, fn func(Entry) error) error {
	if batch != 0 {
		var exists bool
		if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM spam_batches WHERE org_id = $1 AND id = $2 AND action = 'mark')`,
			actor.Org.ID, batch).Scan(&exists); err != nil {
			return store.Translate(ctx, err)
		}
		if !exists {
			return errs.NotFoundf("No mark batch %d in this org.", batch)
		}
	}
	folder, err := rules.ViewFolder(actor.Agent.Rule(), rules.FolderSpam)
	if err != nil {
		return err
	}
	a := store.NewArgs(actor.Org.ID)
	where := store.FolderWhere(folder, "c", a)
	if batch != 0 {
		where += " AND u.spam_batch_id = " + a.Add(batch)
	}
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`
		SELECT u.id, u.phone, u.name, m.email, u.spam_marked_at, u.spam_reason, u.spam_batch_id
		FROM chats c
		JOIN users u ON u.org_id = c.org_id AND u.id = c.user_id
		LEFT JOIN agents m ON m.org_id = u.org_id AND m.id = u.spam_marked_by
		WHERE c.org_id = $1 AND %s
		ORDER BY u.spam_marked_at DESC, u.id DESC`, where), a.Values()...)
	if err != nil {
		return store.Translate(ctx, err)
	}
	defer rows.Close()
	for rows.Next() {
		var e Entry
		var b sql.NullInt64
		if err := rows.Scan(&e.UserID, &e.Phone, &e.Name, &e.MarkedBy, &e.MarkedAt, &e.Reason, &b); err != nil {
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
