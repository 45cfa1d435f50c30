package store

import (
	"context"
	"database/sql"
	"fmt"
)

// The campaign tallies (migration 0003) keep, per campaign, the number of
// pending entries and of pending entries whose user is spam, and per org
// the number of spam users, as delta rows. inboxctl's writers add their
// deltas set-based, in the statement that makes the change; a write by
// anything else marks the org dirty (a trigger), and the tallies are then
// recounted from the rows.

// TallyOwnWrites tells the tally triggers that this transaction writes its
// own deltas (SET LOCAL inboxctl.tallied): every statement of tx that
// changes a recipient's pending state or a user's spam flag must then add
// its delta to campaign_tallies and spam_user_tallies itself.
func TallyOwnWrites(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, TallyOwnWritesSQL)
	return err
}

// TallyOwnWritesSQL is TallyOwnWrites' statement, for a list of statements.
const TallyOwnWritesSQL = `SELECT set_config('inboxctl.tallied', 'on', true)`

// CompactTalliesSQL is CompactTallies' statement; $1 is the org.
const CompactTalliesSQL = `SELECT campaign_tally_compact($1)`

// CompactTallies folds the org's delta rows into one row per campaign, unless
// another transaction is folding them now.
func CompactTallies(ctx context.Context, tx *sql.Tx, orgID int64) error {
	_, err := tx.ExecContext(ctx, CompactTalliesSQL, orgID)
	return err
}

// The tally deltas: SQL that inboxctl's writers run in the statement that
// makes a change (after the WITH that makes it) or beside it, in a
// transaction that has run TallyOwnWrites. $1 is the org.

// SpamUsersDeltaSQL adds sign (+1 or -1) times the number of rows of from
// (what follows FROM: the users a mark marked, or an unmark unmarked) to
// the org's spam user tally.
func SpamUsersDeltaSQL(sign int, from string) string {
	return fmt.Sprintf(`INSERT INTO spam_user_tallies (org_id, users) SELECT $1, %s FROM %s`, signedCount(sign), from)
}

// PendingDeltaSQL adds sign (+1 or -1) times the number of rows of from
// (what follows FROM; rows with a campaign_id: entries that became pending,
// or left it) to each of their campaigns' pending tally.
func PendingDeltaSQL(sign int, from string) string {
	return fmt.Sprintf(`INSERT INTO campaign_tallies (org_id, campaign_id, pending, offenders)
		SELECT $1, campaign_id, %s, 0 FROM %s GROUP BY campaign_id`, signedCount(sign), from)
}

// OffendersClearedSQL takes, from each campaign's offender tally, the
// pending entries of the users of from (what follows FROM; rows with a
// user_id: users an unmark made not spam). Only a write around inboxctl
// makes an offender, and the tallies show it (offenders, or a dirty note);
// without either, the probe of every user's entries is skipped.
func OffendersClearedSQL(from string) string {
	return Consts(`INSERT INTO campaign_tallies (org_id, campaign_id, pending, offenders)
		SELECT $1, cr.campaign_id, 0, -count(*) FROM ` + from + ` r
		JOIN campaign_recipients cr ON cr.org_id = $1 AND cr.user_id = r.user_id AND cr.status = {pending}
		WHERE EXISTS (SELECT 1 FROM campaign_tally_dirty WHERE org_id = $1)
		   OR (SELECT coalesce(sum(offenders), 0) FROM campaign_tallies WHERE org_id = $1) <> 0
		GROUP BY cr.campaign_id`)
}

func signedCount(sign int) string {
	if sign < 0 {
		return "-count(*)"
	}
	return "count(*)"
}

// Tally is a campaign's running count.
type Tally struct {
	Pending   int64
	Offenders int64
}

// Tallies sums the tallies of the given campaigns; a campaign with no row
// has none of either.
func Tallies(ctx context.Context, q Querier, orgID int64, campaigns []int64) (map[int64]Tally, error) {
	rows, err := q.QueryContext(ctx, `SELECT campaign_id, sum(pending), sum(offenders) FROM campaign_tallies
		WHERE org_id = $1 AND campaign_id = ANY($2) GROUP BY campaign_id`, orgID, Int64Array(campaigns))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64]Tally, len(campaigns))
	for rows.Next() {
		var id int64
		var t Tally
		if err := rows.Scan(&id, &t.Pending, &t.Offenders); err != nil {
			return nil, err
		}
		out[id] = t
	}
	return out, rows.Err()
}

// CountPending counts the given campaigns' pending entries from the rows.
func CountPending(ctx context.Context, q Querier, orgID int64, campaigns []int64) (map[int64]int64, error) {
	rows, err := q.QueryContext(ctx, Consts(`SELECT campaign_id, count(*) FROM campaign_recipients
		WHERE org_id = $1 AND campaign_id = ANY($2) AND status = {pending} GROUP BY campaign_id`), orgID, Int64Array(campaigns))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64]int64, len(campaigns))
	for rows.Next() {
		var id, n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// TalliesDirty reports whether something other than inboxctl changed a
// recipient's pending state or a user's spam flag in the org since its
// tallies were last counted (they may be wrong until RepairTallies).
func TalliesDirty(ctx context.Context, q Querier, orgID int64) (bool, error) {
	var dirty bool
	err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM campaign_tally_dirty WHERE org_id = $1)`, orgID).Scan(&dirty)
	return dirty, err
}

// SpamUsers is the org's count of spam users, from its tally.
func SpamUsers(ctx context.Context, q Querier, orgID int64) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT coalesce(sum(users), 0) FROM spam_user_tallies WHERE org_id = $1`, orgID).Scan(&n)
	return n, err
}

