// Package spam is the user spam feature's use cases: mark and unmark, single
// or bulk, each one transaction, and the spam list. Refs stream into a temp
// table with COPY; the change is a handful of set-based statements; rows are
// locked in id order so concurrent bulk marks cannot deadlock each other.
//
// A mark, unmark or expire fills three temporary tables, one after another,
// each dropped when its transaction ends:
//
//   - spam_input (staging.go): every ref as read, in input order (ord), with
//     its line, its raw text and its parse: phone or id, or why it is
//     invalid. For unmark --batch and expire, the users' ids.
//   - spam_targets (staging.go): the distinct refs of spam_input, each with
//     the user it names (NULL: none), whether row-level security hides that
//     user, and nth > 1 for a user named again.
//   - spam_outcomes (classify.go): each distinct ref's status (invalid,
//     not_found, refused, unchanged, updated, marked or unmarked), read
//     under the row locks; the effects (effects.go) change the users it
//     says changed, and the report (report.go) streams from it.
//
// The files: request.go holds the request and its results, spam.go the
// transaction that runs them in order.
//
// Comments cite the spam rules by number: rule N is rule N of the package
// doc of internal/rules.
package spam

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/store"
)

// action is the change a run makes: mark, unmark or expire.
type action struct {
	name    rules.BatchKind // the batch's kind
	changed rules.Outcome
	verb    string // for sentences: "marked", "unmarked"
}

var (
	markAction   = action{name: rules.BatchMark, changed: rules.Marked, verb: "marked"}
	unmarkAction = action{name: rules.BatchUnmark, changed: rules.Unmarked, verb: "unmarked"}
	// expireAction unmarks (rule 9) the users whose mark has expired.
	expireAction = action{name: rules.BatchExpire, changed: rules.Unmarked, verb: "unmarked"}
)

// Mark marks the requested users as spam (rules 1, 3–8, 10 and 11; see
// package rules).
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
	return sum, CutOff(string(act.name), sum, out.emit(req, sum.BatchID))
}

// apply classifies every distinct ref and, unless a failure stops it,
// changes the users, in the transaction tx. A failure is returned before
// anything but a temp table is written.
func apply(ctx context.Context, tx *sql.Tx, actor directory.Actor, req Request, act action, sum *Summary) (*failure, error) {
	org, agent := actor.Org.ID, actor.Agent.Rule()
	if err := resolveRefs(ctx, tx, org, req, act); err != nil {
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
	sum.Invalid = counts.by[string(rules.RefInvalid)]
	sum.NotFound = counts.by[string(rules.RefNotFound)]
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

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}
