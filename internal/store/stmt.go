package store

import (
	"context"
	"database/sql"
)

// Stmt is one SQL statement with its arguments, for ExecAll.
type Stmt struct {
	SQL  string
	Args []any
}

// ExecAll runs the statements in order in tx and stops at the first that
// fails. Its error reads as the driver's; a *StmtError says which
// statement it was.
func ExecAll(ctx context.Context, tx *sql.Tx, stmts ...Stmt) error {
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s.SQL, s.Args...); err != nil {
			return &StmtError{SQL: s.SQL, Err: err}
		}
	}
	return nil
}

// StmtError is the error of one of ExecAll's statements. Its text is the
// driver's error's, so a user sees what they would without it.
type StmtError struct {
	SQL string
	Err error
}

func (e *StmtError) Error() string { return e.Err.Error() }
func (e *StmtError) Unwrap() error { return e.Err }

// NewStmt is the statement sql with its arguments.
func NewStmt(sql string, args ...any) Stmt { return Stmt{SQL: sql, Args: args} }
