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

// CheckResult is campaign check's verdict.
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
	// Recounted: the tallies were recounted after the check.
	Recounted bool `json:"-"`
	// RecountLeft says why dirty or drifted tallies were not recounted
	// (a standby, a role that may only read, a failed recount).
	RecountLeft string `json:"-"`
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
	err = db.InCopyTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}, func(tx *sql.Tx) error {
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
	if res.TalliesDirty || res.TallyDrift {
		recountTallies(ctx, db, orgID, req.Full, &res)
	}
	return res, nil
}

// recountTallies recounts the org's tallies after a check that read the
// rows because they were dirty or drifted. It is best effort: the verdict
// came from the rows. A hot standby, or a role that may only read (a CI
// job's), leaves the recount to a writer (RecountLeft says why); so does a
// fold under way, unless --full, which waits for it.
func recountTallies(ctx context.Context, db *store.DB, orgID int64, full bool, res *CheckResult) {
	why, err := store.WhyNoRecount(ctx, db)
	if err == nil && why == "" {
		res.Recounted, err = db.RepairTallies(ctx, orgID, full && res.TallyDrift)
	}
	if err != nil {
		var e *errs.Error
		if errors.As(store.Translate(ctx, err), &e) {
			why = "the recount failed: " + strings.TrimSuffix(e.Msg, ".")
		}
	}
	res.RecountLeft = why
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
		if c.Kind == rules.OneTime {
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

// fileChunk is how many phones of the recipient file one query looks up.
const fileChunk = 5000

// checkFile streams the external recipient file and looks its phones up
// among the spam users, a chunk at a time, each passed as an array (no
// temporary table: a hot standby cannot create one); memory stays flat for
// any size, the distinct phones counted by an external sort. A bad line
// fails the check with exit 2 and its line number.
func checkFile(ctx context.Context, tx *sql.Tx, orgID int64, r io.Reader, res *CheckResult) error {
	// Every bad line is reported: the list is spooled, not capped.
	bad := &errs.Spool{}
	distinct := &distinctCounter{}
	defer distinct.Close()
	seen := map[string]bool{} // offenders listed so far (a phone may repeat)
	lines := make([]int64, 0, fileChunk)
	phones := make([]string, 0, fileChunk)
	lookup := func() error {
		if len(phones) == 0 {
			return nil
		}
		rows, err := tx.QueryContext(ctx, `
			SELECT u.id, u.phone, u.spam_marked_at
			FROM unnest($2::text[], $3::bigint[]) AS p (phone, line)
			JOIN users u ON u.org_id = $1 AND u.phone = p.phone COLLATE "C"
			WHERE u.spam ORDER BY p.line`, orgID, store.StringArray(phones), store.Int64Array(lines))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var o Offender
			if err := rows.Scan(&o.UserID, &o.Phone, &o.MarkedAt); err != nil {
				return err
			}
			if !seen[o.Phone] {
				seen[o.Phone] = true
				res.Offenders = append(res.Offenders, o)
			}
		}
		lines, phones = lines[:0], phones[:0]
		return rows.Err()
	}
	err := readPhones(r, func(line int, phone string, verr error) error {
		if verr != nil {
			return bad.Add(fmt.Sprintf("line %d: %v", line, verr))
		}
		if bad.Len() > 0 {
			return nil // the check fails: read on only to report every bad line
		}
		if err := distinct.Add(phoneKey(phone)); err != nil {
			return err
		}
		lines, phones = append(lines, int64(line)), append(phones, phone)
		if len(phones) == fileChunk {
			return lookup()
		}
		return nil
	})
	if err == nil && bad.Len() == 0 {
		err = lookup()
	}
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
	n, err := distinct.Count()
	res.Checked += n
	return err
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
