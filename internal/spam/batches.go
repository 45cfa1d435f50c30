package spam

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/store"
)

// Batch is one mark, unmark or expire as `spam batches` shows it.
type Batch struct {
	ID     int64     `json:"batch_id"`
	Kind   string    `json:"kind"`
	Actor  *string   `json:"actor"` // nil for an expire
	DBRole string    `json:"db_role"`
	Reason *string   `json:"reason"`
	At     time.Time `json:"at"`
	// Users is how many users the batch changed.
	Users int64 `json:"users"`
	// StillSpam, for a mark batch, is how many of its users are still
	// spam under its mark (what unmark --batch would unmark).
	StillSpam *int64     `json:"still_spam"`
	Until     *time.Time `json:"until"`
}

// BatchFilter selects batches: Kind ("" for every kind), IDPrefix (the
// digits of an id being typed), Limit (0: all).
type BatchFilter struct {
	Kind     string
	IDPrefix string
	Limit    int
}

// Batches streams the org's batches that f selects, newest first.
func Batches(ctx context.Context, q store.Querier, orgID int64, f BatchFilter, fn func(Batch) error) error {
	if f.Limit < 0 {
		return errs.Usagef("--limit must be at least 1, not %d.", f.Limit)
	}
	a := store.NewArgs(orgID)
	where := []string{"b.org_id = $1"}
	if f.Kind != "" {
		where = append(where, "b.action = "+a.Add(f.Kind))
	}
	if f.IDPrefix != "" {
		if strings.Trim(f.IDPrefix, "0123456789") != "" {
			return nil // not an id being typed
		}
		where = append(where, "b.id::text LIKE "+a.Add(f.IDPrefix+"%"))
	}
	limit := ""
	if f.Limit > 0 {
		limit = "LIMIT " + a.Add(f.Limit)
	}
	rows, err := q.QueryContext(ctx, fmt.Sprintf(store.Consts(`
		SELECT b.id, b.action, ag.email, b.db_role, b.reason, b.created_at, b.changed,
		       CASE WHEN b.action = {batch_mark} THEN (SELECT count(*) FROM users u
		            WHERE u.org_id = b.org_id AND u.spam AND u.spam_batch_id = b.id) END,
		       b.until
		FROM spam_batches b LEFT JOIN agents ag ON ag.org_id = b.org_id AND ag.id = b.actor_id
		WHERE %s ORDER BY b.id DESC %s`), strings.Join(where, " AND "), limit), a.Values()...)
	if err != nil {
		return store.Translate(ctx, err)
	}
	defer rows.Close()
	for rows.Next() {
		var b Batch
		var still sql.NullInt64
		if err := rows.Scan(&b.ID, &b.Kind, &b.Actor, &b.DBRole, &b.Reason, &b.At, &b.Users, &still, &b.Until); err != nil {
			return store.Translate(ctx, err)
		}
		if still.Valid {
			b.StillSpam = &still.Int64
		}
		if err := fn(b); err != nil {
			return err
		}
	}
	return store.Translate(ctx, rows.Err())
}
