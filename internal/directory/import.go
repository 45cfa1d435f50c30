package directory

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/store"
)

// ImportResult counts what an import did.
type ImportResult struct {
	Created   int64 `json:"created"`
	Updated   int64 `json:"updated"`
	Unchanged int64 `json:"unchanged"`
	Invalid   int64 `json:"invalid"`
}

// ImportOptions tune an import.
type ImportOptions struct {
	SkipInvalid bool
	// DryRun runs the import's statements and rolls them back: the counts
	// are exactly what the import would do, and nothing is written.
	DryRun bool
	// Progress, if set, is called every so many rows read.
	Progress func(rows int64)
	// Phase, if set, is told when the import moves on from reading the
	// rows to writing the users, and to committing.
	Phase func(name string)
}

func (o ImportOptions) phase(name string) {
	if o.Phase != nil {
		o.Phase(name)
	}
}

// ImportUsers upserts users from CSV (header phone,name[,trait…]) in one
// transaction: rows stream into a temp table with COPY, then one INSERT …
// ON CONFLICT upserts them and creates each new user's chat. An empty cell
// (name or trait) leaves the stored value as it is. Any bad row fails the
// whole import with its line number, unless SkipInvalid.
func ImportUsers(ctx context.Context, db *store.DB, orgID int64, r io.Reader, opts ImportOptions) (ImportResult, error) {
	var res ImportResult
	rows, err := openCSV(r)
	if err != nil {
		return res, err
	}
	// Every bad row is reported: the list is spooled, not capped.
	bad := &errs.Spool{}
	handedOver := false
	defer func() {
		if !handedOver {
			bad.Close()
		}
	}()
	// Input is read once, so the COPY and the upsert share one transaction
	// that is not retried; the upsert takes no row lock other writers hold
	// for long.
	err = db.InCopyTx(ctx, nil, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE import_rows (line bigint, phone text COLLATE "C", name text, traits jsonb) ON COMMIT DROP`); err != nil {
			return err
		}
		var rowsRead, copied int64
		err := store.Copy(ctx, tx, "import_rows", []string{"line", "phone", "name", "traits"}, func(row func(...any) error) error {
			return rows.each(func(line int, phone, name string, traits []byte, verr error) error {
				rowsRead++
				if opts.Progress != nil && rowsRead%1000 == 0 {
					opts.Progress(rowsRead)
				}
				if verr != nil {
					res.Invalid++
					return bad.Add(fmt.Sprintf("line %d: %v", line, verr))
				}
				if res.Invalid > 0 && !opts.SkipInvalid {
					return nil // the import will fail: keep reading only to report every bad line
				}
				copied++
				var stored any = name
				if name == "" {
					stored = nil // an empty cell leaves the stored name
				}
				return row(int64(line), phone, stored, string(traits))
			})
		})
		var le *input.LineError
		if errors.As(err, &le) {
			return errs.Usagef("The CSV cannot be read: %v; nothing was imported.", le)
		}
		if err != nil {
			return err
		}
		if res.Invalid > 0 && !opts.SkipInvalid {
			handedOver = true
			return errs.Usagef("%d invalid row(s); nothing was imported (pass --skip-invalid to import the valid rows).", res.Invalid).WithSpool(bad)
		}
		// The distinct step's sort and the insert's hash of the org's phones
		// stay in memory up to a few million rows instead of spilling to
		// disk (1,000,000 rows into 1,000,000 users: 10.05 s -> 9.64 s). One
		// bulk import at a time is an admin's job; the setting ends with the
		// transaction.
		if _, err := tx.ExecContext(ctx, `SET LOCAL work_mem = '256MB'`); err != nil {
			return err
		}
		if opts.Progress != nil {
			opts.Progress(rowsRead) // the exact count, not the last thousand
		}
		opts.phase("writing")
		distinct, err := upsertUsers(ctx, tx, orgID, copied, &res)
		if err != nil {
			return err
		}
		res.Unchanged = distinct - res.Created - res.Updated
		if opts.DryRun {
			return store.ErrRollback
		}
		opts.phase("committing")
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrRollback) {
		return res, err
	}
	if res.Invalid > 0 {
		handedOver = true
		return res, &SkippedError{Lines: bad}
	}
	return res, nil
}

// upsertUsers inserts the new phones with their chats, then updates the
// known phones that changed, and returns the number of distinct phones:
// two plain statements, cheaper than one INSERT … ON CONFLICT DO UPDATE
// over a million rows. The last row of a phone wins. When every row copied
// was a new phone (the bulk case, an import into a new org), that is all:
// no table of the distinct rows is written and the update's join over the
// org's users is skipped. A phone that a concurrent 'message receive'
// creates in between is a unique violation: the work is redone under a
// savepoint, and then finds that user.
func upsertUsers(ctx context.Context, tx *sql.Tx, orgID, copied int64, res *ImportResult) (distinct int64, err error) {
	const lastRowWins = `SELECT DISTINCT ON (phone) phone, name, traits FROM import_rows ORDER BY phone, line DESC`
	const attempts = 3
	for i := 1; ; i++ {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT upsert`); err != nil {
			return 0, err
		}
		err := func() error {
			ins, err := tx.ExecContext(ctx, `WITH ins AS (
					INSERT INTO users (org_id, phone, name, traits)
					SELECT $1, s.phone, coalesce(s.name, ''), s.traits FROM (`+lastRowWins+`) s
					WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.org_id = $1 AND u.phone = s.phone)
					RETURNING id)
				INSERT INTO chats (org_id, user_id) SELECT $1, id FROM ins`, orgID)
			if err != nil {
				return err
			}
			if res.Created, err = ins.RowsAffected(); err != nil {
				return err
			}
			res.Updated = 0
			if distinct = res.Created; res.Created == copied {
				return nil
			}
			src, err := tx.ExecContext(ctx, `CREATE TEMP TABLE import_src ON COMMIT DROP AS `+lastRowWins)
			if err != nil {
				return err
			}
			if distinct, err = src.RowsAffected(); err != nil {
				return err
			}
			// The users just inserted match too, but are unchanged.
			up, err := tx.ExecContext(ctx, `UPDATE users u SET name = coalesce(s.name, u.name), traits = u.traits || s.traits
				FROM import_src s
				WHERE u.org_id = $1 AND u.phone = s.phone AND (u.name IS DISTINCT FROM coalesce(s.name, u.name) OR NOT u.traits @> s.traits)`, orgID)
			if err != nil {
				return err
			}
			res.Updated, err = up.RowsAffected()
			return err
		}()
		if err == nil {
			_, err = tx.ExecContext(ctx, `RELEASE SAVEPOINT upsert`)
			return distinct, err
		}
		if i == attempts || !store.IsUniqueViolation(err) {
			return 0, err
		}
		if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT upsert`); rerr != nil {
			return 0, rerr
		}
	}
}

// SkippedError reports the rows --skip-invalid passed over, each with its
// line and why; the import itself succeeded.
type SkippedError struct{ Lines *errs.Spool }

func (e *SkippedError) Error() string { return fmt.Sprintf("%d row(s) skipped", e.Lines.Len()) }

// csvRows is a users CSV whose header has been read and checked.
type csvRows struct {
	cr        *csv.Reader
	traitKeys []string
}

// openCSV reads and checks the header row phone,name[,trait...].
func openCSV(r io.Reader) (*csvRows, error) {
	cr := input.NewCSVReader(r, 0)
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errs.Usagef("The CSV is empty: it needs a header row phone,name[,trait...].")
	}
	var le *input.LineError
	if errors.As(err, &le) {
		return nil, errs.Usagef("The CSV cannot be read: %v; nothing was imported.", le)
	}
	if err != nil {
		return nil, errs.Usagef("The CSV header cannot be read: %v.", err)
	}
	traitKeys, err := parseHeader(header)
	if err != nil {
		return nil, err
	}
	return &csvRows{cr: cr, traitKeys: traitKeys}, nil
}

// each streams every row after the header to fn, in order, with its line
// number: a valid row parsed, an invalid one as bad; fn's error stops the
// read.
func (c *csvRows) each(fn func(line int, phone, name string, traits []byte, bad error) error) error {
	for {
		rec, err := c.cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			// A malformed record may have no field position to ask for.
			if err := fn(perr.Line, "", "", nil, perr.Err); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		line, _ := c.cr.FieldPos(0)
		phone, name, traits, verr := parseRow(rec, c.traitKeys)
		if err := fn(line, phone, name, traits, verr); err != nil {
			return err
		}
	}
}

func parseHeader(h []string) ([]string, error) {
	if len(h) > 0 {
		h[0] = strings.TrimPrefix(h[0], "\uFEFF")
	}
	if len(h) < 2 || !strings.EqualFold(strings.TrimSpace(h[0]), "phone") || !strings.EqualFold(strings.TrimSpace(h[1]), "name") {
		return nil, errs.Usagef("The CSV header must start with phone,name (then trait columns), not %q.", strings.Join(h, ","))
	}
	seen := map[string]bool{}
	var keys []string
	for i, k := range h[2:] {
		k = strings.TrimSpace(k)
		if err := input.TraitKey(k); err != nil {
			var refusal *rules.Refusal
			if errors.As(err, &refusal) {
				return nil, errs.Refusedf("The CSV has a %q column: %v", k, err)
			}
			return nil, errs.Usagef("Line 1, column %d: %v.", i+3, err)
		}
		if seen[k] {
			return nil, errs.Usagef("Line 1: the trait column %q appears twice.", k)
		}
		seen[k] = true
		keys = append(keys, k)
	}
	return keys, nil
}

func parseRow(rec []string, traitKeys []string) (phone, name string, traits []byte, err error) {
	if len(rec) != 2+len(traitKeys) {
		return "", "", nil, fmt.Errorf("has %d fields, the header has %d", len(rec), 2+len(traitKeys))
	}
	for _, f := range rec {
		if !utf8.ValidString(f) {
			return "", "", nil, errors.New("not valid UTF-8")
		}
	}
	ref, err := input.ParsePhone(rec[0])
	if err != nil {
		return "", "", nil, err
	}
	name = rec[1]
	if err := input.Text("name", name, input.MaxNameLen); err != nil {
		return "", "", nil, err
	}
	// The traits object is written by hand: keys are distinct (the header
	// is checked), and a map per row cost more than the rest of the row.
	buf := append(make([]byte, 0, 64), '{')
	for i, k := range traitKeys {
		v := rec[2+i]
		if v == "" {
			continue
		}
		if input.Text("trait", v, input.MaxTraitValue) != nil {
			// Named only on the error path: formatting per cell is costly.
			return "", "", nil, input.Text(fmt.Sprintf("trait %q", k), v, input.MaxTraitValue)
		}
		if len(buf) > 1 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, k)
		buf = append(buf, ':')
		buf = appendJSONString(buf, v)
	}
	return ref.Phone, name, append(buf, '}'), nil
}

func appendJSONString(buf []byte, s string) []byte {
	b, _ := json.Marshal(s) // a valid UTF-8 string always encodes
	return append(buf, b...)
}
