// Package spam is the user spam feature's use cases: mark and unmark, single
// or bulk, each one transaction, and the spam list. Refs stream into a temp
// table with COPY; the change is a handful of set-based statements; rows are
// locked in id order so concurrent bulk marks cannot deadlock each other.
package spam

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/store"
)

// Request is a mark or an unmark.
type Request struct {
	Refs []string  // refs given as arguments
	File io.Reader // optional refs file: one ref a line
	By   input.By
	// Reason is recorded on the user and the timeline.
	Reason string
	// Expiry, for mark, makes the mark expire; on a spam user it replaces
	// the expiry of their mark (status updated).
	Expiry input.Expiry
	// Batch, for unmark, selects the users that batch marked and that are
	// still spam (instead of refs).
	Batch       int64
	DryRun      bool
	SkipInvalid bool
	SkipMissing bool
	SkipRefused bool
	// Confirm, if set, is called with the number of distinct refs once they
	// are read and before anything changes; its error aborts.
	Confirm func(refs int64) error
	// OnRef, if set, receives each distinct ref's outcome, in input order,
	// once the outcome is final (after commit, or before the dry run's
	// rollback).
	OnRef func(RefStatus) error
	// OnSkipped, if set, receives each ref a --skip flag passed over, in
	// input order, once the outcome is final.
	OnSkipped func(Problem) error
	// Progress, if set, is told how many refs were read so far.
	Progress func(read int64)
	// Phase, if set, is told when the work moves on from reading the refs
	// to resolving them, writing, and committing.
	Phase func(name string)
}

func (r Request) phase(name string) {
	if r.Phase != nil {
		r.Phase(name)
	}
}

// Summary counts what a mark or unmark did (SPEC §5).
type Summary struct {
	BatchID   *int64 `json:"batch_id"`
	DryRun    bool   `json:"dry_run"`
	Requested int64  `json:"requested"`
	Changed   int64  `json:"changed"`
	Unchanged int64  `json:"unchanged"`
	NotFound  int64  `json:"not_found"`
	Invalid   int64  `json:"invalid"`
	Refused   int64  `json:"refused"`
	Skipped   int64  `json:"skipped"`
	// Updated counts spam users whose expiry a mark replaced; last, so
	// that scripts reading the columns before it by position keep working.
	Updated int64 `json:"updated"`
}

// RefStatus is one distinct input ref's outcome. Line is nil for refs given
// as arguments (or selected by --batch).
type RefStatus struct {
	Ref    string `json:"ref"`
	Line   *int64 `json:"line"`
	UserID *int64 `json:"user_id"`
	Status string `json:"status"`
	// BatchID is the batch of the mark or unmark (nil for a dry run), so a
	// script reading the stream can undo it.
	BatchID *int64 `json:"batch_id"`
}

// Statuses of a ref besides rules' marked/unmarked/unchanged/refused.
const (
	StatusNotFound = "not_found"
	StatusInvalid  = "invalid"
)

// Problem is a ref that is invalid, names no user or is refused: a detail
// of a failed mark or unmark, or a ref a --skip flag passed over.
type Problem struct {
	Line   *int64 // nil for a ref given as an argument
	Ref    string
	Status string // invalid, not_found or refused
	Why    string
}

// String is the problem as one line: where, the ref, what is wrong.
func (p Problem) String() string {
	where := "argument"
	if p.Line != nil {
		where = fmt.Sprintf("line %d", *p.Line)
	}
	switch p.Status {
	case StatusInvalid:
		return fmt.Sprintf("%s: invalid: %s", where, p.Why)
	case StatusNotFound:
		return fmt.Sprintf("%s: %s: %s", where, p.Ref, p.Why)
	}
	return fmt.Sprintf("%s: %s: refused: %s", where, p.Ref, p.Why)
}

type action struct {
	name    string // the batch's kind: mark, unmark or expire
	changed rules.Outcome
	verb    string // for sentences: "marked", "unmarked"
}

var (
	markAction   = action{name: "mark", changed: rules.Marked, verb: "marked"}
	unmarkAction = action{name: "unmark", changed: rules.Unmarked, verb: "unmarked"}
	// expireAction unmarks (rule 9) the users whose mark has expired.
	expireAction = action{name: "expire", changed: rules.Unmarked, verb: "unmarked"}
)

