package spam

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"syscall"

	"github.com/inboxctl/inboxctl/internal/errs"
)

// CutOff is the error of a mark or unmark whose change was committed but
// whose report (the per-ref statuses, the summary) could not be given in
// full: the reader of stdout went away, the disk filled, or the database
// connection was lost while the statuses streamed from it. It must never
// say that anything was rolled back; it names the batch and how to see it.
func CutOff(verb string, sum Summary, err error) error {
	if err == nil || sum.DryRun {
		return err
	}
	why := "reading it from the database failed"
	code := errs.Unexpected
	var pe *fs.PathError
	var errno syscall.Errno
	switch {
	case errs.ExitCode(err) == errs.Interrupted || errors.Is(err, context.Canceled):
		why, code = "interrupted", errs.Interrupted
	case errors.As(err, &pe):
		why = fmt.Sprintf("writing it failed: %v", pe.Err)
	case errors.As(err, &errno):
		why = fmt.Sprintf("writing it failed: %v", errno)
	}
	if sum.BatchID == nil {
		return &errs.Error{Code: code, Msg: fmt.Sprintf("The %s was committed, but its report was cut off (%s).", verb, why)}
	}
	id := *sum.BatchID
	see := fmt.Sprintf("see it with 'inboxctl spam list --batch %d'", id)
	if verb != string(markAction.name) {
		see = "'inboxctl spam list' shows who is still spam"
	}
	return &errs.Error{Code: code, Msg: fmt.Sprintf("The %s was committed as batch %d, but its report was cut off (%s); %s.", verb, id, why, see)}
}
