package spam

import (
	"context"
	"database/sql"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/store"
)

// ExpireRequest is a spam expire.
type ExpireRequest struct {
	DryRun bool
	// OnRef, if set, receives each expired user's outcome (ref: the phone),
	// in id order, once it is final.
	OnRef func(RefStatus) error
}

// Expire unmarks, as one batch of kind expire (reason expired, no agent),
// every user of the org whose mark has expired: rule 9 in full, through
// the unmark's own effect, in one transaction.
//
// Which clock decides: the database's. A mark has expired when its
// spam_until is at or before now() when the expire looks for expired marks
// (its first statement), and still under the lock in its transaction, so a
// mark that expires while an expire runs is left for the next one. The users
// are found, then locked in id order (as mark and unmark lock them) and
// read again under the lock: a user another expire, an unmark or a re-mark
// changed meanwhile is unchanged, so concurrent expires never unmark a user
// twice, and one with nothing left to do records no batch.
func Expire(ctx context.Context, db *store.DB, org directory.Org, req ExpireRequest) (Summary, error) {
	actor := directory.Actor{Org: org}
	return run(ctx, db, actor, Request{Reason: rules.ExpiredReason, DryRun: req.DryRun, OnRef: req.OnRef}, expireAction)
}

// stageExpired puts the org's users whose mark has expired into spam_input,
// by id (served by the partial index users_spam_until).
func stageExpired(ctx context.Context, tx *sql.Tx, orgID int64) (int64, error) {
	return stageUsers(ctx, tx, store.ExpiredWhere("u"), orgID)
}