// Mark marks the requested users as spam (rules 1, 3–8, 10, 11).
func Mark(ctx context.Context, db *store.DB, actor directory.Actor, req Request) (Summary, error) {
	if req.Batch != 0 {
		return Summary{}, errs.Usagef("--batch selects users to unmark; to mark, give refs.")
	}
	return run(ctx, db, actor, req, markAction)
}

// Unmark reverts the requested users (rule 9).
func Unmark(ctx context.Context, db *store.DB, actor directory.Actor, req Request) (Summary, error) {
	if req.Expiry.Set() {
		return Summary{}, errs.Usagef("--for and --until are for spam mark.")
	}
	return run(ctx, db, actor, req, unmarkAction)
}

func run(ctx context.Context, db *store.DB, actor directory.Actor, req Request, act action) (Summary, error) {
	if err := input.Plain("--reason", req.Reason, input.MaxReasonLen); err != nil {
		return Summary{}, errs.Usagef("%v.", err)
	}
	if req.Batch != 0 && (len(req.Refs) > 0 || req.File != nil) {
		return Summary{}, errs.Usagef("Give either --batch or refs, not both.")
	}
	if req.By == "" {
		req.By = input.ByAuto
	}
	// One transaction from the first ref read to the last status listed:
	// a transaction-mode pooler (pgbouncer) may run each transaction of a
	// client on another server session, so the temp tables live and die
	// in it (ON COMMIT DROP). The refs are read once, so only the part
	// after staging is retried (a savepoint). What is left to report is
	// spooled before the transaction ends and handed on after it, so a
	// slow reader of the report holds no row lock.
	var sum Summary
	var fail *failure
	out := &outcome{}
	defer out.close()
	empty := false
	err := db.InCopyTx(ctx, nil, func(tx *sql.Tx) error {
		var staged int64
		var err error
		switch {
		case act.name == expireAction.name:
			staged, err = stageExpired(ctx, tx, actor.Org.ID)
		case req.Batch != 0:
			staged, err = stageBatch(ctx, tx, actor.Org.ID, actor.Agent.Rule(), req.Batch)
		default:
			staged, err = stageRefs(ctx, tx, req)
			if err == nil && req.Progress != nil {
				req.Progress(staged) // the exact count, not the last thousand
			}
		}
		if err != nil {
			return err
		}
		if staged == 0 {
			if req.Batch != 0 || act.name == expireAction.name {
				// Every user of the batch was already unmarked, or no mark
				// has expired: nothing to do.
				empty = true
				return store.ErrRollback
			}
			return errs.Usagef("No refs given: pass phones or user ids as arguments, or -f FILE (- for stdin).")
		}
		if req.Confirm != nil && !req.DryRun {
			if err := req.Confirm(staged); err != nil {
				return err
			}
		}
		err = db.InSavepoint(ctx, tx, func() error {
			req.phase("resolving")
			sum = Summary{DryRun: req.DryRun}
			fail, err = apply(ctx, tx, actor, req, act, &sum)
			return err
		})
		if err != nil {
			return err
		}
		if err := out.read(ctx, tx, req, act, fail); err != nil {
			return err
		}
		if fail != nil || req.DryRun {
			// A failure has changed nothing but temp tables; a dry run
			// keeps nothing.
			return store.ErrRollback
		}
		req.phase("committing")
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrRollback) {
		return sum, err
	}
	switch {
	case empty:
		return Summary{DryRun: req.DryRun}, nil
	case fail != nil:
		return sum, fail.err
	case req.DryRun:
		sum.BatchID = nil
		return sum, out.emit(req, nil)
	}
	// Committed: a report cut off now must not read as a rollback.
	return sum, CutOff(act.name, sum, out.emit(req, sum.BatchID))
}

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

// emit hands the spooled report to the request's callbacks.
// emit hands on what read spooled; every ref's status carries the batch
// (nil for a dry run), so a script reading the stream can undo it.
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

// stageRefs copies the refs (arguments, then file lines) into the
// transaction's temp table spam_refs, parsed: phone or id, or the reason it
// is invalid.
func stageRefs(ctx context.Context, tx *sql.Tx, req Request) (int64, error) {
	if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE spam_refs (ord bigint, line bigint, raw text, phone text COLLATE "C", id bigint, err text) ON COMMIT DROP`); err != nil {
		return 0, err
	}
	var ord int64
	var lineErr error
	err := store.Copy(ctx, tx, "spam_refs", []string{"ord", "line", "raw", "phone", "id", "err"}, func(row func(...any) error) error {
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
// table spam_refs, by id. A user outside the view is left out, not
// refused: nothing of it leaks past the view (not even its phone), as
// row-level security leaves it out for the agent's own role.
func stageBatch(ctx context.Context, tx *sql.Tx, orgID int64, agent rules.Agent, batch int64) (int64, error) {
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM spam_batches WHERE org_id = $1 AND id = $2 AND action = 'mark')`, orgID, batch).Scan(&exists); err != nil {
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
// u; $1 is the org) into spam_refs, by id, in id order.
func stageUsers(ctx context.Context, tx *sql.Tx, where string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, `
		CREATE TEMP TABLE spam_refs ON COMMIT DROP AS
		SELECT row_number() OVER (ORDER BY id) AS ord, NULL::bigint AS line, phone AS raw,
		       NULL::text COLLATE "C" AS phone, id, NULL::text AS err
		FROM users u WHERE u.org_id = $1 AND `+where, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// apply classifies every distinct ref and, unless a failure stops it,
// changes the users, in the transaction tx. A failure is returned before
// anything but a temp table is written.
func apply(ctx context.Context, tx *sql.Tx, actor directory.Actor, req Request, act action, sum *Summary) (*failure, error) {
	org, agent := actor.Org.ID, actor.Agent.Rule()
	// Distinct refs, resolved to users; a user named twice counts once.
	// Sorts and hashes of 100,000s of refs stay in memory.
	if _, err := tx.ExecContext(ctx, `SET LOCAL work_mem = '64MB'`); err != nil {
		return nil, err
	}
	resolve := `
		CREATE TEMP TABLE spam_resolved ON COMMIT DROP AS
		WITH refs AS (
			SELECT DISTINCT ON (k) ord, line, raw, phone, id, err
			FROM (SELECT *, coalesce(phone, id::text, 'invalid:' || coalesce(nullif(raw, ''), ord::text)) AS k FROM spam_refs) s
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
		resolve = `CREATE TEMP TABLE spam_resolved ON COMMIT DROP AS
			SELECT ord, line, raw, err, id AS user_id, 1 AS nth, false AS hidden FROM spam_refs`
		args = nil
	}
	if _, err := tx.ExecContext(ctx, resolve, args...); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `ANALYZE spam_resolved`); err != nil {
		return nil, err
	}
	// The expiry a mark sets, on the database's clock: --for counts from
	// the mark's own time (now(), the transaction's start).
	var until *time.Time
	if req.Expiry.Set() {
		until = new(time.Time)
		if err := tx.QueryRowContext(ctx, `SELECT coalesce($1::timestamptz, now() + make_interval(secs => $2))`,
			req.Expiry.Until, req.Expiry.For.Seconds()).Scan(until); err != nil {
			return nil, err
		}
	}
	if err := classify(ctx, tx, org, agent, act, until); err != nil {
		return nil, err
	}
	counts, err := countStatuses(ctx, tx)
	if err != nil {
		return nil, err
	}
	sum.Requested = counts.total
	sum.Changed = counts.by[string(act.changed)]
	sum.Updated = counts.by[string(rules.Updated)]
	sum.Unchanged = counts.by[string(rules.Unchanged)]
	sum.Invalid = counts.by[StatusInvalid]
	sum.NotFound = counts.by[StatusNotFound]
	sum.Refused = counts.by[string(rules.Refused)]
	if fail := failures(req, act, sum); fail != nil {
		return fail, nil
	}
	for _, k := range problemKinds {
		if k.skipped(req) {
			sum.Skipped += k.count(sum)
		}
	}
	if act.name == expireAction.name && sum.Changed == 0 {
		// Another expire took them first: no empty batch every minute.
		return nil, nil
	}
	reason := nullText(req.Reason)
	var batch int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO spam_batches (org_id, action, actor_id, reason, requested, changed, until)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, org, act.name, store.NullInt64(agent.ID), reason,
		sum.Requested, sum.Changed, until).Scan(&batch); err != nil {
		return nil, err
	}
	sum.BatchID = &batch
	req.phase("writing")
	rls, err := store.RowSecurity(ctx, tx)
	if err != nil {
		return nil, err
	}
	e := effect{org: org, agent: store.NullInt64(agent.ID), reason: reason, batch: batch, until: until, rls: rls}
	if sum.Updated > 0 {
		if err := expiryEffect(ctx, tx, e); err != nil {
			return nil, err
		}
	}
	if sum.Changed == 0 {
		return nil, nil
	}
	if act.name == markAction.name {
		return nil, markEffect(ctx, tx, e)
	}
	return nil, unmarkEffect(ctx, tx, e)
}

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

// execAll runs statements in order, each with its own arguments.
func execAll(ctx context.Context, tx *sql.Tx, stmts ...stmt) error {
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s.sql, s.args...); err != nil {
			return err
		}
	}
	return nil
}

type stmt struct {
	sql  string
	args []any
}

// tallyOwnWrites: this transaction writes its campaign tally deltas itself
// (see store.TallyOwnWrites).
func tallyOwnWrites() stmt {
	return stmt{store.TallyOwnWritesSQL, nil}
}

// spamWrite: this transaction is a mark or an unmark (store.SpamWriteSQL).
func spamWrite() stmt {
	return stmt{store.SpamWriteSQL, nil}
}

// compactTallies folds the org's tally deltas (store.CompactTallies).
func compactTallies(org int64) stmt {
	return stmt{store.CompactTalliesSQL, []any{org}}
}

// lockCampaignLists waits for a campaign schedule or run of the org to end
// (see store.CampaignListsLock); marks and unmarks share it.
func lockCampaignLists(org int64) stmt {
	return stmt{`SELECT pg_advisory_xact_lock_shared($1)`, []any{store.CampaignListsLock(org)}}
}

// markEffect is the whole effect of a mark on the refs whose status is
// 'marked': flag, trait, expiry, stored folder, timeline, campaign
// exclusions.
func markEffect(ctx context.Context, tx *sql.Tx, e effect) error {
	org, agent, reason, batch := e.org, e.agent, e.reason, e.batch
	return execAll(ctx, tx,
		lockCampaignLists(org),
		tallyOwnWrites(),
		spamWrite(),
		stmt{`INSERT INTO spam_user_tallies (org_id, users) SELECT $1, count(*) FROM spam_res WHERE status = 'marked'`, []any{org}},
		stmt{`UPDATE users u SET spam = true, spam_marked_by = $2, spam_marked_at = now(), spam_reason = $3, spam_batch_id = $4,
				spam_until = $7, traits = u.traits || jsonb_build_object($5::text, $6::text)
			FROM spam_res r WHERE r.status = 'marked' AND u.org_id = $1 AND u.id = r.user_id`,
			[]any{org, agent, reason, batch, rules.SpamTrait, rules.TraitValue(true), e.until}},
		stmt{`UPDATE chats c SET folder = $3, spam_marked_by = $2
			FROM spam_res r WHERE r.status = 'marked' AND c.org_id = $1 AND c.user_id = r.user_id`,
			[]any{org, agent, string(rules.StoredSpam)}},
		stmt{`INSERT INTO chat_events (org_id, user_id, event, actor_id, reason, batch_id, detail)
			SELECT $1, r.user_id, 'marked_spam', $2, $3, $4, $5 FROM spam_res r WHERE r.status = 'marked' ORDER BY r.user_id`,
			[]any{org, agent, reason, batch, e.untilDetail()}},
		// The entries were pending for users who were not spam until now
		// (and are locked since): fewer pending, no offender gone. The flip
		// above adds no offender, since none of their entries stays pending.
		stmt{`WITH excluded AS (
				UPDATE campaign_recipients cr SET status = $2, reason = $3, updated_at = now()
				FROM spam_res r WHERE r.status = 'marked' AND cr.org_id = $1 AND cr.user_id = r.user_id AND cr.status = $4
				RETURNING cr.campaign_id)
			INSERT INTO campaign_tallies (org_id, campaign_id, pending, offenders)
			SELECT $1, campaign_id, -count(*), 0 FROM excluded GROUP BY campaign_id`,
			[]any{org, string(rules.Excluded), rules.ExcludedReasonSpam, string(rules.Pending)}},
		compactTallies(org),
	)
}

// expiryEffect gives the refs whose status is 'updated' (spam users
// re-marked with an expiry) the new expiry, on their timeline too. Their
// flag, folder and campaign entries stay as they are.
func expiryEffect(ctx context.Context, tx *sql.Tx, e effect) error {
	return execAll(ctx, tx,
		stmt{`UPDATE users u SET spam_until = $2 FROM spam_res r WHERE r.status = 'updated' AND u.org_id = $1 AND u.id = r.user_id`,
			[]any{e.org, e.until}},
		stmt{`INSERT INTO chat_events (org_id, user_id, event, actor_id, reason, batch_id, detail)
			SELECT $1, r.user_id, 'spam_until_changed', $2, $3, $4, $5 FROM spam_res r WHERE r.status = 'updated' ORDER BY r.user_id`,
			[]any{e.org, e.agent, e.reason, e.batch, e.untilDetail()}},
	)
}

// unmarkEffect reverts a mark for the refs whose status is 'unmarked': an
// unmark's, or an expire's (no agent, reason expired).
func unmarkEffect(ctx context.Context, tx *sql.Tx, e effect) error {
	org, agent, reason, batch := e.org, e.agent, e.reason, e.batch
	return execAll(ctx, tx,
		lockCampaignLists(org),
		tallyOwnWrites(),
		spamWrite(),
		stmt{`INSERT INTO spam_user_tallies (org_id, users) SELECT $1, -count(*) FROM spam_res WHERE status = 'unmarked'`, []any{org}},
		stmt{`UPDATE users u SET spam = false, spam_marked_by = NULL, spam_marked_at = NULL, spam_reason = NULL, spam_batch_id = NULL,
				spam_until = NULL, traits = u.traits || jsonb_build_object($2::text, $3::text)
			FROM spam_res r WHERE r.status = 'unmarked' AND u.org_id = $1 AND u.id = r.user_id`,
			[]any{org, rules.SpamTrait, rules.TraitValue(false)}},
		stmt{`INSERT INTO chat_events (org_id, user_id, event, actor_id, reason, batch_id)
			SELECT $1, r.user_id, 'unmarked_spam', $2, $3, $4 FROM spam_res r WHERE r.status = 'unmarked' ORDER BY r.user_id`,
			[]any{org, agent, reason, batch}},
		// Pending entries of these users were offenders while the users
		// were spam: no longer. Only a write around inboxctl makes one, and
		// the tallies show it (offenders, or a dirty note); without either,
		// the probe of every user's entries is skipped.
		stmt{`INSERT INTO campaign_tallies (org_id, campaign_id, pending, offenders)
			SELECT $1, cr.campaign_id, 0, -count(*) FROM spam_res r
			JOIN campaign_recipients cr ON cr.org_id = $1 AND cr.user_id = r.user_id AND cr.status = $2
			WHERE r.status = 'unmarked'
			  AND (EXISTS (SELECT 1 FROM campaign_tally_dirty WHERE org_id = $1)
			       OR (SELECT coalesce(sum(offenders), 0) FROM campaign_tallies WHERE org_id = $1) <> 0)
			GROUP BY cr.campaign_id`,
			[]any{org, string(rules.Pending)}},
		stmt{`WITH restored AS (
				UPDATE campaign_recipients cr SET status = $2, reason = NULL, updated_at = now()
				FROM spam_res r, campaigns cp
				WHERE r.status = 'unmarked' AND cr.org_id = $1 AND cr.user_id = r.user_id
				  AND cr.status = $3 AND cr.reason = $4
				  AND cp.org_id = cr.org_id AND cp.id = cr.campaign_id AND cp.kind = 'one-time' AND cp.last_run_at IS NULL
				RETURNING cr.campaign_id)
			INSERT INTO campaign_tallies (org_id, campaign_id, pending, offenders)
			SELECT $1, campaign_id, count(*), 0 FROM restored GROUP BY campaign_id`,
			[]any{org, string(rules.Pending), string(rules.Excluded), rules.ExcludedReasonSpam}},
		// Last: under row-level security, the rows above are found through
		// the chat, which an unmark may move out of the agent's view.
		unmarkChats(e.rls, org),
		compactTallies(org),
	)
}

// unmarkChats returns the unmarked users' chats to the inbox; an
// agent-level role does it through store.UnmarkChatsSQL, since a chat it
// marked that is assigned to another agent leaves its view.
func unmarkChats(rls bool, org int64) stmt {
	if rls {
		return stmt{store.UnmarkChatsSQL, []any{org}}
	}
	return stmt{`UPDATE chats c SET folder = $2, spam_marked_by = NULL
		FROM spam_res r WHERE r.status = 'unmarked' AND c.org_id = $1 AND c.user_id = r.user_id`,
		[]any{org, string(rules.StoredInbox)}}
}

// classify locks the users and chats of the refs and sets each ref's
// status: invalid, not_found, or the rules' outcome for its user
// (rules.MarkOutcome, rules.MarkUntilOutcome with until, or
// rules.UnmarkOutcome in SQL; for an expire, unmarked while the mark has
// expired, read under the lock, so a user re-marked or unmarked meanwhile
// is left alone).
//
// The locks are taken in id order, each user's row and then its chat's:
// concurrent bulk marks, unmarks and expires then queue instead of
// deadlocking, and an assign or label racing with us waits for us. The rows
// are classified as they are locked (one statement), so the users and chats
// are read once.
func classify(ctx context.Context, tx *sql.Tx, org int64, agent rules.Agent, act action, until *time.Time) error {
	a := store.NewArgs(org)
	// Visibility comes first for an agent's mark or unmark: a ref outside
	// the view is refused, spam or not, so the outcome says nothing about
	// it (SPEC §6). A visible spam chat is in the agent's spam folder.
	visible := "true"
	var allowed, unchangedWhen string
	switch act.name {
	case markAction.name:
		visible = store.VisibilityWhere(rules.VisibilityOf(agent), "c", a)
		allowed = "true"
		unchangedWhen = "c.spam"
		if until != nil {
			unchangedWhen = "c.spam AND c.spam_until IS NOT DISTINCT FROM " + a.Add(*until)
		}
	case unmarkAction.name:
		visible = store.VisibilityWhere(rules.VisibilityOf(agent), "c", a)
		spamFolder, err := rules.ViewFolder(agent, rules.FolderSpam)
		if err != nil {
			return err
		}
		allowed = store.FolderWhere(spamFolder, "c", a)
		unchangedWhen = "NOT c.spam"
	default:
		allowed = "true"
		unchangedWhen = "NOT coalesce(" + store.ExpiredWhere("c") + ", false)"
	}
	changed := a.Add(string(act.changed))
	q := fmt.Sprintf(`
		CREATE TEMP TABLE spam_res ON COMMIT DROP AS
		SELECT r.ord, r.line, r.raw, r.user_id, r.err, CASE
			WHEN r.err IS NOT NULL THEN 'invalid'
			WHEN r.hidden THEN 'refused'
			WHEN r.user_id IS NULL THEN 'not_found'
			WHEN r.nth > 1 THEN 'unchanged'
			WHEN NOT coalesce((%s), false) THEN 'refused'
			WHEN %s THEN 'unchanged'
			WHEN NOT coalesce((%s), false) THEN 'refused'
			WHEN %s AND c.spam THEN 'updated'
			ELSE %s END AS status
		FROM spam_resolved r
		LEFT JOIN (
			SELECT u.id AS user_id, u.spam, u.spam_until, c.folder, c.assignee_id, c.spam_marked_by
			FROM users u JOIN chats c ON c.org_id = u.org_id AND c.user_id = u.id
			WHERE u.org_id = $1 AND u.id IN (SELECT user_id FROM spam_resolved WHERE user_id IS NOT NULL)
			ORDER BY u.id FOR UPDATE OF u, c) c ON c.user_id = r.user_id`,
		visible, unchangedWhen, allowed, a.Add(act.name == markAction.name), changed)
	if _, err := tx.ExecContext(ctx, q, a.Values()...); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `ANALYZE spam_res`)
	return err
}

type statusCounts struct {
	total int64
	by    map[string]int64
}

func countStatuses(ctx context.Context, q store.Querier) (statusCounts, error) {
	c := statusCounts{by: map[string]int64{}}
	rows, err := q.QueryContext(ctx, `SELECT status, count(*) FROM spam_res GROUP BY status`)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var n int64
		if err := rows.Scan(&s, &n); err != nil {
			return c, err
		}
		c.by[s] = n
		c.total += n
	}
	return c, rows.Err()
}

// failure is a mark or unmark that stops because of some refs: its error
// and the statuses of the refs to list.
type failure struct {
	err   *errs.Error
	kinds []string
}

// problemKind is a status of refs that stops a mark or unmark unless its
// --skip flag is given; problemKinds are in the order of their exit codes
// (SPEC §4: 2, 3, 4).
type problemKind struct {
	status  string
	what    string // in the error's sentence
	flag    string
	code    errs.Code
	skipped func(Request) bool
	count   func(*Summary) int64
}

var problemKinds = []problemKind{
	{StatusInvalid, "invalid", "--skip-invalid", errs.Usage,
		func(r Request) bool { return r.SkipInvalid }, func(s *Summary) int64 { return s.Invalid }},
	{StatusNotFound, "not found", "--skip-missing", errs.NotFound,
		func(r Request) bool { return r.SkipMissing }, func(s *Summary) int64 { return s.NotFound }},
	{string(rules.Refused), "refused", "--skip-refused", errs.Refused,
		func(r Request) bool { return r.SkipRefused }, func(s *Summary) int64 { return s.Refused }},
}

// failures returns the failure for refs that stop the whole change: invalid
// (exit 2), not found (3), refused (4), unless skipped; nil if none does.
func failures(req Request, act action, sum *Summary) *failure {
	f := &failure{}
	var parts, flags []string
	for _, k := range problemKinds {
		n := k.count(sum)
		if n == 0 || k.skipped(req) {
			continue
		}
		if f.err == nil {
			f.err = &errs.Error{Code: k.code}
		}
		f.kinds = append(f.kinds, k.status)
		parts = append(parts, fmt.Sprintf("%d %s", n, k.what))
		flags = append(flags, k.flag)
	}
	if f.err == nil {
		return nil
	}
	f.err.Msg = fmt.Sprintf("Nothing was %s: %s of %d refs (fix them, or pass %s to %s the rest).",
		act.verb, strings.Join(parts, ", "), sum.Requested, strings.Join(flags, " "), act.name)
	return f
}

// skippedKinds are the statuses req's --skip flags pass over.
func skippedKinds(req Request) []string {
	var kinds []string
	for _, k := range problemKinds {
		if k.skipped(req) {
			kinds = append(kinds, k.status)
		}
	}
	return kinds
}

// problems streams the refs whose status is one of kinds to fn, in input
// order, row by row from the database.
func problems(ctx context.Context, q store.Querier, act action, kinds []string, fn func(Problem) error) error {
	if len(kinds) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT line, raw, status, err FROM spam_res WHERE status = ANY($1) ORDER BY ord`,
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
		case StatusInvalid:
			p.Why = why.String
		case StatusNotFound:
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

func refusalReason(act action) string {
	if act.name == markAction.name {
		return "you can mark only users whose chat you can see (assigned to you or unassigned)"
	}
	return "you can unmark only users in your spam folder (assigned to you or marked by you)"
}

// statuses streams each distinct ref's final status to fn, in input order.
func statuses(ctx context.Context, q store.Querier, fn func(RefStatus) error) error {
	rows, err := q.QueryContext(ctx, `SELECT raw, line, user_id, status FROM spam_res ORDER BY ord`)
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

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}
