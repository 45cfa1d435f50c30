package store

import (
	"context"
	"database/sql"
)

// RowSecurity reports whether row-level security narrows what this
// session sees and changes (migration 0010): the session's role is at
// level agent. Such a role makes the changes that move a chat out of its
// view through SetAssigneeSQL and UnmarkChatsSQL.
func RowSecurity(ctx context.Context, q Querier) (bool, error) {
	var on bool
	err := q.QueryRowContext(ctx, `SELECT rls_restricted()`).Scan(&on)
	return on, err
}

// SetAssigneeSQL sets the assignee ($3, NULL for none) of the chat of
// user $2 of org $1 that is in an agent-level role's view, and returns how
// many chats changed (0 or 1).
const SetAssigneeSQL = `SELECT rls_set_assignee($1, $2, $3)`

// UnmarkChatsSQL returns to the inbox the spam chats of org $1 of the
// users an unmark's temp table spam_outcomes says are unmarked, as far as they
// are in an agent-level role's view.
var UnmarkChatsSQL = Consts(`SELECT rls_unmark_chats($1, (SELECT array_agg(user_id) FROM spam_outcomes WHERE status = {ref_unmarked}))`)

// RefHidden reports whether a ref that the session did not find names a
// user of its org that row-level security hides from it (then the answer
// is refused, not not found). phone is "" for a ref by id.
func RefHidden(ctx context.Context, q Querier, phone string, id int64) (bool, error) {
	var hidden bool
	var phones, ids any = StringArray(nil), Int64Array(nil)
	if phone != "" {
		phones = StringArray([]string{phone})
	} else {
		ids = Int64Array([]int64{id})
	}
	err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM rls_existing_refs($1, $2))`, phones, ids).Scan(&hidden)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return hidden, err
}
