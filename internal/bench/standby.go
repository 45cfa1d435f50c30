package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/inboxctl/inboxctl/internal/pglocal"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/store"
)

const (
	standbyTarget = "same verdict; ≤ 1.5× the primary's"
	// standbyReader is the read-level role the standby check runs as.
	standbyReader = "bench_ci"
)

// opStandbyCheck measures the standby row of README "Performance": campaign
// check --all as a read-level role on a hot standby of the bench server (made
// now with pg_basebackup -R, once the primary's WAL is replayed) beside the
// same check on the primary as the schema owner.
func opStandbyCheck(ctx context.Context, r *run) ([]Result, error) {
	if _, err := r.admin.ExecContext(ctx, `CREATE ROLE `+standbyReader+` LOGIN`); err != nil {
		return nil, err
	}
	if _, err := r.bench.GrantLevel(ctx, standbyReader, rules.LevelRead); err != nil {
		return nil, err
	}
	r.logf("  making a hot standby (pg_basebackup -R)")
	st, err := r.srv.StartStandby(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if err := waitReplay(ctx, r.admin, st); err != nil {
		return nil, err
	}
	// Alternating, after a warm-up run of each (the standby's cache starts
	// cold); the median of each side.
	onPrimary := call{db: r.benchURL, agent: noAgent, args: []string{"campaign", "check", "--all", "-o", "json"}}
	onStandby := onPrimary
	onStandby.db = st.URLAs(standbyReader, "bench")
	var prim, stby []proc
	for i := 0; i <= r.times(checkRuns); i++ {
		p, err := r.cli(ctx, onPrimary)
		if err != nil {
			return nil, err
		}
		s, err := r.cli(ctx, onStandby)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			prim, stby = append(prim, p), append(stby, s)
		}
	}
	primary, standby := medianProc(prim), medianProc(stby)
	var verdict struct {
		OK      bool  `json:"ok"`
		Checked int64 `json:"checked"`
	}
	if err := json.Unmarshal(standby.stdout, &verdict); err != nil {
		return nil, fmt.Errorf("campaign check on the standby printed no result: %q", standby.stdout)
	}
	same := bytes.Equal(primary.stdout, standby.stdout)
	res := measured(fmt.Sprintf("campaign check --all on a hot standby as a read-level role (%s checked)", count(verdict.Checked)), verdict.Checked, standby, primary.wall)
	res.RowsPerSecond = nil
	res.Target = standbyTarget
	res.Met = ptr(same && res.Ratio != nil && *res.Ratio <= 1.5)
	res.Detail = fmt.Sprintf("baseline: the check on the primary as the owner; same verdict: %v (ok=%v checked=%d); median of %d runs each", same, verdict.OK, verdict.Checked, r.times(checkRuns))
	return []Result{res}, nil
}

// waitReplay waits until the standby has replayed the primary's WAL as of
// now.
func waitReplay(ctx context.Context, primary *store.DB, st *pglocal.Server) error {
	var target string
	if err := primary.QueryRowContext(ctx, `SELECT pg_current_wal_insert_lsn()::text`).Scan(&target); err != nil {
		return err
	}
	db, err := store.Open(ctx, st.URL("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		var done bool
		if err := db.QueryRowContext(ctx, `SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn`, target).Scan(&done); err != nil {
			return err
		}
		if done {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the standby did not replay the primary's WAL up to %s in 5 minutes", target)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
