package spam

import (
	"fmt"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/spam"
)

// maxHeldRefs is how many bad refs a failure's error holds as its details.
// A longer list streams to stderr as it is read, so memory stays flat.
const maxHeldRefs = 100

// failureReport writes a failed mark's or unmark's bad refs to stderr,
// after its sentence. Up to maxHeldRefs of them are held and become the
// error's details, printed as every error is; from one more on, the
// sentence and the refs are written as they stream, and the error that is
// returned closes the list.
type failureReport struct {
	verb   string
	line   func(string) error // writes one line to stderr
	header func(*errs.Error) error
	fail   *errs.Error
	held   []string
	listed int64 // refs already written
}

func (r *failureReport) failure(e *errs.Error) error {
	r.fail = e
	return nil
}

func (r *failureReport) problem(p spam.Problem) error {
	if r.listed == 0 && len(r.held) < maxHeldRefs {
		r.held = append(r.held, p.String())
		return nil
	}
	if r.listed == 0 {
		if err := r.header(r.fail); err != nil {
			return err
		}
		for _, h := range r.held {
			if err := r.line("  " + h); err != nil {
				return err
			}
		}
		r.listed, r.held = int64(len(r.held)), nil
	}
	r.listed++
	return r.line("  " + p.String())
}

// result is the error to return in place of err.
func (r *failureReport) result(err error) error {
	if r.fail == nil || err != error(r.fail) {
		return err
	}
	if r.listed == 0 {
		r.fail.Details = r.held
		return r.fail
	}
	return &errs.Error{Code: r.fail.Code, Msg: fmt.Sprintf("Nothing was %s (%d refs listed above).", pastTense(r.verb), r.listed)}
}
