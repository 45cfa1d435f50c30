package spam

import (
	"context"
	"database/sql"
	"time"

	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/store"
)

// effect is what a change writes beside its users: who (NULL for an
// expire), why, under which batch, and the expiry a mark sets (nil: none).
type effect struct {
	org    int64
	agent  sql.NullInt64
	reason any
	batch  int64
	until  *time.Time
	// rls: the session is under row-level security (store.RowSecurity).
	rls bool
}

// untilDetail is the timeline's detail of a mark with an expiry.
func (e effect) untilDetail() any {
	if e.until == nil {
		return nil
	}
	return "until " + e.until.UTC().Format(time.RFC3339)
}

// tallyOwnWrites: this transaction writes its campaign tally deltas itself
// (see store.TallyOwnWrites).
var tallyOwnWrites = store.Stmt{SQL: store.TallyOwnWritesSQL}

// spamWrite: this transaction is a mark or an unmark (store.SpamWriteSQL).
var spamWrite = store.Stmt{SQL: store.SpamWriteSQL}

// compactTallies folds the org's tally deltas (store.CompactTallies).
func compactTallies(org int64) store.Stmt {
	return store.Stmt{SQL: store.CompactTalliesSQL, Args: []any{org}}
}

// lockCampaignLists waits for a campaign schedule or run of the org to end
// (see store.CampaignListsLock); marks and unmarks share it.
func lockCampaignLists(org int64) store.Stmt {
	return store.Stmt{SQL: `SELECT pg_advisory_xact_lock_shared($1)`, Args: []any{store.CampaignListsLock(org)}}
}

// markEffect is the whole effect of a mark on the refs whose status is
// rules.Marked: flag, trait, expiry, stored folder, timeline, campaign
// exclusions.
func markEffect(ctx context.Context, tx *sql.Tx, e effect) error {
	org, agent, reason, batch := e.org, e.agent, e.reason, e.batch
	return store.ExecAll(ctx, tx,
		lockCampaignLists(org),
		tallyOwnWrites,
		spamWrite,
		store.NewStmt(store.SpamUsersDeltaSQL(+1, store.Consts(`spam_outcomes WHERE status = {ref_marked}`)), org),
		store.NewStmt(store.Consts(`UPDATE users u SET spam = true, spam_marked_by = $2, spam_marked_at = now(), spam_reason = $3, spam_batch_id = $4,
				spam_until = $7, traits = u.traits || jsonb_build_object($5::text, $6::text)
			FROM spam_outcomes r WHERE r.status = {ref_marked} AND u.org_id = $1 AND u.id = r.user_id`),
			org, agent, reason, batch, rules.SpamTrait, rules.TraitValue(true), e.until),
		store.NewStmt(store.Consts(`UPDATE chats c SET folder = $3, spam_marked_by = $2
			FROM spam_outcomes r WHERE r.status = {ref_marked} AND c.org_id = $1 AND c.user_id = r.user_id`),
			org, agent, string(rules.StoredSpam)),
		store.NewStmt(store.Consts(`INSERT INTO chat_events (org_id, user_id, event, actor_id, reason, batch_id, detail)
			SELECT $1, r.user_id, {event_marked}, $2, $3, $4, $5 FROM spam_outcomes r WHERE r.status = {ref_marked} ORDER BY r.user_id`),
			org, agent, reason, batch, e.untilDetail()),
		// The entries were pending for users who were not spam until now
		// (and are locked since): fewer pending, no offender gone. The flip
		// above adds no offender, since none of their entries stays pending.
		store.NewStmt(store.Consts(`WITH excluded AS (
				UPDATE campaign_recipients cr SET status = $2, reason = $3, updated_at = now()
				FROM spam_outcomes r WHERE r.status = {ref_marked} AND cr.org_id = $1 AND cr.user_id = r.user_id AND cr.status = $4
				RETURNING cr.campaign_id)
			`)+store.PendingDeltaSQL(-1, "excluded"),
			org, string(rules.Excluded), rules.ExcludedReasonSpam, string(rules.Pending)),
		compactTallies(org),
	)
}

