package spam

import (
	"fmt"
	"io"

	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/rules"
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

// Summary counts what a mark or unmark did.
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
	case string(rules.RefInvalid):
		return fmt.Sprintf("%s: invalid: %s", where, p.Why)
	case string(rules.RefNotFound):
		return fmt.Sprintf("%s: %s: %s", where, p.Ref, p.Why)
	}
	return fmt.Sprintf("%s: %s: refused: %s", where, p.Ref, p.Why)
}
