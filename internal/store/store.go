// Package store is inboxctl's PostgreSQL layer: connections, embedded
// migrations, transactions with bounded retries, COPY, and the translation
// of driver errors into sentences. It is the only package that imports
// lib/pq.
//
// Comments cite the spam rules by number: rule N is rule N of the package
// doc of internal/rules.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	neturl "net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lib/pq"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/redact"
)

// DefaultConnectTimeout bounds connecting when neither the URL nor
// PGCONNECT_TIMEOUT says otherwise.
const DefaultConnectTimeout = 10 * time.Second

// DefaultLockTimeout bounds how long one statement waits for a row lock.
const DefaultLockTimeout = 5 * time.Second

// DB is a pool of connections to one database.
type DB struct {
	*sql.DB
	// Password is the password in use, kept only so errors can mask it.
	Password string
	// LockTimeout is set on every transaction run by InTx.
	LockTimeout time.Duration
	// clearText is the warning for a connection over the network that
	// ended up unencrypted.
	clearText string

	dialer *cancelDialer
}

// Close closes the pool, then waits (at most cancelWait) for the cancel
// requests it sent to be answered: pgbouncer up to 1.20 dies ("FATAL ...
// bad client state") when a client closes a cancel request's connection
// before pgbouncer has forwarded it, which a process that exits right
// after an interrupt does.
func (db *DB) Close() error {
	err := db.DB.Close()
	if db.dialer != nil {
		db.dialer.wait(cancelWait)
	}
	return err
}

// Open connects to the database named by url (empty: libpq's PG* variables)
// and checks that it answers. It does not check migrations.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pq.NewConfig(url)
	if err != nil {
		return nil, invalidURL(err, url)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	// lib/pq does not watch ctx while the server has yet to answer the
	// start-up message: a caller's deadline (a shell completion's 2 s) must
	// bound the connect timeout itself.
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < cfg.ConnectTimeout {
		cfg.ConnectTimeout = max(time.Until(dl), time.Millisecond)
	}
	if cfg.SSLMode == "" {
		// Neither the URL nor PGSSLMODE set it (a unix socket is already
		// disable): libpq's default is prefer; lib/pq's own is require.
		cfg.SSLMode = pq.SSLModePrefer
	}
	if cfg.ApplicationName == "" {
		cfg.ApplicationName = "inboxctl"
	}
	// A statement with parameters goes to the server as one batch (parse,
	// bind, execute, sync) instead of lib/pq's default two round trips
	// (parse and describe, then bind and execute), so a transaction-mode
	// pooler (pgbouncer pool_mode=transaction) cannot send the second to
	// another server session between them: outside a transaction it was
	// "unnamed prepared statement does not exist", or worse, another
	// client's statement bound to our parameters. It also saves a round
	// trip per statement. lib/pq's name for it says what else it does:
	// []byte parameters go in binary, which no statement of ours passes.
	cfg.BinaryParameters = true
	conn, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, invalidURL(err, url)
	}
	d := &cancelDialer{}
	watch := &clearTextWatch{next: d}
	conn.Dialer(watch)
	db := &DB{DB: sql.OpenDB(conn), Password: cfg.Password, LockTimeout: DefaultLockTimeout, dialer: d}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	pctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout+time.Second)
	defer cancel()
	target := cfg.Host
	if cfg.Port != 0 {
		target = net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	}
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, &errs.Error{Code: errs.Unexpected,
			Msg: redact.Text(fmt.Sprintf("Cannot connect to the database at %s: %s.", target, describeConnErr(ctx, err)), append(redact.Secrets(url), cfg.Password)...),
			Err: nil}
	}
	if watch.last.Load() {
		db.clearText = clearTextWarning(target, cfg.SSLMode)
	}
	return db, nil
}

func describeConnErr(ctx context.Context, err error) string {
	if ctx.Err() != nil {
		return "interrupted"
	}
	if e := pq.As(err); e != nil {
		return e.Message
	}
	s := err.Error()
	if errors.Is(err, context.DeadlineExceeded) || strings.Contains(s, "timeout") {
		return "no answer within the connect timeout"
	}
	return strings.TrimPrefix(s, "pq: ")
}