// CountSpamUsers counts the org's spam users from their rows.
func CountSpamUsers(ctx context.Context, q Querier, orgID int64) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE org_id = $1 AND spam`, orgID).Scan(&n)
	return n, err
}

// WhyNoRecount says why this session may not recount the org's tallies:
// the server is a hot standby, or the role may not write the tally tables
// (a read-level role's, a CI job's). It is "" when it may.
func WhyNoRecount(ctx context.Context, q Querier) (string, error) {
	var standby, may bool
	var role string
	err := q.QueryRowContext(ctx, `SELECT pg_catalog.pg_is_in_recovery(),
		pg_catalog.has_table_privilege('campaign_tallies', 'INSERT, DELETE')
		AND pg_catalog.has_table_privilege('spam_user_tallies', 'INSERT, DELETE')
		AND pg_catalog.has_table_privilege('campaign_tally_dirty', 'DELETE'), current_user`).Scan(&standby, &may, &role)
	switch {
	case err != nil:
		return "", err
	case standby:
		return "this server is a read-only standby", nil
	case !may:
		return fmt.Sprintf("role %s may not write the tally tables", role), nil
	}
	return "", nil
}

// TallyFoldLockKey is the first key of the advisory lock held while an
// org's tallies are folded or recounted; the second is the org's id mod
// 2147483647. campaign_tally_compact takes it in SQL with the same number,
// written in migrations 0003_campaign_tallies.sql and
// 0004_definer_search_path.sql (applied, so not edited);
// TestTallyFoldLockKeyInMigrations holds them together.
const TallyFoldLockKey = 1651076197

// RepairTallies recounts the org's tallies (RecountTallies) in one
// REPEATABLE READ snapshot, while no other transaction folds them. With
// wait false it gives up at once (done false) when one is folding them.
func (db *DB) RepairTallies(ctx context.Context, orgID int64, wait bool) (done bool, err error) {
	lock := fmt.Sprintf(`SELECT pg_try_advisory_xact_lock(%d, ($1 %% 2147483647)::integer)`, TallyFoldLockKey)
	if wait {
		lock = fmt.Sprintf(`SELECT true FROM pg_advisory_xact_lock(%d, ($1 %% 2147483647)::integer)`, TallyFoldLockKey)
	}
	begin := func() (*sql.Tx, error) { return db.beginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead}) }
	err = db.inTx(ctx, begin, func(tx *sql.Tx) error {
		// The lock campaign_tally_compact tries (TallyFoldLockKey).
		if err := tx.QueryRowContext(ctx, lock, orgID).Scan(&done); err != nil || !done {
			return err
		}
		return RecountTallies(ctx, tx, orgID)
	})
	return done, err
}

// RecountTallies replaces the org's tallies with counts of its recipient
// and user rows, and clears its dirty notes: for a writer that tallies
// nothing as it goes (the seeds), and to repair. Concurrent writers' deltas
// are kept right only in a REPEATABLE READ transaction (what is counted and
// what is deleted is one snapshot).
func RecountTallies(ctx context.Context, tx *sql.Tx, orgID int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM campaign_tallies WHERE org_id = $1`, orgID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, Consts(`INSERT INTO campaign_tallies (org_id, campaign_id, pending, offenders)
		SELECT r.org_id, r.campaign_id, count(*), count(*) FILTER (WHERE u.spam)
		FROM campaign_recipients r LEFT JOIN users u ON u.org_id = r.org_id AND u.id = r.user_id
		WHERE r.org_id = $1 AND r.status = {pending}
		GROUP BY r.org_id, r.campaign_id`), orgID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM spam_user_tallies WHERE org_id = $1`, orgID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO spam_user_tallies (org_id, users)
		SELECT $1, count(*) FROM users WHERE org_id = $1 AND spam HAVING count(*) > 0`, orgID); err != nil {
		return err
	}
	// The writes these counts include are accounted for; one committed
	// after the snapshot keeps its mark.
	_, err := tx.ExecContext(ctx, `DELETE FROM campaign_tally_dirty WHERE org_id = $1`, orgID)
	return err
}

// OrgCount is a count for one org, by slug.
type OrgCount struct {
	Org   string
	Count int64
}

// ExpiredMarks counts, per org, the marks that have expired and wait for
// spam expire (served by the partial index users_spam_until).
func ExpiredMarks(ctx context.Context, q Querier) ([]OrgCount, error) {
	rows, err := q.QueryContext(ctx, `SELECT o.slug, (SELECT count(*) FROM users u WHERE u.org_id = o.id AND `+ExpiredWhere("u")+`)
		FROM orgs o ORDER BY o.slug`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OrgCount
	for rows.Next() {
		var c OrgCount
		if err := rows.Scan(&c.Org, &c.Count); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SpamWriteSQL tells the rule guards (migration 0009) that this transaction
// is a mark or an unmark: it may change users' spam flags and the spam
// trait, and chats' stored spam state.
const SpamWriteSQL = `SELECT set_config('inboxctl.spam_write', 'on', true)`
