package campaign

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/store"
)

// Member is one user of a campaign's audience.
type Member struct {
	UserID int64  `json:"user_id"`
	Phone  string `json:"phone"`
	Name   string `json:"name"`
}

// audienceSQL is the SELECT of the users a segment reaches now (rule 5 in
// SQL: store.AudienceWhere), in id order.
func audienceSQL(orgID int64, seg rules.Segment, cols string) (string, []any) {
	a := store.NewArgs(orgID)
	return fmt.Sprintf(`SELECT %s FROM users u WHERE u.org_id = $1 AND %s`, cols, store.AudienceWhere(seg, "u", a)), a.Values()
}

// Audience streams the users the campaign would message now, spam users
// never among them, in id order, each to fn as its row arrives.
func Audience(ctx context.Context, q store.Querier, orgID int64, name string, fn func(Member) error) error {
	c, err := Find(ctx, q, orgID, name)
	if err != nil {
		return err
	}
	query, args := audienceSQL(orgID, c.Segment, "u.id, u.phone, u.name")
	rows, err := q.QueryContext(ctx, query+` ORDER BY u.id`, args...)
	if err != nil {
		return store.Translate(ctx, err)
	}
	defer rows.Close()
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.UserID, &m.Phone, &m.Name); err != nil {
			return store.Translate(ctx, err)
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return store.Translate(ctx, rows.Err())
}

// AudienceCount is the size of the campaign's audience now.
func AudienceCount(ctx context.Context, q store.Querier, orgID int64, name string) (int64, error) {
	c, err := Find(ctx, q, orgID, name)
	if err != nil {
		return 0, err
	}
	query, args := audienceSQL(orgID, c.Segment, "count(*)")
	var n int64
	err = q.QueryRowContext(ctx, query, args...).Scan(&n)
	return n, store.Translate(ctx, err)
}

// Scheduled is what campaign schedule added to a recipient list.
type Scheduled struct {
	Campaign string `json:"campaign"`
	Pending  int64  `json:"pending"`
	Excluded int64  `json:"excluded"`
}