// invalidURL is the usage error for a connection string the driver cannot
// read. The driver's message may quote the string or a piece of it, so it
// is not passed on as it is: a URL parser's reason loses its quotes, a
// key=value parser's complaint about a "key" with no '=' (what a URL of
// any other shape is to it) becomes a sentence of ours, and whatever
// remains is masked.
func invalidURL(err error, dsn string) error {
	var ue *neturl.Error
	var reason string
	switch {
	case errors.As(err, &ue):
		reason = strings.Join(strings.Fields(quotedText.ReplaceAllString(ue.Err.Error(), "")), " ")
	case strings.HasPrefix(err.Error(), `missing "=" after`):
		reason = "write it as a URL starting with postgres:// or postgresql:// (in lower case, with nothing before it) or as key=value settings"
	default:
		reason = strings.TrimPrefix(err.Error(), "pq: ")
	}
	return errs.Usagef("The database URL is not valid: %s.", redact.Text(reason, redact.Secrets(dsn)...))
}

var quotedText = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// Querier is what both *sql.DB, *sql.Conn and *sql.Tx offer.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// MaxAttempts bounds the retries of a transaction that died of a deadlock,
// a serialization failure or a lock timeout.
const MaxAttempts = 8

// InTx runs fn in a transaction on db, retrying it whole when PostgreSQL
// reports a deadlock, a serialization failure or a lock timeout.
func (db *DB) InTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.inTx(ctx, func() (*sql.Tx, error) { return db.beginTx(ctx, nil) }, fn)
}

// InTxConn is InTx on conn.
func (db *DB) InTxConn(ctx context.Context, conn *sql.Conn, fn func(tx *sql.Tx) error) error {
	return db.inTx(ctx, func() (*sql.Tx, error) { return BeginCopyTx(ctx, conn, nil) }, fn)
}

// beginTx begins a transaction on a connection of the pool, like
// BeginCopyTx: its context is ctx without the cancellation.
func (db *DB) beginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return db.BeginTx(context.WithoutCancel(ctx), opts)
}

func (db *DB) inTx(ctx context.Context, begin func() (*sql.Tx, error), fn func(tx *sql.Tx) error) error {
	attempts, err := retry(ctx, func() error { return db.tryTx(ctx, begin, fn) })
	return translate(ctx, err, attempts)
}

