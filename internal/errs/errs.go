// Package errs holds inboxctl's typed errors and maps them, in one place, to
// the exit codes of README "Exit codes".
package errs

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/inboxctl/inboxctl/internal/redact"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/safetext"
)

// Code is a process exit code; scripts depend on these values.
type Code int

const (
	OK          Code = 0
	Unexpected  Code = 1
	Usage       Code = 2
	NotFound    Code = 3
	Refused     Code = 4
	CheckFailed Code = 5
	Interrupted Code = 130
)

// Error is an error with an exit code, a first sentence for the user, and
// details (for bulk input, one line per bad input line).
type Error struct {
	Code    Code
	Msg     string
	Details []string
	Err     error
	// spool holds more details than memory should (WithSpool).
	spool *Spool
}

func (e *Error) Error() string {
	if e.Err != nil && e.Msg == "" {
		return e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

func newf(c Code, format string, args ...any) *Error {
	return &Error{Code: c, Msg: fmt.Sprintf(format, args...)}
}

// Usagef is a usage error or invalid input (exit 2).
func Usagef(format string, args ...any) *Error { return newf(Usage, format, args...) }

// NotFoundf is an unknown user, agent, org, campaign or batch (exit 3).
func NotFoundf(format string, args ...any) *Error { return newf(NotFound, format, args...) }

// Refusedf is a refusal by a spam rule or a permission (exit 4).
func Refusedf(format string, args ...any) *Error { return newf(Refused, format, args...) }

// Checkf is a failed check (exit 5).
func Checkf(format string, args ...any) *Error { return newf(CheckFailed, format, args...) }

// Unexpectedf is an unexpected or database error (exit 1).
func Unexpectedf(err error, format string, args ...any) *Error {
	e := newf(Unexpected, format, args...)
	e.Err = err
	return e
}

// WithDetails returns e with details appended.
func (e *Error) WithDetails(d ...string) *Error {
	e.Details = append(e.Details, d...)
	return e
}

// ExitCode maps an error to its exit code.
func ExitCode(err error) Code {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var r *rules.Refusal
	if errors.As(err, &r) {
		return Refused
	}
	if errors.Is(err, context.Canceled) {
		return Interrupted
	}
	return Unexpected
}

// Report writes the error to w: one sentence, then its details, each line
// with every secret masked and nothing that could drive a terminal (an
// agent email or a name written around inboxctl with ESC in it is shown
// escaped, safetext.Prose).
func Report(w io.Writer, err error, secrets ...string) {
	msg := err.Error()
	var details []string
	var e *Error
	if errors.As(err, &e) {
		msg = e.Error()
		details = e.Details
		if e.Err != nil && e.Msg != "" {
			details = append([]string{e.Err.Error()}, details...)
		}
	}
	if errors.Is(err, context.Canceled) && e == nil {
		msg = "Interrupted: the command was cancelled and nothing was changed."
	}
	fmt.Fprintln(w, "Error: "+Clean(msg, secrets...))
	for _, d := range details {
		fmt.Fprintln(w, "  "+Clean(d, secrets...))
	}
	if e != nil && e.spool != nil {
		_ = e.spool.WriteTo(w, "  ", secrets...)
	}
}

// Clean is a line as it reaches stderr: every secret masked, and what
// could drive a terminal escaped.
func Clean(s string, secrets ...string) string { return safetext.Prose(Mask(s, secrets...)) }

// Mask replaces every non-empty secret in s, and any quoted piece of one,
// with ****.
func Mask(s string, secrets ...string) string { return redact.Text(s, secrets...) }
