package spam

import (
	"strings"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/cmdutil/cmdtest"
	"github.com/inboxctl/inboxctl/internal/input"
)

// Flags → options, with no database: each command line either gives the
// options the run would get or a usage error (the start of its sentence).

func bulk(refs []string, o BulkOptions) BulkOptions {
	o.Refs = refs
	if refs == nil {
		o.Refs = []string{} // cobra's args with none given
	}
	if o.ByText == "" {
		o.ByText, o.By = "auto", input.ByAuto
	}
	return o
}

// stripBulk takes out the Factory and the context, which a case cannot
// spell (cmdtest.Table checks that both were set).
func stripBulk(o *BulkOptions) (*cmdutil.Factory, bool) {
	f, ctx := o.Factory, o.ctx != nil
	o.Factory, o.ctx = nil, nil
	return f, ctx
}

func TestMarkFlags(t *testing.T) {
	until := time.Date(2099, 1, 31, 0, 0, 0, 0, time.UTC)
	cmdtest.Table(t, NewCmdMark, func(o *MarkOptions) (*cmdutil.Factory, bool) {
		if o.Expiry.Until != nil { // the same instant, whatever its location
			u := o.Expiry.Until.UTC()
			o.Expiry.Until = &u
		}
		return stripBulk(&o.BulkOptions)
	}, []cmdtest.Case[MarkOptions]{
		{Argv: []string{"+919800000007", "--reason", "abusive"},
			Want: &MarkOptions{BulkOptions: bulk([]string{"+919800000007"}, BulkOptions{Reason: "abusive"})}},
		{Argv: []string{"-f", "spammers.txt", "--by", "phone", "--dry-run", "--skip-invalid", "--skip-missing", "--skip-refused"},
			Want: &MarkOptions{BulkOptions: bulk(nil, BulkOptions{File: "spammers.txt", ByText: "phone", By: input.ByPhone, DryRun: true, SkipInvalid: true, SkipMissing: true, SkipRefused: true})}},
		{Argv: []string{"1", "2", "--by", "id", "-f", "-"},
			Want: &MarkOptions{BulkOptions: bulk([]string{"1", "2"}, BulkOptions{File: "-", ByText: "id", By: input.ByID})}},
		{Argv: []string{"+919800000007", "--for", "1d12h"},
			Want: &MarkOptions{BulkOptions: bulk([]string{"+919800000007"}, BulkOptions{}), For: "1d12h", Expiry: input.Expiry{For: 36 * time.Hour}}},
		{Argv: []string{"+919800000007", "--until", "2099-01-31"},
			Want: &MarkOptions{BulkOptions: bulk([]string{"+919800000007"}, BulkOptions{}), Until: "2099-01-31", Expiry: input.Expiry{Until: &until}}},
		{Argv: []string{"1", "--by", "name"}, WantErr: `--by must be auto, phone or id, not "name".`},
		{Argv: []string{"1", "--for", "1h", "--until", "2099-01-31"}, WantErr: "Give --for or --until, not both."},
		{Argv: []string{"1", "--for", "soon"}, WantErr: "--for: "},
		{Argv: []string{"1", "--until", "2000-01-01"}, WantErr: "--until 2000-01-01T00:00:00Z is in the past"},
		{Argv: []string{"1", "--bogus"}, WantErr: "Unknown flag: --bogus. See 'mark --help'."},
		{Argv: []string{"1", "--reason"}, WantErr: "Flag needs an argument: --reason."},
		{Argv: []string{"1", "--dry-run=maybe"}, WantErr: `Invalid argument "maybe" for "--dry-run" flag`},
	})
}

func TestUnmarkFlags(t *testing.T) {
	cmdtest.Table(t, NewCmdUnmark, func(o *UnmarkOptions) (*cmdutil.Factory, bool) { return stripBulk(&o.BulkOptions) }, []cmdtest.Case[UnmarkOptions]{
		{Argv: []string{"--batch", "42"}, Want: &UnmarkOptions{BulkOptions: bulk(nil, BulkOptions{}), Batch: 42}},
		{Argv: []string{"+919800000007", "--reason", "mistake", "--dry-run"},
			Want: &UnmarkOptions{BulkOptions: bulk([]string{"+919800000007"}, BulkOptions{Reason: "mistake", DryRun: true})}},
		{Argv: []string{"-f", "-", "--skip-missing", "--by", "id"},
			Want: &UnmarkOptions{BulkOptions: bulk(nil, BulkOptions{File: "-", SkipMissing: true, ByText: "id", By: input.ByID})}},
		{Argv: []string{"--batch", "x"}, WantErr: `Invalid argument "x" for "--batch" flag`},
		{Argv: []string{"1", "--by", "email"}, WantErr: `--by must be auto, phone or id, not "email".`},
		{Argv: []string{"1", "--for", "1h"}, WantErr: "Unknown flag: --for. See 'unmark --help'."},
	})
}

func TestListFlags(t *testing.T) {
	cmdtest.Table(t, NewCmdList, func(o *ListOptions) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[ListOptions]{
		{Argv: nil, Want: &ListOptions{}},
		{Argv: []string{"--batch", "4", "--limit", "10"}, Want: &ListOptions{Batch: 4, Limit: 10}},
		{Argv: []string{"--expiring-within", "1d"}, Want: &ListOptions{ExpiringWithin: "1d", Within: 24 * time.Hour}},
		{Argv: []string{"--expiring-within", "2w1h"}, Want: &ListOptions{ExpiringWithin: "2w1h", Within: 337 * time.Hour}},
		{Argv: []string{"--expiring-within", "soon"}, WantErr: "--expiring-within: "},
		{Argv: []string{"--limit", "ten"}, WantErr: `Invalid argument "ten" for "--limit" flag`},
		{Argv: []string{"lead@acme.test"}, WantErr: `Unknown command "lead@acme.test" for "list".`},
	})
}

func TestExpireAndBatchesFlags(t *testing.T) {
	run := func(t *testing.T, argv ...string) (*ExpireOptions, error) {
		f, _, _, _ := cmdtest.Factory(t)
		var got *ExpireOptions
		err := cmdtest.Run(f, NewCmdExpire(f, func(o *ExpireOptions) error { got = o; return nil }), argv...)
		return got, err
	}
	if o, err := run(t); err != nil || o.DryRun {
		t.Errorf("expire: %+v, %v", o, err)
	}
	if o, err := run(t, "--dry-run"); err != nil || !o.DryRun {
		t.Errorf("expire --dry-run: %+v, %v", o, err)
	}
	if _, err := run(t, "--for", "1h"); !strings.HasPrefix(cmdtest.UsageError(t, err), "Unknown flag: --for. See") {
		t.Errorf("expire --for: %v", err)
	}
	if _, err := run(t, "now"); cmdtest.UsageError(t, err) != `Unknown command "now" for "expire".` {
		t.Errorf("expire now: %v", err)
	}

	batches := func(t *testing.T, argv ...string) (*BatchesOptions, error) {
		f, _, _, _ := cmdtest.Factory(t)
		var got *BatchesOptions
		err := cmdtest.Run(f, NewCmdBatches(f, func(o *BatchesOptions) error { got = o; return nil }), argv...)
		return got, err
	}
	if o, err := batches(t, "--limit", "10"); err != nil || o.Limit != 10 {
		t.Errorf("batches --limit 10: %+v, %v", o, err)
	}
	if _, err := batches(t, "--limit", "x"); !strings.HasPrefix(cmdtest.UsageError(t, err), `Invalid argument "x" for "--limit" flag`) {
		t.Errorf("batches --limit x: %v", err)
	}
}