// Schedule materialises a one-time campaign's recipient list: pending for
// each user of its audience, excluded (reason spam) for each spam user of
// its segment. Scheduling again before the run adds the users who joined
// the segment since and leaves existing entries as they are.
func Schedule(ctx context.Context, db *store.DB, orgID int64, name string) (Scheduled, error) {
	out := Scheduled{}
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		out = Scheduled{}
		if err := lockLists(ctx, tx, orgID); err != nil {
			return err
		}
		c, err := findForUpdate(ctx, tx, orgID, name)
		if err != nil {
			return err
		}
		out.Campaign = c.Name
		if c.Kind != rules.OneTime {
			return errs.Usagef("Campaign %q is ongoing: it has no recipient list; 'inboxctl campaign run' messages its audience as it is at each run.", c.Name)
		}
		if c.HasRun() {
			return errs.Refusedf("Campaign %q has already run; its recipient list is history and cannot be scheduled again.", c.Name)
		}
		if err := store.TallyOwnWrites(ctx, tx); err != nil {
			return err
		}
		a := store.NewArgs(orgID, c.ID, string(rules.Pending), string(rules.Excluded), rules.ExcludedReasonSpam)
		seg := store.SegmentWhere(c.Segment, "u", a)
		// The new pending entries are tallied in the same statement; their
		// users are not spam (a mark, which would exclude them, waits for
		// the lists lock we hold).
		rows, err := tx.QueryContext(ctx, fmt.Sprintf(`
			WITH added AS (
				INSERT INTO campaign_recipients (org_id, campaign_id, run, user_id, status, reason)
				SELECT $1, $2, 0, u.id,
				       CASE WHEN u.spam THEN $4 ELSE $3 END,
				       CASE WHEN u.spam THEN $5 END
				FROM users u WHERE u.org_id = $1 AND %s
				ORDER BY u.id
				ON CONFLICT (org_id, campaign_id, run, user_id) DO NOTHING
				RETURNING campaign_id, status),
			counts AS (SELECT status, count(*) AS n FROM added GROUP BY status),
			tally AS (%s)
			SELECT status, n FROM counts`, seg, store.PendingDeltaSQL(+1, "added WHERE status = $3")), a.Values()...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var status string
			var n int64
			if err := rows.Scan(&status, &n); err != nil {
				return err
			}
			if status == string(rules.Pending) {
				out.Pending = n
			} else {
				out.Excluded = n
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET scheduled_at = now() WHERE org_id = $1 AND id = $2`, orgID, c.ID); err != nil {
			return err
		}
		return store.CompactTallies(ctx, tx, orgID)
	})
	if err == nil && out.Pending+out.Excluded > 0 {
		// A big list lands in a table the planner may have last seen empty;
		// until autovacuum catches up, campaign check and spam mark would
		// plan for a tiny table and scan the list once per spam user.
		// Only statistics: a failure here changes nothing that was done.
		_, _ = db.ExecContext(ctx, `ANALYZE campaign_recipients`)
	}
	return out, store.Translate(ctx, err)
}

// Recipient is one entry of a campaign's recipient list.
type Recipient struct {
	UserID int64   `json:"user_id"`
	Phone  string  `json:"phone"`
	Status string  `json:"status"`
	Reason *string `json:"reason"`
}

// ParseStatus validates --status ("" is every status).
func ParseStatus(s string) (rules.RecipientStatus, error) {
	switch st := rules.RecipientStatus(s); st {
	case "", rules.Pending, rules.Sent, rules.Excluded:
		return st, nil
	}
	return "", errs.Usagef("--status must be pending, sent or excluded, not %q.", s)
}

// Recipients streams a campaign's recipient entries (a one-time
// campaign's list; an ongoing campaign's sent entries of every run) in
// user id order, optionally of one status.
func Recipients(ctx context.Context, q store.Querier, orgID int64, name string, status rules.RecipientStatus, fn func(Recipient) error) error {
	if _, err := ParseStatus(string(status)); err != nil {
		return err
	}
	c, err := Find(ctx, q, orgID, name)
	if err != nil {
		return err
	}
	rows, err := q.QueryContext(ctx, `SELECT r.user_id, u.phone, r.status, r.reason
		FROM campaign_recipients r JOIN users u ON u.org_id = r.org_id AND u.id = r.user_id
		WHERE r.org_id = $1 AND r.campaign_id = $2 AND ($3 = '' OR r.status = $3)
		ORDER BY r.run, r.user_id`, orgID, c.ID, string(status))
	if err != nil {
		return store.Translate(ctx, err)
	}
	defer rows.Close()
	for rows.Next() {
		var r Recipient
		if err := rows.Scan(&r.UserID, &r.Phone, &r.Status, &r.Reason); err != nil {
			return store.Translate(ctx, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return store.Translate(ctx, rows.Err())
}

// RunResult is what campaign run recorded.
type RunResult struct {
	Campaign string `json:"campaign"`
	Run      int    `json:"run"`
	Sent     int64  `json:"sent"`
}

// Run records a run, as the sender would: a one-time campaign's pending
// entries become sent; an ongoing campaign records a sent entry for each
// user of its audience now. A spam user is never sent to.
func Run(ctx context.Context, db *store.DB, orgID int64, name string) (RunResult, error) {
	var out RunResult
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		out = RunResult{}
		if err := lockLists(ctx, tx, orgID); err != nil {
			return err
		}
		c, err := findForUpdate(ctx, tx, orgID, name)
		if err != nil {
			return err
		}
		out.Campaign, out.Run = c.Name, c.Runs+1
		if c.Kind == rules.OneTime {
			if c.ScheduledAt == nil {
				return errs.Usagef("Campaign %q has no recipient list yet: run 'inboxctl campaign schedule %s' first.", c.Name, c.Name)
			}
			// The pending entries are non-spam (a mark excludes them under
			// the lock we hold); the join states rule 5 once more. They
			// leave the pending tally; being non-spam, none was an offender.
			if err := store.TallyOwnWrites(ctx, tx); err != nil {
				return err
			}
			err = tx.QueryRowContext(ctx, `
				WITH sent AS (
					UPDATE campaign_recipients r SET status = $3, updated_at = now()
					FROM users u
					WHERE r.org_id = $1 AND r.campaign_id = $2 AND r.status = $4
					  AND u.org_id = r.org_id AND u.id = r.user_id AND NOT u.spam
					RETURNING r.campaign_id),
				n AS (SELECT count(*) AS n FROM sent),
				tally AS (`+store.PendingDeltaSQL(-1, "sent")+`)
				SELECT n FROM n`,
				orgID, c.ID, string(rules.Sent), string(rules.Pending)).Scan(&out.Sent)
			if err != nil {
				return err
			}
		} else {
			a := store.NewArgs(orgID, c.ID, out.Run, string(rules.Sent))
			res, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO campaign_recipients (org_id, campaign_id, run, user_id, status)
				SELECT $1, $2, $3, u.id, $4 FROM users u WHERE u.org_id = $1 AND %s ORDER BY u.id`,
				store.AudienceWhere(c.Segment, "u", a)), a.Values()...)
			if err != nil {
				return err
			}
			if out.Sent, err = res.RowsAffected(); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET last_run_at = now(), runs = runs + 1 WHERE org_id = $1 AND id = $2`, orgID, c.ID); err != nil {
			return err
		}
		return store.CompactTallies(ctx, tx, orgID)
	})
	return out, store.Translate(ctx, err)
}