// InSavepoint runs fn inside a savepoint of tx and, when PostgreSQL
// reports a deadlock, a serialization failure or a lock timeout, rolls
// back to the savepoint and runs fn again, as InTx runs a whole
// transaction again: for the part of a transaction that may run twice,
// after a part that may not (a COPY of input read once). Its row locks
// wait at most LockTimeout each. The error is not translated.
func (db *DB) InSavepoint(ctx context.Context, tx *sql.Tx, fn func() error) error {
	if db.LockTimeout > 0 {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("SET LOCAL lock_timeout = %d", db.LockTimeout.Milliseconds())); err != nil {
			return err
		}
	}
	_, err := retry(ctx, func() error {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT retry`); err != nil {
			return err
		}
		if err := fn(); err != nil {
			if Retryable(err) {
				if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT retry`); rerr != nil {
					return rerr
				}
			}
			return err
		}
		_, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT retry`)
		return err
	})
	return err
}

// retry runs attempt again, with backoff (10 ms doubling to 1 s), while
// it fails with a Retryable error, at most MaxAttempts times; it returns
// how many times it ran attempt.
func retry(ctx context.Context, attempt func() error) (int, error) {
	backoff := 10 * time.Millisecond
	for n := 1; ; n++ {
		err := attempt()
		if err == nil || !Retryable(err) || n == MaxAttempts || ctx.Err() != nil {
			return n, err
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return n, ctx.Err()
		}
		if backoff < time.Second {
			backoff *= 2
		}
	}
}

func (db *DB) tryTx(ctx context.Context, begin func() (*sql.Tx, error), fn func(tx *sql.Tx) error) (err error) {
	tx, err := begin()
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if db.LockTimeout > 0 {
		if _, err = tx.ExecContext(ctx, fmt.Sprintf("SET LOCAL lock_timeout = %d", db.LockTimeout.Milliseconds())); err != nil {
			return err
		}
	}
	if err = fn(tx); err != nil {
		return err
	}
	// The transaction's own context does not end with ctx (BeginCopyTx):
	// an interrupt that came after the last statement still rolls back.
	if err = ctx.Err(); err != nil {
		return err
	}
	return tx.Commit()
}

// ErrRollback, returned by a transaction body, rolls back without error: it
// is how --dry-run runs the real statements and keeps nothing.
var ErrRollback = errors.New("rolled back on purpose")

// IsUniqueViolation reports a unique_violation (23505).
func IsUniqueViolation(err error) bool { return pq.As(err, "23505") != nil }

// Retryable reports whether a whole transaction may be run again.
func Retryable(err error) bool {
	return pq.As(err, "40001", "40P01", "55P03") != nil
}

// Translate turns a driver error into an *errs.Error with one clear
// sentence; typed errors of ours pass through. The work was tried once.
func Translate(ctx context.Context, err error) error { return translate(ctx, err, 1) }

// translate is Translate for work tried attempts times.
func translate(ctx context.Context, err error, attempts int) error {
	if err == nil || errors.Is(err, ErrRollback) {
		return err
	}
	var e *errs.Error
	var ro *ReadOnlyError
	var nr *NoRowError
	if errors.As(err, &e) || errors.As(err, &ro) || errors.As(err, &nr) {
		return err
	}
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, ctx.Err()) || pq.As(err, "57014") != nil) {
		return &errs.Error{Code: errs.Interrupted, Msg: "Interrupted: the transaction was rolled back and nothing was changed."}
	}
	tries := "Try again."
	if attempts > 1 {
		tries = fmt.Sprintf("It was tried %d times; try again.", attempts)
	}
	if pe := pq.As(err); pe != nil {
		code := string(pe.Code)
		switch {
		case code == "25006":
			// A write in a read-only transaction: every transaction on a
			// hot standby is one, and so is a session whose
			// default_transaction_read_only is on (Standby tells them apart).
			return &ReadOnlyError{Detail: pe.Message}
		case code == "0A000" && strings.Contains(pe.Message, "during recovery"):
			// BEGIN READ WRITE, refused by a hot standby.
			return &ReadOnlyError{Detail: pe.Message, Standby: true}
		case code == "40001" && strings.Contains(pe.Message, "conflict with recovery"):
			return errs.Unexpectedf(nil, "The standby cancelled this command's reads, which held up its replay of the primary's changes (%s); nothing was changed. %s", pe.Message, tries)
		case code == "55P03":
			return errs.Unexpectedf(nil, "Another transaction held the rows this command needs for too long (lock timeout); nothing was changed. %s", tries)
		case code == "40001" || code == "40P01":
			return errs.Unexpectedf(nil, "The database aborted this command because of concurrent work (%s); nothing was changed. %s", pe.Message, tries)
		case strings.HasPrefix(code, "IX"):
			// A rule guard of migration 0009: its message names the rule.
			return errs.Refusedf("%s.", pe.Message)
		case code == "42501":
			// Missing privileges, or a row-level security policy.
			return errs.Refusedf("The database refused this command: %s (see 'inboxctl db grant' and 'inboxctl agent bind').", pe.Message)
		case code == "53100":
			return errs.Unexpectedf(nil, "The database server is out of disk space; nothing was changed.")
		case strings.HasPrefix(code, "23"):
			return errs.Unexpectedf(nil, "The database refused the change (%s); nothing was changed.", pe.Message)
		case code == "57P01" || code == "57P02" || code == "57P03" || strings.HasPrefix(code, "08"):
			return errs.Unexpectedf(nil, "The database connection was lost (%s); the transaction was rolled back and nothing was changed.", pe.Message)
		case code == "42P01" && isTempRelation(pe.Message):
			// Not a migration: a temporary table of this command's is not
			// on the session it reached (a pooler moved it, or a session
			// reset dropped it).
			return errs.Unexpectedf(nil, "The database session no longer holds a temporary table this command made (%s), as when a connection pooler moves a command to another session; nothing was changed.", pe.Message)
		case code == "42P01" || code == "42703":
			// Pending migrations are refused before any command runs
			// (RequireCurrent): this schema was changed otherwise.
			return errs.Unexpectedf(nil, "The database schema is not what this inboxctl expects (%s); 'inboxctl db status' shows its migrations.", pe.Message)
		}
		return errs.Unexpectedf(nil, "Database error: %s.", pe.Message)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &NoRowError{}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errs.Unexpectedf(nil, "The database did not answer in time; nothing was changed.")
	}
	if errors.Is(err, driver.ErrBadConn) {
		// lib/pq reports a connection the server closed (a terminated
		// backend) only as this sentinel.
		return errs.Unexpectedf(nil, "The database connection was lost; the transaction was rolled back and nothing was changed.")
	}
	msg := strings.TrimPrefix(err.Error(), "pq: ")
	if protocolError(msg) {
		return errs.Unexpectedf(nil, "The database server's reply broke the PostgreSQL protocol (%s), as a connection pooler that mixes clients' sessions can; the connection was dropped and its transaction not committed.", msg)
	}
	if strings.Contains(msg, "connection") || strings.Contains(msg, "EOF") || strings.Contains(msg, "broken pipe") || errors.Is(err, sql.ErrConnDone) {
		return errs.Unexpectedf(nil, "The database connection was lost (%s); the transaction was rolled back and nothing was changed.", msg)
	}
	return errs.Unexpectedf(nil, "Database error: %s.", msg)
}

// protocolError reports lib/pq's words for a reply out of protocol.
func protocolError(msg string) bool {
	for _, p := range []string{"unexpected ", "unknown response", "invalid message format", "there is already a query being processed"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

var missingRelation = regexp.MustCompile(`^relation "([^"]+)" does not exist`)

