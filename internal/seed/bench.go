package seed

import (
	"context"
	"database/sql"

	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/store"
)

// Campaigns of the bench data set, besides the demo's two.
const (
	// BenchAudience is the ongoing campaign of every user (the demo's).
	BenchAudience = "Welcome Series"
	// BenchScheduled is a one-time campaign of every user, scheduled: each
	// user has a pending entry, or an excluded one (reason spam) if spam.
	BenchScheduled = "Everyone"
	// BenchSpamReason is the reason recorded on the seeded spam users.
	BenchSpamReason = "bench seed"
)

// BenchSpam reports whether demo user i (1-based) is spam in the bench data.
func BenchSpam(i int) bool { return i%10 == 7 }

// BenchResult says what Bench seeded.
type BenchResult struct {
	Result
	Spam      int64 `json:"spam"`
	SpamBatch int64 `json:"spam_batch"`
}

// Bench seeds the demo data set (Demo) and turns it into the data set of
// `inboxctl bench`: every tenth user (BenchSpam) marked as spam by the owner
// with the mark's whole effect (flag, trait, stored folder, timeline, one
// batch), and a one-time campaign of every user (BenchScheduled) scheduled,
// so its recipient list holds one entry per user. It ends with VACUUM
// ANALYZE, the state of a database that has settled.
func Bench(ctx context.Context, db *store.DB, n int) (BenchResult, error) {
	demo, err := Demo(ctx, db, n)
	if err != nil {
		return BenchResult{}, err
	}
	res := BenchResult{Result: demo}
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		var orgID, owner int64
		if err := tx.QueryRowContext(ctx, `SELECT o.id, a.id FROM orgs o JOIN agents a ON a.org_id = o.id AND a.email = $2 WHERE o.slug = $1`,
			Org, Owner).Scan(&orgID, &owner); err != nil {
			return err
		}
		// The campaign tallies are counted once at the end, not row by row.
		if err := store.TallyOwnWrites(ctx, tx); err != nil {
			return err
		}
		// The seed marks users: the rule guards let a mark's writes through.
		if _, err := tx.ExecContext(ctx, store.SpamWriteSQL); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, store.Consts(`INSERT INTO spam_batches (org_id, action, actor_id, reason, created_at)
			VALUES ($1, {batch_mark}, $2, $3, '2026-01-02Z') RETURNING id`), orgID, owner, BenchSpamReason).Scan(&res.SpamBatch); err != nil {
			return err
		}
		err := store.ExecAll(ctx, tx,
			store.NewStmt(`UPDATE users SET spam = true, spam_marked_by = $2, spam_marked_at = '2026-01-02Z', spam_reason = $3, spam_batch_id = $4,
				traits = traits || jsonb_build_object($5::text, $6::text)
			  WHERE org_id = $1 AND substr(phone, 6)::int % 10 = 7`,
				orgID, owner, BenchSpamReason, res.SpamBatch, rules.SpamTrait, rules.TraitValue(true)),
			store.NewStmt(`UPDATE chats c SET folder = $3, spam_marked_by = $2
			  FROM users u WHERE u.org_id = $1 AND u.spam AND c.org_id = $1 AND c.user_id = u.id`,
				orgID, owner, string(rules.StoredSpam)),
			store.NewStmt(store.Consts(`INSERT INTO chat_events (org_id, user_id, event, actor_id, at, reason, batch_id)
			  SELECT $1, id, {event_marked}, $2, '2026-01-02Z', $3, $4 FROM users WHERE org_id = $1 AND spam ORDER BY id`),
				orgID, owner, BenchSpamReason, res.SpamBatch),
			store.NewStmt(`UPDATE spam_batches SET requested = s.n, changed = s.n
			  FROM (SELECT count(*) AS n FROM users WHERE org_id = $1 AND spam) s WHERE org_id = $1 AND id = $2`,
				orgID, res.SpamBatch),
			store.NewStmt(store.Consts(`INSERT INTO campaigns (org_id, name, kind, segment, created_at, scheduled_at)
			  VALUES ($1, $2, {kind_one_time}, '{}', '2026-01-02Z', '2026-01-02Z')`),
				orgID, BenchScheduled),
			store.NewStmt(`INSERT INTO campaign_recipients (org_id, campaign_id, run, user_id, status, reason, updated_at)
			  SELECT $1, cp.id, 0, u.id, CASE WHEN u.spam THEN $3 ELSE $4 END, CASE WHEN u.spam THEN $5 END, '2026-01-02Z'
			  FROM campaigns cp, users u WHERE cp.org_id = $1 AND cp.name = $2 AND u.org_id = $1 ORDER BY u.id`,
				orgID, BenchScheduled, string(rules.Excluded), string(rules.Pending), rules.ExcludedReasonSpam),
		)
		if err != nil {
			return err
		}
		if err := store.RecountTallies(ctx, tx, orgID); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE org_id = $1 AND spam`, orgID).Scan(&res.Spam)
	})
	if err != nil {
		return BenchResult{}, store.Translate(ctx, err)
	}
	if _, err := db.ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
		return BenchResult{}, store.Translate(ctx, err)
	}
	return res, nil
}
