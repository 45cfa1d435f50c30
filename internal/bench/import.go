package bench

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/store"
)

const importTarget = "≥ 100,000 rows/s; peak RSS ≤ 64 MiB"

// importFile writes N new users as CSV: phone,name,city,tier.
func (r *run) importFile() (string, error) {
	path := filepath.Join(r.dir, "import.csv")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("phone,name,city,tier\n")
	cities := []string{"Delhi", "Pune", "Mumbai"}
	for i := 1; i <= r.n; i++ {
		tier := "silver"
		if i%5 == 0 {
			tier = "gold"
		}
		fmt.Fprintf(w, "+9197%08d,Imported %d,%s,%s\n", i, i, cities[i%3], tier)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}

// importDatabase makes an empty migrated database with the demo org, for
// one import; the first call makes the template the others copy.
func (r *run) importDatabase(ctx context.Context, name string) (string, error) {
	if !r.importTemplate {
		if _, err := r.admin.ExecContext(ctx, `CREATE DATABASE import_tmpl`); err != nil {
			return "", err
		}
		db, err := store.Open(ctx, r.srv.URL("import_tmpl"))
		if err != nil {
			return "", err
		}
		if _, err := db.Migrate(ctx); err != nil {
			db.Close()
			return "", err
		}
		_, err = directory.CreateOrg(ctx, db, seed.Org, "Import Co")
		db.Close()
		if err != nil {
			return "", err
		}
		r.importTemplate = true
	}
	if _, err := r.admin.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE import_tmpl`); err != nil {
		return "", err
	}
	return r.srv.URL(name), nil
}

// dropDatabase frees the disk of a database used once.
func (r *run) dropDatabase(ctx context.Context, name string) {
	_, _ = r.admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
}

// importRounds: each side imports the file this many times, each into a
// fresh database, alternating which goes first; each keeps its best time.
const importRounds = 2

func opImport(ctx context.Context, r *run) ([]Result, error) {
	file, err := r.importFile()
	if err != nil {
		return nil, err
	}
	var s sideBySide
	for round := 0; round < r.times(importRounds); round++ {
		err := both(round%2 == 0, func() error {
			name := fmt.Sprintf("import_cli_%d", round)
			url, err := r.importDatabase(ctx, name)
			if err != nil {
				return err
			}
			defer r.dropDatabase(ctx, name)
			p, err := r.cli(ctx, call{db: url, agent: noAgent, args: []string{"user", "import", "-f", file, "-o", "json"}})
			if err != nil {
				return err
			}
			var got directory.ImportResult
			if err := json.Unmarshal(p.stdout, &got); err != nil {
				return fmt.Errorf("user import printed no result: %q", p.stdout)
			}
			s.cli(p, got.Created)
			return nil
		}, func() error {
			name := fmt.Sprintf("import_base_%d", round)
			url, err := r.importDatabase(ctx, name)
			if err != nil {
				return err
			}
			defer r.dropDatabase(ctx, name)
			base, err := store.Open(ctx, url)
			if err != nil {
				return err
			}
			defer base.Close()
			start := time.Now()
			copied, err := baselineImport(ctx, base, file)
			if err != nil {
				return fmt.Errorf("baseline import: %w", err)
			}
			s.baseline(time.Since(start), copied)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	res := s.result(fmt.Sprintf("user import -f (%s rows)", count(int64(r.n))), int64(r.n), importTarget, "created")
	res.Met = ptr(*res.Met && *res.RowsPerSecond >= 100_000 && *res.PeakRSSMiB <= 64)
	return []Result{res}, nil
}

// baselineImport is COPY of the CSV's rows into users, by hand.
func baselineImport(ctx context.Context, db *store.DB, file string) (n int64, err error) {
	var org int64
	if err := db.QueryRowContext(ctx, `SELECT id FROM orgs WHERE slug = $1`, seed.Org).Scan(&org); err != nil {
		return 0, err
	}
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	err = db.InCopyTx(ctx, nil, func(tx *sql.Tx) error {
		return store.Copy(ctx, tx, "users", []string{"org_id", "phone", "name", "traits"}, func(row func(...any) error) error {
			cr := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
			cr.ReuseRecord = true
			if _, err := cr.Read(); err != nil {
				return err
			}
			var traits []byte
			for {
				rec, err := cr.Read()
				if errors.Is(err, io.EOF) {
					return nil
				}
				if err != nil {
					return err
				}
				traits = append(traits[:0], `{"city":`...)
				traits = strconv.AppendQuote(traits, rec[2])
				traits = append(traits, `,"tier":`...)
				traits = strconv.AppendQuote(traits, rec[3])
				traits = append(traits, '}')
				if err := row(org, rec[0], rec[1], string(traits)); err != nil {
					return err
				}
				n++
			}
		})
	})
	return n, err
}
