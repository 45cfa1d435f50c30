// Package store is inboxctl's PostgreSQL layer: connections, embedded
// migrations, transactions with bounded retries, COPY, and the translation
// of driver errors into sentences. It is the only package that imports
// lib/pq.
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
	conn, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, invalidURL(err, url)
	}
	watch := &clearTextWatch{}
	conn.Dialer(watch)
	db := &DB{DB: sql.OpenDB(conn), Password: cfg.Password, LockTimeout: DefaultLockTimeout}
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
	return db.inTx(ctx, func() (*sql.Tx, error) { return db.BeginTx(ctx, nil) }, fn)
}

// InTxConn is InTx on one session, for work that reads temp tables.
func (db *DB) InTxConn(ctx context.Context, conn *sql.Conn, fn func(tx *sql.Tx) error) error {
	return db.inTx(ctx, func() (*sql.Tx, error) { return conn.BeginTx(ctx, nil) }, fn)
}

func (db *DB) inTx(ctx context.Context, begin func() (*sql.Tx, error), fn func(tx *sql.Tx) error) error {
	backoff := 10 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := db.tryTx(ctx, begin, fn)
		if err == nil || !Retryable(err) || attempt == MaxAttempts || ctx.Err() != nil {
			return translate(ctx, err, attempt)
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return Translate(ctx, ctx.Err())
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
	return tx.Commit()
}

// ErrRollback, returned by a transaction body, rolls back without error: it
// is how --dry-run runs the real statements and keeps nothing.
var ErrRollback = errors.New("rolled back on purpose")

// DryRun runs fn in a transaction like InTxConn and always rolls it back.
func (db *DB) DryRun(ctx context.Context, conn *sql.Conn, fn func(tx *sql.Tx) error) error {
	err := db.InTxConn(ctx, conn, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return ErrRollback
	})
	if errors.Is(err, ErrRollback) {
		return nil
	}
	return err
}

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

// BeginCopyTx begins a transaction that will COPY on conn. Its context is
// ctx without the cancellation: database/sql rolls a transaction back on
// its own when its context ends, and a ROLLBACK sent while lib/pq streams
// a COPY makes two readers of one connection, which can hang for good.
// Cancellation still works: Copy stops between rows when ctx ends, each
// statement run with ctx is cancelled by the server, and the caller's
// deferred Rollback ends the transaction.
func BeginCopyTx(ctx context.Context, conn *sql.Conn, opts *sql.TxOptions) (*sql.Tx, error) {
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
