package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/inboxctl/inboxctl/internal/errs"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one embedded schema change.
type Migration struct {
	Version   int
	Name      string
	SQL       string
	AppliedAt *time.Time
}

// migrationLock is the advisory lock key that serialises concurrent migrates.
const migrationLock = 0x1b0c7c71

// Migrations lists the embedded migrations in order.
func Migrations() []Migration {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		panic(err)
	}
	var ms []Migration
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".sql")
		num, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			panic(fmt.Sprintf("migration %s has no number", e.Name()))
		}
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			panic(err)
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS inboxctl_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)`

// Migrate applies the pending migrations, each in its own transaction,
// under an advisory lock so that concurrent runs are safe. It returns the
// migrations it applied.
func (db *DB) Migrate(ctx context.Context) ([]Migration, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, Translate(ctx, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return nil, Translate(ctx, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
	if _, err := conn.ExecContext(ctx, createMigrationsTable); err != nil {
		return nil, Translate(ctx, err)
	}
	applied, err := appliedVersions(ctx, conn)
	if err != nil {
		return nil, Translate(ctx, err)
	}
	var done []Migration
	for _, m := range Migrations() {
		if _, ok := applied[m.Version]; ok {
			continue
		}
		err := func() error {
			tx, err := conn.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO inboxctl_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
				return err
			}
			return tx.Commit()
		}()
		if err != nil {
			return done, Translate(ctx, err)
		}
		done = append(done, m)
	}
	if len(done) > 0 {
		// New tables get the levels' privileges (db grant gave them on the
		// tables that existed then).
		if err := db.InTxConn(ctx, conn, func(tx *sql.Tx) error { return applyLevelGrants(ctx, tx) }); err != nil {
			return done, err
		}
	}
	return done, nil
}

func appliedVersions(ctx context.Context, q Querier) (map[int]time.Time, error) {
	rows, err := q.QueryContext(ctx, `SELECT version, applied_at FROM inboxctl_migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]time.Time{}
	for rows.Next() {
		var v int
		var at time.Time
		if err := rows.Scan(&v, &at); err != nil {
			return nil, err
		}
		out[v] = at
	}
	return out, rows.Err()
}

// Status lists every embedded migration with its applied time (nil: pending).
func (db *DB) Status(ctx context.Context) ([]Migration, error) {
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('inboxctl_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return nil, Translate(ctx, err)
	}
	applied := map[int]time.Time{}
	if exists {
		var err error
		if applied, err = appliedVersions(ctx, db); err != nil {
			return nil, Translate(ctx, err)
		}
	}
	ms := Migrations()
	for i := range ms {
		if at, ok := applied[ms[i].Version]; ok {
			at := at
			ms[i].AppliedAt = &at
		}
	}
	return ms, nil
}

// RequireCurrent refuses a database with pending migrations.
func (db *DB) RequireCurrent(ctx context.Context) error {
	ms, err := db.Status(ctx)
	if err != nil {
		return err
	}
	var pending []string
	for _, m := range ms {
		if m.AppliedAt == nil {
			pending = append(pending, m.Name)
		}
	}
	if len(pending) > 0 {
		return errs.Unexpectedf(nil, "The database has %d pending migration(s) (%s). Run 'inboxctl db migrate' first.", len(pending), strings.Join(pending, ", "))
	}
	return nil
}

// NullInt64 turns 0 into SQL NULL.
func NullInt64(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: v != 0} }

// CampaignListsLock is the advisory lock key of an org's campaign recipient
// lists: campaign schedule and run hold it exclusively, spam mark and unmark
// shared, so a list is never materialised or sent around a concurrent mark.
func CampaignListsLock(orgID int64) int64 { return 0x696e6278<<32 | orgID&0xffffffff }

// ExpiringMarksVersion is the migration that adds expiring marks (users.spam_until).
const ExpiringMarksVersion = 5
