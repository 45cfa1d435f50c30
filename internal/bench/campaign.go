package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/store"
)

const (
	audienceTarget = "≤ 1.3× baseline; peak RSS ≤ 64 MiB"
	checkTarget    = "≤ 50 ms"
	checkRuns      = 5
)

// audienceRounds: each side streams the audience this many times,
// alternating which goes first, and keeps its best time.
const audienceRounds = 3

func opAudience(ctx context.Context, r *run) ([]Result, error) {
	path := filepath.Join(r.dir, "audience.csv")
	basePath := filepath.Join(r.dir, "audience-baseline.csv")
	var s sideBySide
	for round := 0; round < r.times(audienceRounds); round++ {
		err := both(round%2 == 0, func() error {
			f, err := os.Create(path)
			if err != nil {
				return err
			}
			p, err := r.cli(ctx, call{db: r.benchURL, out: f, args: []string{"campaign", "audience", seed.BenchAudience, "-o", "csv"}})
			f.Close()
			if err != nil {
				return err
			}
			rows, err := countLines(path)
			s.cli(p, rows-1) // less the header
			return err
		}, func() error {
			start := time.Now()
			rows, err := baselineAudience(ctx, r.base, r.orgID, basePath)
			if err != nil {
				return fmt.Errorf("baseline audience: %w", err)
			}
			s.baseline(time.Since(start), rows)
			return nil
		})
		if unknownCommand(err) {
			return []Result{notAvailable("campaign audience -o csv", audienceTarget, "this build has no 'campaign audience'")}, nil
		}
		if err != nil {
			return nil, err
		}
	}
	want := s.baseChanged[0]
	res := s.result(fmt.Sprintf("campaign audience -o csv (%s users)", count(want)), want, audienceTarget, "rows")
	res.Met = ptr(*res.Met && *res.Ratio <= 1.3 && *res.PeakRSSMiB <= 64)
	return []Result{res}, nil
}

// baselineAudience is the bare SELECT of the audience (every user who is
// not spam) streamed to CSV by database/sql and encoding/csv.
func baselineAudience(ctx context.Context, db *store.DB, org int64, path string) (n int64, err error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 64*1024)
	cw := csv.NewWriter(w)
	rows, err := db.QueryContext(ctx, `SELECT id, phone, name FROM users WHERE org_id = $1 AND NOT spam ORDER BY id`, org)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cw.Write([]string{"user_id", "phone", "name"})
	rec := make([]string, 3)
	var id int64
	for rows.Next() {
		if err := rows.Scan(&id, &rec[1], &rec[2]); err != nil {
			return n, err
		}
		rec[0] = strconv.FormatInt(id, 10)
		if err := cw.Write(rec); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, err
	}
	return n, w.Flush()
}

func countLines(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n int64
	buf := make([]byte, 1<<20)
	for {
		k, err := f.Read(buf)
		n += int64(bytes.Count(buf[:k], []byte{'\n'}))
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

func opCheck(ctx context.Context, r *run) ([]Result, error) {
	p, err := r.repeat(ctx, r.times(checkRuns), call{db: r.benchURL, args: []string{"campaign", "check", "--all", "-o", "json"}})
	if unknownCommand(err) {
		return []Result{notAvailable("campaign check --all", checkTarget, "this build has no 'campaign check'")}, nil
	}
	if err != nil {
		return nil, err
	}
	var got struct {
		OK      bool  `json:"ok"`
		Checked int64 `json:"checked"`
	}
	if err := json.Unmarshal(p.stdout, &got); err != nil {
		return nil, fmt.Errorf("campaign check printed no result: %q", p.stdout)
	}
	var pending int64
	if err := r.bench.QueryRowContext(ctx, store.Consts(`SELECT count(*) FROM campaign_recipients WHERE org_id = $1 AND status = {pending}`), r.orgID).Scan(&pending); err != nil {
		return nil, err
	}
	var offender bool
	check := store.Consts(`SELECT EXISTS (SELECT 1 FROM users u JOIN campaign_recipients cr
			ON cr.org_id = u.org_id AND cr.user_id = u.id AND cr.status = {pending}
			WHERE u.org_id = $1 AND u.spam)`)
	base, err := median(r.times(checkRuns), func() error {
		return r.base.QueryRowContext(ctx, check, r.orgID).Scan(&offender)
	})
	if err != nil {
		return nil, fmt.Errorf("baseline check: %w", err)
	}
	res := measured(fmt.Sprintf("campaign check --all (%s pending)", count(pending)), pending, p, base)
	res.Target = checkTarget
	res.Met = ptr(p.wall.Seconds() <= 0.05 && got.OK && !offender)
	res.Detail = fmt.Sprintf("ok=%v checked=%d, median of %d runs", got.OK, got.Checked, r.times(checkRuns))
	return []Result{res}, nil
}
