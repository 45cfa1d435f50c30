package campaign

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/store"
)

// CheckRequest names what campaign check looks at: campaigns by name or
// all of them, and an optional external recipient file (one phone a line,
// or a CSV with a phone column).
type CheckRequest struct {
	Names      []string
	All        bool
	Recipients io.Reader
	// Full reads the rows (every pending entry of the one-time campaigns,
	// every spam user) instead of the tallies, and recounts the tallies if
	// they drifted.
	Full bool
}

// Offender is a spam user a campaign (or the external file, Campaign "")
// would message.
type Offender struct {
	Campaign string     `json:"campaign"`
	UserID   int64      `json:"user_id"`
	Phone    string     `json:"phone"`
	MarkedAt *time.Time `json:"marked_at"` // nil for a user flagged around inboxctl
}

// CheckResult is campaign check's verdict (SPEC §5).
type CheckResult struct {
	OK        bool       `json:"ok"`
	Checked   int64      `json:"checked"`
	Offenders []Offender `json:"offenders"`
	// TallyDrift: the rows were read (--full, dirty tallies, or tallied
	// offenders) and the tallies did not match them; they were recounted.
	TallyDrift bool `json:"-"`
	// TalliesDirty: the org was written around inboxctl since its tallies
	// were counted, so the rows were read.
	TalliesDirty bool `json:"-"`
}

// Check looks for spam users among the pending recipients of one-time
// campaigns, the audience of ongoing campaigns, and the phones of an
// external recipient file. Offenders make CheckResult.OK false; the caller
// decides the exit code.
func Check(ctx context.Context, db *store.DB, orgID int64, req CheckRequest) (CheckResult, error) {
	res := CheckResult{Offenders: []Offender{}}
	if req.All && len(req.Names) > 0 {
		return res, errs.Usagef("Name campaigns or pass --all, not both.")
	}
	if !req.All && len(req.Names) == 0 && req.Recipients == nil {
		return res, errs.Usagef("Nothing to check: name campaigns, pass --all, or give --recipients FILE.")
	}
	camps, err := selectCampaigns(ctx, db, orgID, req)
	if err != nil {
		return res, err
	}
	// One snapshot for every part of the check; the external file is read
	// once, so the transaction is not retried.
	err = db.InCopyTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: req.Recipients == nil}, func(tx *sql.Tx) error {
		if err := checkCampaigns(ctx, tx, orgID, camps, req.Full, &res); err != nil {
			return err
		}
		if req.Recipients == nil {
			return nil
		}
		return checkFile(ctx, tx, orgID, req.Recipients, &res)
	})
	if err != nil {
		return res, err
	}
	res.OK = len(res.Offenders) == 0
	switch {
	case req.Full && res.TallyDrift:
		if _, err := db.RepairTallies(ctx, orgID, true); err != nil {
			return res, err
		}
	case res.TalliesDirty || res.TallyDrift:
		// Best effort: the verdict came from the rows. A role that may
		// only read (a CI job's), or a fold under way, leaves the recount
		// to the next check.
		_, _ = db.RepairTallies(ctx, orgID, false)
	}
	return res, nil
}