// isTempRelation reports whether the missing relation of a 42P01 is not
// one of the schema's tables: one in pg_temp, or not made by a migration.
func isTempRelation(msg string) bool {
	m := missingRelation.FindStringSubmatch(msg)
	if m == nil {
		return false
	}
	name := m[1]
	if strings.HasPrefix(name, "pg_temp") {
		return true
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	return !schemaTables()[name]
}

var schemaTables = sync.OnceValue(func() map[string]bool {
	tables := map[string]bool{"inboxctl_migrations": true}
	re := regexp.MustCompile(`(?i)CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:[a-z_%$0-9]+\.)?([a-z_0-9]+)`)
	for _, m := range Migrations() {
		for _, g := range re.FindAllStringSubmatch(m.SQL, -1) {
			tables[strings.ToLower(g[1])] = true
		}
	}
	return tables
})

// NoRowError is a statement that found no row where inboxctl expected one
// (errors.Is sql.ErrNoRows): a row changed or removed meanwhile by another
// session, or refused by a trigger or a policy.
type NoRowError struct{}

func (*NoRowError) Error() string {
	return "The database returned no row where this command expected one (another session, a trigger or a policy changed or hid it); nothing was changed."
}

// Is makes errors.Is(err, sql.ErrNoRows) hold.
func (*NoRowError) Is(target error) bool { return target == sql.ErrNoRows }

// ReadOnlyError is a write the server refused because it is a read-only
// hot standby, or the session is read-only. Nothing was changed.
type ReadOnlyError struct {
	Detail  string // the server's message
	Standby bool   // the server is in recovery (pg_is_in_recovery())
}

func (e *ReadOnlyError) Error() string {
	if e.Standby {
		return "The database server is a read-only standby, and this command writes: run it against the primary; nothing was changed."
	}
	return fmt.Sprintf("The database session is read-only (%s; default_transaction_read_only is on), and this command writes; nothing was changed.", e.Detail)
}

// ExplainReadOnly asks the server whether it is a hot standby when err is
// a ReadOnlyError that does not yet know: a 25006 alone does not say.
func (db *DB) ExplainReadOnly(ctx context.Context, err error) error {
	var ro *ReadOnlyError
	if !errors.As(err, &ro) || ro.Standby {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	var standby bool
	if db.QueryRowContext(ctx, `SELECT pg_catalog.pg_is_in_recovery()`).Scan(&standby) == nil {
		ro.Standby = standby
	}
	return err
}

// Copy streams rows into table with COPY FROM STDIN inside tx. fill calls
// row once per row; nothing is held in memory.
func Copy(ctx context.Context, tx *sql.Tx, table string, cols []string, fill func(row func(vals ...any) error) error) error {
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = pq.QuoteIdentifier(c)
	}
	stmt, err := tx.PrepareContext(ctx, fmt.Sprintf("COPY %s (%s) FROM STDIN", pq.QuoteIdentifier(table), strings.Join(quoted, ", ")))
	if err != nil {
		return err
	}
	defer stmt.Close()
	if err := fill(func(vals ...any) error {
		_, err := stmt.ExecContext(ctx, vals...)
		return err
	}); err != nil {
		return err
	}
	_, err = stmt.ExecContext(ctx)
	return err
}

// BeginCopyTx begins a transaction on conn; every transaction of ours is
// begun so. Its context is ctx without the cancellation:
//   - database/sql rolls a transaction back on its own when its context
//     ends, and a ROLLBACK sent while lib/pq streams a COPY makes two
//     readers of one connection, which can hang for good;
//   - lib/pq watches a transaction's context besides each statement's, and
//     sends a cancel request for each: two per interrupt, and pgbouncer up
//     to 1.20 dies of the second ("FATAL ... bad client state").
//
// Cancellation still works: Copy stops between rows when ctx ends, the
// statement in flight is cancelled by the server (one cancel request), a
// later statement or the commit of InTx sees ctx ended, and the caller's
// deferred Rollback ends the transaction.
func BeginCopyTx(ctx context.Context, conn *sql.Conn, opts *sql.TxOptions) (*sql.Tx, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return conn.BeginTx(context.WithoutCancel(ctx), opts)
}

// InCopyTx runs fn in one transaction on a connection of its own, begun by
// BeginCopyTx, and commits it when fn returns nil. It is not retried: a
// COPY's input is read once.
func (db *DB) InCopyTx(ctx context.Context, opts *sql.TxOptions, fn func(tx *sql.Tx) error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return Translate(ctx, err)
	}
	defer conn.Close()
	tx, err := BeginCopyTx(ctx, conn, opts)
	if err != nil {
		return Translate(ctx, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return Translate(ctx, err)
	}
	return Translate(ctx, tx.Commit())
}

// Int64Array passes a []int64 as one array parameter.
func Int64Array(ids []int64) any { return pq.Array(ids) }

// StringArray passes a []string as one array parameter.
func StringArray(s []string) any { return pq.Array(s) }

// ScanInt64Array scans an array column into a []int64.
func ScanInt64Array(dst *[]int64) any { return pq.Array(dst) }

// QuoteIdent quotes a name (a role, a table) for SQL text, where a
// parameter cannot stand.
func QuoteIdent(s string) string { return pq.QuoteIdentifier(s) }

// Endpoint is where a URL points: the host (or socket directory), port,
// user and password after libpq's defaults and PG* variables.
type Endpoint struct {
	Host     string
	Port     int
	User     string
	Password string
}

// EndpointOf reads the endpoint of url.
func EndpointOf(url string) (Endpoint, error) {
	cfg, err := pq.NewConfig(url)
	if err != nil {
		return Endpoint{}, err
	}
	return Endpoint{Host: cfg.Host, Port: int(cfg.Port), User: cfg.User, Password: cfg.Password}, nil
}
