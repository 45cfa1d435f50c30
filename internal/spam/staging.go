package spam

import (
	"context"
	"database/sql"
	"errors"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/store"
)

// stageRefs copies the refs (arguments, then file lines) into the
// transaction's temp table spam_input, parsed: phone or id, or the reason it
// is invalid.
func stageRefs(ctx context.Context, tx *sql.Tx, req Request) (int64, error) {
	if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE spam_input (ord bigint, line bigint, raw text, phone text COLLATE "C", id bigint, err text) ON COMMIT DROP`); err != nil {
		return 0, err
	}
	var ord int64
	var lineErr error
	err := store.Copy(ctx, tx, "spam_input", []string{"ord", "line", "raw", "phone", "id", "err"}, func(row func(...any) error) error {
		add := func(line any, raw string, bad error) error {
			ord++
			if req.Progress != nil && ord%1000 == 0 {
				req.Progress(ord)
			}
			if bad != nil {
				return row(ord, line, raw, nil, nil, bad.Error())
			}
			ref, perr := input.ParseRef(raw, req.By)
			switch {
			case perr != nil:
				return row(ord, line, raw, nil, nil, perr.Error())
			case ref.Phone != "":
				return row(ord, line, raw, ref.Phone, nil, nil)
			default:
				return row(ord, line, raw, nil, ref.ID, nil)
			}
		}
		for _, r := range req.Refs {
			raw, bad := r, error(nil)
			if err := input.Text("ref", r, input.MaxLineBytes); err != nil {
				raw, bad = "", err
			}
			if err := add(nil, raw, bad); err != nil {
				return err
			}
		}
		if req.File == nil {
			return nil
		}
		err := input.ReadLines(req.File, func(line int, text string, bad error) error {
			if bad != nil {
				var le *input.LineError
				if errors.As(bad, &le) {
					bad = le.Err
				}
			}
			return add(int64(line), text, bad)
		})
		var le *input.LineError
		if errors.As(err, &le) {
			lineErr = le
			return nil
		}
		return err
	})
	if lineErr != nil {
		return 0, errs.Usagef("The refs file cannot be read: %v; nothing was changed.", lineErr)
	}
	return ord, err
}

// stageBatch puts the users a mark batch marked that are still spam and
// whose chat is in the acting agent's view into the transaction's temp
// table spam_input, by id. A user outside the view is left out, not
// refused: nothing of it leaks past the view (not even its phone), as
// row-level security leaves it out for the agent's own role.
func stageBatch(ctx context.Context, tx *sql.Tx, orgID int64, agent rules.Agent, batch int64) (int64, error) {
	var exists bool
	if err := tx.QueryRowContext(ctx, store.Consts(`SELECT EXISTS (SELECT 1 FROM spam_batches WHERE org_id = $1 AND id = $2 AND action = {batch_mark})`), orgID, batch).Scan(&exists); err != nil {
		return 0, err
	}
	if !exists {
		return 0, errs.NotFoundf("No mark batch %d in this org (see 'inboxctl spam batches').", batch)
	}
	where, a := "u.spam AND u.spam_batch_id = $2", store.NewArgs(orgID, batch)
	if v := rules.VisibilityOf(agent); !v.All {
		where += ` AND EXISTS (SELECT 1 FROM chats c WHERE c.org_id = u.org_id AND c.user_id = u.id AND ` + store.VisibilityWhere(v, "c", a) + `)`
	}
	return stageUsers(ctx, tx, where, a.Values()...)
}

// stageUsers puts the org's users that match where (over the users alias
// u; $1 is the org) into spam_input, by id, in id order.
func stageUsers(ctx context.Context, tx *sql.Tx, where string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, `
		CREATE TEMP TABLE spam_input ON COMMIT DROP AS
		SELECT row_number() OVER (ORDER BY id) AS ord, NULL::bigint AS line, phone AS raw,
		       NULL::text COLLATE "C" AS phone, id, NULL::text AS err
		FROM users u WHERE u.org_id = $1 AND `+where, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// resolveRefs fills spam_targets from spam_input: the distinct refs, each
// with the user it names. A user named twice counts once.
func resolveRefs(ctx context.Context, tx *sql.Tx, org int64, req Request, act action) error {
	// Distinct refs, resolved to users.
	// Sorts and hashes of 100,000s of refs stay in memory.
	if _, err := tx.ExecContext(ctx, `SET LOCAL work_mem = '64MB'`); err != nil {
		return err
	}
	resolve := `
		CREATE TEMP TABLE spam_targets ON COMMIT DROP AS
		WITH refs AS (
			SELECT DISTINCT ON (k) ord, line, raw, phone, id, err
			FROM (SELECT *, coalesce(phone, id::text, 'invalid:' || coalesce(nullif(raw, ''), ord::text)) AS k FROM spam_input) s
			ORDER BY k, ord
		)
		, found AS (
			SELECT r.*, coalesce(up.id, ui.id) AS user_id
			FROM refs r
			LEFT JOIN users up ON up.org_id = $1 AND up.phone = r.phone
			LEFT JOIN users ui ON ui.org_id = $1 AND ui.id = r.id
		), hidden AS (
			-- Refs that name a user row-level security hides from an
			-- agent-level role: refused, not not found.
			SELECT h.phone, h.id FROM rls_existing_refs(
				(SELECT array_agg(phone) FROM found WHERE user_id IS NULL AND phone IS NOT NULL),
				(SELECT array_agg(id) FROM found WHERE user_id IS NULL AND id IS NOT NULL)) h
		)
		SELECT f.ord, f.line, f.raw, f.err, f.user_id,
		       row_number() OVER (PARTITION BY f.user_id ORDER BY f.ord) AS nth,
		       f.user_id IS NULL AND EXISTS (SELECT 1 FROM hidden h WHERE h.phone = f.phone OR h.id = f.id) AS hidden
		FROM found f`
	args := []any{org}
	if req.Batch != 0 || act.name == expireAction.name {
		// A batch's or an expire's refs are distinct ids read from users:
		// nothing to resolve.
		resolve = `CREATE TEMP TABLE spam_targets ON COMMIT DROP AS
			SELECT ord, line, raw, err, id AS user_id, 1 AS nth, false AS hidden FROM spam_input`
		args = nil
	}
	if _, err := tx.ExecContext(ctx, resolve, args...); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `ANALYZE spam_targets`)
	return err
}
