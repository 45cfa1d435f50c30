package store

import (
	"context"
	"fmt"
	"strings"
)

// invariants are what the spam rules (see package rules) demand of the
// stored state, and the tallies campaign check reads: each query counts
// the rows of the org $1 that break one. The unit tests, the reliability
// tests and the bench's concurrency row all check these after their races.
var invariants = []struct{ rule, sql string }{
	{"a chat is in the spam folder exactly when its user is spam (rules 1, 2)", `
		SELECT count(*) FROM users u JOIN chats c ON c.org_id = u.org_id AND c.user_id = u.id
		WHERE u.org_id = $1 AND (c.folder = {folder_spam}) <> u.spam`},
	{"the trait says the flag (rule 4)", `
		SELECT count(*) FROM users
		WHERE org_id = $1 AND coalesce(traits->>{spam_trait}, {trait_no}) <> CASE WHEN spam THEN {trait_yes} ELSE {trait_no} END`},
	{"a chat's marker is its user's (rules 2, 7)", `
		SELECT count(*) FROM users u JOIN chats c ON c.org_id = u.org_id AND c.user_id = u.id
		WHERE u.org_id = $1 AND c.spam_marked_by IS DISTINCT FROM u.spam_marked_by`},
	{"a spam user has who, when and batch (rule 7)", `
		SELECT count(*) FROM users
		WHERE org_id = $1 AND spam AND (spam_marked_by IS NULL OR spam_marked_at IS NULL OR spam_batch_id IS NULL)`},
	{"a user's last mark or unmark event says the flag (rule 7)", `
		SELECT count(*) FROM users u
		JOIN LATERAL (SELECT event FROM chat_events e WHERE e.org_id = u.org_id AND e.user_id = u.id
			AND e.event IN ({event_marked}, {event_unmarked}) ORDER BY id DESC LIMIT 1) e ON true
		WHERE u.org_id = $1 AND (e.event = {event_marked}) <> u.spam`},
	{"every mark, unmark and expire recorded one event a user (rule 7)", `
		SELECT abs((SELECT coalesce(sum(changed), 0) FROM spam_batches WHERE org_id = $1)
			- (SELECT count(*) FROM chat_events WHERE org_id = $1 AND event IN ({event_marked}, {event_unmarked})))`},
	{"no pending campaign entry for a spam user (rule 5)", `
		SELECT count(*) FROM campaign_recipients cr JOIN users u ON u.org_id = cr.org_id AND u.id = cr.user_id
		WHERE cr.org_id = $1 AND cr.status = {pending} AND u.spam`},
	{"no entry excluded for spam of a non-spam user in a campaign that has not run (rule 9)", `
		SELECT count(*) FROM campaign_recipients cr JOIN users u ON u.org_id = cr.org_id AND u.id = cr.user_id
		JOIN campaigns cp ON cp.org_id = cr.org_id AND cp.id = cr.campaign_id
		WHERE cr.org_id = $1 AND cr.status = {excluded} AND cr.reason = {reason_spam} AND NOT u.spam
			AND cp.kind = {kind_one_time} AND cp.last_run_at IS NULL`},
	{"no assign or label event between a mark and the next unmark (rule 3)", `
		SELECT count(*) FROM chat_events e
		WHERE e.org_id = $1 AND e.event IN ({event_assigned}, {event_unassigned}, {event_labelled}, {event_unlabelled})
			AND (SELECT m.event FROM chat_events m WHERE m.org_id = e.org_id AND m.user_id = e.user_id AND m.id < e.id
			     AND m.event IN ({event_marked}, {event_unmarked}) ORDER BY m.id DESC LIMIT 1) = {event_marked}`},
	{"no assign or label landed on a chat after its user was marked (rules 3, 11)", `
		SELECT count(*) FROM users u
		CROSS JOIN LATERAL (SELECT max(id) AS id FROM chat_events e
			WHERE e.org_id = u.org_id AND e.user_id = u.id AND e.event = {event_marked}) m
		WHERE u.org_id = $1 AND u.spam AND EXISTS (SELECT 1 FROM chat_events e
			WHERE e.org_id = u.org_id AND e.user_id = u.id AND e.id > m.id
			AND e.event IN ({event_assigned}, {event_unassigned}, {event_labelled}, {event_unlabelled}))`},
	{"no expiry on a user who is not spam (an unmark or expire clears it)", `
		SELECT count(*) FROM users WHERE org_id = $1 AND NOT spam AND spam_until IS NOT NULL`},
	{"the campaign tallies equal the recipient rows (what campaign check reads)", `
		SELECT count(*) FROM (
			SELECT campaign_id, sum(pending) AS pending, sum(offenders) AS offenders
			FROM campaign_tallies WHERE org_id = $1 GROUP BY campaign_id HAVING sum(pending) <> 0 OR sum(offenders) <> 0) t
		FULL JOIN (
			SELECT r.campaign_id, count(*) AS pending, count(*) FILTER (WHERE u.spam) AS offenders
			FROM campaign_recipients r JOIN users u ON u.org_id = r.org_id AND u.id = r.user_id
			WHERE r.org_id = $1 AND r.status = {pending} GROUP BY r.campaign_id) c USING (campaign_id)
		WHERE t.pending IS DISTINCT FROM c.pending OR t.offenders IS DISTINCT FROM c.offenders`},
	{"the spam user tally equals the spam users", `
		SELECT abs((SELECT coalesce(sum(users), 0) FROM spam_user_tallies WHERE org_id = $1)
			- (SELECT count(*) FROM users WHERE org_id = $1 AND spam))`},
}

// Violation is one invariant broken: which, and how many rows break it.
type Violation struct {
	Rule string
	Rows int64
}

// Violations are the invariants broken, in the order they are checked.
type Violations []Violation

// Rows is how many rows break an invariant, over all of them.
func (v Violations) Rows() int64 {
	var n int64
	for _, x := range v {
		n += x.Rows
	}
	return n
}

// String names each invariant broken with its count of rows ("" if none).
func (v Violations) String() string {
	if len(v) == 0 {
		return ""
	}
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%s: %d", x.Rule, x.Rows)
	}
	return "broken: " + strings.Join(parts, "; ")
}

// RuleViolations checks every invariant over the org (orgID 0: over every
// org, one after another) and returns those broken; none is nil.
func RuleViolations(ctx context.Context, q Querier, orgID int64) (Violations, error) {
	orgs := []int64{orgID}
	if orgID == 0 {
		var err error
		if orgs, err = orgIDs(ctx, q); err != nil {
			return nil, err
		}
	}
	var out Violations
	for _, inv := range invariants {
		var total int64
		for _, org := range orgs {
			var n int64
			if err := q.QueryRowContext(ctx, Consts(inv.sql), org).Scan(&n); err != nil {
				return nil, fmt.Errorf("checking %q: %w", inv.rule, err)
			}
			total += n
		}
		if total > 0 {
			out = append(out, Violation{Rule: inv.rule, Rows: total})
		}
	}
	return out, nil
}

func orgIDs(ctx context.Context, q Querier) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM orgs ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