// expiryEffect gives the refs whose status is rules.Updated (spam users
// re-marked with an expiry) the new expiry, on their timeline too. Their
// flag, folder and campaign entries stay as they are.
func expiryEffect(ctx context.Context, tx *sql.Tx, e effect) error {
	return store.ExecAll(ctx, tx,
		store.NewStmt(store.Consts(`UPDATE users u SET spam_until = $2 FROM spam_outcomes r WHERE r.status = {ref_updated} AND u.org_id = $1 AND u.id = r.user_id`), e.org, e.until),
		store.NewStmt(store.Consts(`INSERT INTO chat_events (org_id, user_id, event, actor_id, reason, batch_id, detail)
			SELECT $1, r.user_id, {event_until_changed}, $2, $3, $4, $5 FROM spam_outcomes r WHERE r.status = {ref_updated} ORDER BY r.user_id`),
			e.org, e.agent, e.reason, e.batch, e.untilDetail()),
	)
}

// unmarkEffect reverts a mark for the refs whose status is rules.Unmarked: an
// unmark's, or an expire's (no agent, reason expired).
func unmarkEffect(ctx context.Context, tx *sql.Tx, e effect) error {
	org, agent, reason, batch := e.org, e.agent, e.reason, e.batch
	return store.ExecAll(ctx, tx,
		lockCampaignLists(org),
		tallyOwnWrites,
		spamWrite,
		store.NewStmt(store.SpamUsersDeltaSQL(-1, store.Consts(`spam_outcomes WHERE status = {ref_unmarked}`)), org),
		store.NewStmt(store.Consts(`UPDATE users u SET spam = false, spam_marked_by = NULL, spam_marked_at = NULL, spam_reason = NULL, spam_batch_id = NULL,
				spam_until = NULL, traits = u.traits || jsonb_build_object($2::text, $3::text)
			FROM spam_outcomes r WHERE r.status = {ref_unmarked} AND u.org_id = $1 AND u.id = r.user_id`),
			org, rules.SpamTrait, rules.TraitValue(false)),
		store.NewStmt(store.Consts(`INSERT INTO chat_events (org_id, user_id, event, actor_id, reason, batch_id)
			SELECT $1, r.user_id, {event_unmarked}, $2, $3, $4 FROM spam_outcomes r WHERE r.status = {ref_unmarked} ORDER BY r.user_id`),
			org, agent, reason, batch),
		// Pending entries of these users were offenders while the users
		// were spam: no longer.
		store.NewStmt(store.OffendersClearedSQL(`(SELECT user_id FROM spam_outcomes WHERE status = {ref_unmarked})`), org),
		store.NewStmt(store.Consts(`WITH restored AS (
				UPDATE campaign_recipients cr SET status = $2, reason = NULL, updated_at = now()
				FROM spam_outcomes r, campaigns cp
				WHERE r.status = {ref_unmarked} AND cr.org_id = $1 AND cr.user_id = r.user_id
				  AND cr.status = $3 AND cr.reason = $4
				  AND cp.org_id = cr.org_id AND cp.id = cr.campaign_id AND cp.kind = {kind_one_time} AND cp.last_run_at IS NULL
				RETURNING cr.campaign_id)
			`)+store.PendingDeltaSQL(+1, "restored"),
			org, string(rules.Pending), string(rules.Excluded), rules.ExcludedReasonSpam),
		// Last: under row-level security, the rows above are found through
		// the chat, which an unmark may move out of the agent's view.
		unmarkChats(e.rls, org),
		compactTallies(org),
	)
}

// unmarkChats returns the unmarked users' chats to the inbox; an
// agent-level role does it through store.UnmarkChatsSQL, since a chat it
// marked that is assigned to another agent leaves its view.
func unmarkChats(rls bool, org int64) store.Stmt {
	if rls {
		return store.NewStmt(store.UnmarkChatsSQL, org)
	}
	return store.NewStmt(store.Consts(`UPDATE chats c SET folder = $2, spam_marked_by = NULL
		FROM spam_outcomes r WHERE r.status = {ref_unmarked} AND c.org_id = $1 AND c.user_id = r.user_id`),
		org, string(rules.StoredInbox))
}
