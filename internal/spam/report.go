package spam

import (
	"context"
	"database/sql"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/store"
)

// outcome is what a mark or unmark leaves to report, read in its
// transaction: the refs of a failure (its error's details), or else the
// refs a --skip flag passed over and every ref's status.
type outcome struct {
	skipped spool[Problem]
	refs    spool[RefStatus]
}

func (o *outcome) read(ctx context.Context, tx *sql.Tx, req Request, act action, fail *failure) error {
	if fail != nil {
		// Every ref that stops the change, in input order: spooled, so a
		// million bad lines keep memory flat.
		details := &errs.Spool{}
		if err := problems(ctx, tx, act, fail.kinds, func(p Problem) error { return details.Add(p.String()) }); err != nil {
			details.Close()
			return err
		}
		fail.err.WithSpool(details)
		return nil
	}
	if req.OnSkipped != nil {
		if err := problems(ctx, tx, act, skippedKinds(req), o.skipped.add); err != nil {
			return err
		}
	}
	if req.OnRef != nil {
		return statuses(ctx, tx, o.refs.add)
	}
	return nil
}

// emit hands what read spooled to the request's callbacks; every ref's
// status carries the batch (nil for a dry run), so a script reading the
// stream can undo it.
func (o *outcome) emit(req Request, batch *int64) error {
	if req.OnSkipped != nil {
		if err := o.skipped.each(req.OnSkipped); err != nil {
			return err
		}
	}
	if req.OnRef != nil {
		return o.refs.each(func(s RefStatus) error { s.BatchID = batch; return req.OnRef(s) })
	}
	return nil
}

func (o *outcome) close() {
	o.skipped.close()
	o.refs.close()
}

// problems streams the refs whose status is one of kinds to fn, in input
// order, row by row from the database.
func problems(ctx context.Context, q store.Querier, act action, kinds []string, fn func(Problem) error) error {
	if len(kinds) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT line, raw, status, err FROM spam_outcomes WHERE status = ANY($1) ORDER BY ord`,
		store.StringArray(kinds))
	if err != nil {
		return store.Translate(ctx, err)
	}
	defer rows.Close()
	for rows.Next() {
		var p Problem
		var line sql.NullInt64
		var why sql.NullString
		if err := rows.Scan(&line, &p.Ref, &p.Status, &why); err != nil {
			return store.Translate(ctx, err)
		}
		if line.Valid {
			p.Line = &line.Int64
		}
		switch p.Status {
		case string(rules.RefInvalid):
			p.Why = why.String
		case string(rules.RefNotFound):
			p.Why = "no such user in this org"
		default:
			p.Why = refusalReason(act)
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return store.Translate(ctx, rows.Err())
}

// statuses streams each distinct ref's final status to fn, in input order.
func statuses(ctx context.Context, q store.Querier, fn func(RefStatus) error) error {
	rows, err := q.QueryContext(ctx, `SELECT raw, line, user_id, status FROM spam_outcomes ORDER BY ord`)
	if err != nil {
		return store.Translate(ctx, err)
	}
	defer rows.Close()
	for rows.Next() {
		var s RefStatus
		var line, uid sql.NullInt64
		if err := rows.Scan(&s.Ref, &line, &uid, &s.Status); err != nil {
			return err
		}
		if line.Valid {
			s.Line = &line.Int64
		}
		if uid.Valid {
			s.UserID = &uid.Int64
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	return store.Translate(ctx, rows.Err())
}