// selectCampaigns resolves the names (every unknown one is reported, exit
// 3) or, with All, lists the org's campaigns.
func selectCampaigns(ctx context.Context, q store.Querier, orgID int64, req CheckRequest) ([]Campaign, error) {
	if req.All {
		return list(ctx, q, orgID, false)
	}
	var out []Campaign
	var missing []string
	seen := map[string]bool{}
	for _, n := range req.Names {
		if seen[n] {
			continue
		}
		seen[n] = true
		c, err := Find(ctx, q, orgID, n)
		var e *errs.Error
		if errors.As(err, &e) && e.Code == errs.NotFound {
			missing = append(missing, fmt.Sprintf("%q", n))
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(missing) > 0 {
		return nil, errs.NotFoundf("No campaign named %s in this org (see 'inboxctl campaign list'); nothing was checked.", strings.Join(missing, ", "))
	}
	return out, nil
}

// checkCampaigns counts what it checks and collects offenders: spam users
// with a pending entry in a one-time campaign, and spam users the audience
// SQL of an ongoing campaign would select (none, unless the audience SQL
// broke rule 5 — which is what this guards).
func checkCampaigns(ctx context.Context, tx *sql.Tx, orgID int64, camps []Campaign, full bool, res *CheckResult) error {
	var oneTime []int64
	var ongoing []Campaign
	names := map[int64]string{}
	for _, c := range camps {
		names[c.ID] = c.Name
		if c.Kind == OneTime {
			oneTime = append(oneTime, c.ID)
		} else {
			ongoing = append(ongoing, c)
		}
	}
	if len(camps) == 0 {
		return nil
	}
	// Written around inboxctl since the last count: the tallies may be off,
	// so the rows are read, and the tallies recounted after.
	dirty, err := store.TalliesDirty(ctx, tx, orgID)
	if err != nil {
		return err
	}
	res.TalliesDirty = dirty
	exact := full || dirty
	if err := checkOngoing(ctx, tx, orgID, ongoing, exact, res); err != nil {
		return err
	}
	if len(oneTime) == 0 {
		return nil
	}
	tallies, err := store.Tallies(ctx, tx, orgID, oneTime)
	if err != nil {
		return err
	}
	var sum store.Tally
	for _, t := range tallies {
		sum.Pending += t.Pending
		sum.Offenders += t.Offenders
	}
	if !exact && sum.Offenders == 0 {
		// The tallies, kept in the transaction of every change, say no
		// pending entry has a spam user: nothing to list.
		res.Checked += sum.Pending
		return nil
	}
	// Tallied offenders, dirty tallies or --full: the rows themselves. The
	// offenders are listed, so only the pending entries need a count.
	pending, err := store.CountPending(ctx, tx, orgID, oneTime)
	if err != nil {
		return err
	}
	// Driven by the spam users (the partial index users_spam) into the open
	// recipient entries (campaign_recipients_open).
	rows, err := tx.QueryContext(ctx, `
		SELECT r.campaign_id, u.id, u.phone, u.spam_marked_at
		FROM users u
		JOIN campaign_recipients r ON r.org_id = u.org_id AND r.user_id = u.id AND r.status = $3
		WHERE u.org_id = $1 AND u.spam AND r.campaign_id = ANY($2)
		ORDER BY r.campaign_id, u.id`, orgID, store.Int64Array(oneTime), string(rules.Pending))
	if err != nil {
		return err
	}
	defer rows.Close()
	counted := make(map[int64]store.Tally, len(oneTime))
	for rows.Next() {
		var o Offender
		var cid int64
		if err := rows.Scan(&cid, &o.UserID, &o.Phone, &o.MarkedAt); err != nil {
			return err
		}
		o.Campaign = names[cid]
		res.Offenders = append(res.Offenders, o)
		t := counted[cid]
		t.Offenders++
		counted[cid] = t
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range oneTime {
		t := counted[id]
		t.Pending = pending[id]
		res.Checked += t.Pending
		if t != tallies[id] {
			res.TallyDrift = true
		}
	}
	return nil
}

// checkOngoing tests every spam user of the org against the audience of
// each ongoing campaign (an ongoing campaign has no list: whoever its
// audience SQL selects at a run is messaged). Checked grows by the spam
// users tested, once per campaign.
//
// With constraint_exclusion on, the planner reads "spam AND NOT spam ..."
// as a contradiction and answers without a scan: the audience SQL is then
// proved to leave every spam user out. Were rule 5 ever lost from it, the
// proof would fail and the query would scan the spam users and list them.
func checkOngoing(ctx context.Context, tx *sql.Tx, orgID int64, camps []Campaign, exact bool, res *CheckResult) error {
	if len(camps) == 0 {
		return nil
	}
	spam, err := store.SpamUsers(ctx, tx, orgID)
	if err != nil {
		return err
	}
	if exact {
		counted, err := store.CountSpamUsers(ctx, tx, orgID)
		if err != nil {
			return err
		}
		res.TallyDrift = res.TallyDrift || counted != spam
		spam = counted
	}
	if _, err := tx.ExecContext(ctx, `SET LOCAL constraint_exclusion = on`); err != nil {
		return err
	}
	defer tx.ExecContext(ctx, `SET LOCAL constraint_exclusion = partition`)
	for _, c := range camps {
		res.Checked += spam
		query, args := ongoingGuardSQL(orgID, c.Segment)
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			o := Offender{Campaign: c.Name}
			if err := rows.Scan(&o.UserID, &o.Phone, &o.MarkedAt); err != nil {
				rows.Close()
				return err
			}
			res.Offenders = append(res.Offenders, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// ongoingGuardSQL selects the spam users whom the audience SQL of seg
// would message: none, by rule 5.
func ongoingGuardSQL(orgID int64, seg rules.Segment) (string, []any) {
	a := store.NewArgs(orgID)
	return fmt.Sprintf(`SELECT u.id, u.phone, u.spam_marked_at FROM users u
		WHERE u.org_id = $1 AND u.spam AND %s ORDER BY u.id`, store.AudienceWhere(seg, "u", a)), a.Values()
}

// checkFile streams the external recipient file into a temp table with
// COPY (flat memory for any size) and looks its phones up among the spam
// users. A bad line fails the check with exit 2 and its line number.
func checkFile(ctx context.Context, tx *sql.Tx, orgID int64, r io.Reader, res *CheckResult) error {
	if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE check_phones (line bigint, phone text COLLATE "C") ON COMMIT DROP`); err != nil {
		return err
	}
	// Every bad line is reported: the list is spooled, not capped.
	bad := &errs.Spool{}
	err := store.Copy(ctx, tx, "check_phones", []string{"line", "phone"}, func(row func(...any) error) error {
		return readPhones(r, func(line int, phone string, verr error) error {
			if verr != nil {
				return bad.Add(fmt.Sprintf("line %d: %v", line, verr))
			}
			if bad.Len() > 0 {
				return nil // the check fails: read on only to report every bad line
			}
			return row(int64(line), phone)
		})
	})
	if err != nil {
		bad.Close()
		var le *input.LineError
		if errors.As(err, &le) {
			return errs.Usagef("The recipient file cannot be read: %v; nothing was checked.", le)
		}
		return err
	}
	if bad.Len() > 0 {
		return errs.Usagef("%d line(s) of the recipient file are not phones; nothing was checked.", bad.Len()).WithSpool(bad)
	}
	var n int64
	if err := tx.QueryRowContext(ctx, `SELECT count(DISTINCT phone) FROM check_phones`).Scan(&n); err != nil {
		return err
	}
	res.Checked += n
	rows, err := tx.QueryContext(ctx, `
		SELECT u.id, u.phone, u.spam_marked_at
		FROM (SELECT phone, min(line) AS line FROM check_phones GROUP BY phone) p
		JOIN users u ON u.org_id = $1 AND u.phone = p.phone
		WHERE u.spam ORDER BY p.line`, orgID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var o Offender
		if err := rows.Scan(&o.UserID, &o.Phone, &o.MarkedAt); err != nil {
			return err
		}
		res.Offenders = append(res.Offenders, o)
	}
	return rows.Err()
}

// readPhones streams the phones of a recipient file to fn: one phone a line
// (blank lines and # comments ignored), or a CSV whose header names a
// phone column. A bad line comes with verr set.
func readPhones(r io.Reader, fn func(line int, phone string, verr error) error) error {
	br := bufio.NewReaderSize(r, 64*1024)
	if isCSV(br) {
		return readCSVPhones(br, fn)
	}
	return input.ReadLines(br, func(line int, text string, bad error) error {
		if bad != nil {
			return fn(line, "", errors.Unwrap(bad))
		}
		ref, err := input.ParsePhone(text)
		if err != nil {
			return fn(line, "", err)
		}
		return fn(line, ref.Phone, nil)
	})
}

// isCSV peeks at the first meaningful line: a CSV header has a comma or is
// the single column "phone".
func isCSV(br *bufio.Reader) bool {
	head, _ := br.Peek(br.Size())
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	for len(head) > 0 {
		line := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		t := strings.TrimSpace(string(line))
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		return strings.Contains(t, ",") || strings.EqualFold(strings.Trim(t, `"`), "phone")
	}
	return false
}

func readCSVPhones(r io.Reader, fn func(line int, phone string, verr error) error) error {
	cr := input.NewCSVReader(r, '#') // isCSV looked past leading comments too
	header, err := cr.Read()
	if err != nil {
		return &input.LineError{Line: 1, Err: fmt.Errorf("cannot read the CSV header: %w", err)}
	}
	col := -1
	for i, h := range header {
		if strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")), "phone") {
			col = i
			break
		}
	}
	if col < 0 {
		return errs.Usagef("The recipient file looks like a CSV but its header has no phone column (line 1).")
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if ferr := fn(pe.StartLine, "", pe.Err); ferr != nil {
					return ferr
				}
				continue
			}
			return err
		}
		line, _ := cr.FieldPos(0) // only valid for a record read without error
		if col >= len(rec) {
			if ferr := fn(line, "", fmt.Errorf("has no phone column (%d field(s))", len(rec))); ferr != nil {
				return ferr
			}
			continue
		}
		raw := rec[col]
		var verr error
		phone := ""
		switch {
		case !utf8.ValidString(raw):
			verr = errors.New("not valid UTF-8")
		case strings.IndexByte(raw, 0) >= 0:
			verr = errors.New("contains a NUL byte")
		default:
			var ref input.Ref
			if ref, verr = input.ParsePhone(raw); verr == nil {
				phone = ref.Phone
			}
		}
		if err := fn(line, phone, verr); err != nil {
			return err
		}
	}
}
