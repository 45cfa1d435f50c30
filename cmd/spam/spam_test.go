package spam

import (
	"reflect"
	"strings"
	"testing"
	"time"

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

func TestMarkFlags(t *testing.T) {
	until := time.Date(2099, 1, 31, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		argv    []string
		want    *MarkOptions
		wantErr string
	}{
		{argv: []string{"+919800000007", "--reason", "abusive"},
			want: &MarkOptions{BulkOptions: bulk([]string{"+919800000007"}, BulkOptions{Reason: "abusive"})}},
		{argv: []string{"-f", "spammers.txt", "--by", "phone", "--dry-run", "--skip-invalid", "--skip-missing", "--skip-refused"},
			want: &MarkOptions{BulkOptions: bulk(nil, BulkOptions{File: "spammers.txt", ByText: "phone", By: input.ByPhone, DryRun: true, SkipInvalid: true, SkipMissing: true, SkipRefused: true})}},
		{argv: []string{"1", "2", "--by", "id", "-f", "-"},
			want: &MarkOptions{BulkOptions: bulk([]string{"1", "2"}, BulkOptions{File: "-", ByText: "id", By: input.ByID})}},
		{argv: []string{"+919800000007", "--for", "1d12h"},
			want: &MarkOptions{BulkOptions: bulk([]string{"+919800000007"}, BulkOptions{}), For: "1d12h", Expiry: input.Expiry{For: 36 * time.Hour}}},
		{argv: []string{"+919800000007", "--until", "2099-01-31"},
			want: &MarkOptions{BulkOptions: bulk([]string{"+919800000007"}, BulkOptions{}), Until: "2099-01-31", Expiry: input.Expiry{Until: &until}}},
		{argv: []string{"1", "--by", "name"}, wantErr: `--by must be auto, phone or id, not "name".`},
		{argv: []string{"1", "--for", "1h", "--until", "2099-01-31"}, wantErr: "Give --for or --until, not both."},
		{argv: []string{"1", "--for", "soon"}, wantErr: "--for: "},
		{argv: []string{"1", "--until", "2000-01-01"}, wantErr: "--until 2000-01-01T00:00:00Z is in the past"},
		{argv: []string{"1", "--bogus"}, wantErr: "Unknown flag: --bogus. See 'mark --help'."},
		{argv: []string{"1", "--reason"}, wantErr: "Flag needs an argument: --reason."},
		{argv: []string{"1", "--dry-run=maybe"}, wantErr: `Invalid argument "maybe" for "--dry-run" flag`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.argv, " "), func(t *testing.T) {
			f, _, _, _ := cmdtest.Factory(t)
			var got *MarkOptions
			err := cmdtest.Run(f, NewCmdMark(f, func(o *MarkOptions) error { got = o; return nil }), tt.argv...)
			if tt.wantErr != "" {
				if msg := cmdtest.UsageError(t, err); !strings.HasPrefix(msg, tt.wantErr) {
					t.Fatalf("error %q, want it to start %q", msg, tt.wantErr)
				}
				if got != nil {
					t.Fatal("ran despite the usage error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Factory != f || got.ctx == nil {
				t.Fatal("options lack the factory or the context")
			}
			got.Factory, got.ctx = nil, nil
			gotUntil, wantUntil := got.Expiry.Until, tt.want.Expiry.Until
			got.Expiry.Until, tt.want.Expiry.Until = nil, nil
			if (gotUntil == nil) != (wantUntil == nil) || gotUntil != nil && !gotUntil.Equal(*wantUntil) {
				t.Errorf("until %v, want %v", gotUntil, wantUntil)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("options\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestUnmarkFlags(t *testing.T) {
	tests := []struct {
		argv    []string
		want    *UnmarkOptions
		wantErr string
	}{
		{argv: []string{"--batch", "42"}, want: &UnmarkOptions{BulkOptions: bulk(nil, BulkOptions{}), Batch: 42}},
		{argv: []string{"+919800000007", "--reason", "mistake", "--dry-run"},
			want: &UnmarkOptions{BulkOptions: bulk([]string{"+919800000007"}, BulkOptions{Reason: "mistake", DryRun: true})}},
		{argv: []string{"-f", "-", "--skip-missing", "--by", "id"},
			want: &UnmarkOptions{BulkOptions: bulk(nil, BulkOptions{File: "-", SkipMissing: true, ByText: "id", By: input.ByID})}},
		{argv: []string{"--batch", "x"}, wantErr: `Invalid argument "x" for "--batch" flag`},
		{argv: []string{"1", "--by", "email"}, wantErr: `--by must be auto, phone or id, not "email".`},
		{argv: []string{"1", "--for", "1h"}, wantErr: "Unknown flag: --for. See 'unmark --help'."},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.argv, " "), func(t *testing.T) {
			f, _, _, _ := cmdtest.Factory(t)
			var got *UnmarkOptions
			err := cmdtest.Run(f, NewCmdUnmark(f, func(o *UnmarkOptions) error { got = o; return nil }), tt.argv...)
			if tt.wantErr != "" {
				if msg := cmdtest.UsageError(t, err); !strings.HasPrefix(msg, tt.wantErr) {
					t.Fatalf("error %q, want it to start %q", msg, tt.wantErr)
				}
				if got != nil {
					t.Fatal("ran despite the usage error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.Factory, got.ctx = nil, nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("options\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestListFlags(t *testing.T) {
	tests := []struct {
		argv    []string
		want    *ListOptions
		wantErr string
	}{
		{argv: nil, want: &ListOptions{}},
		{argv: []string{"--batch", "4", "--limit", "10"}, want: &ListOptions{Batch: 4, Limit: 10}},
		{argv: []string{"--expiring-within", "1d"}, want: &ListOptions{ExpiringWithin: "1d", Within: 24 * time.Hour}},
		{argv: []string{"--expiring-within", "2w1h"}, want: &ListOptions{ExpiringWithin: "2w1h", Within: 337 * time.Hour}},
		{argv: []string{"--expiring-within", "soon"}, wantErr: "--expiring-within: "},
		{argv: []string{"--limit", "ten"}, wantErr: `Invalid argument "ten" for "--limit" flag`},
		{argv: []string{"lead@acme.test"}, wantErr: `Unknown command "lead@acme.test" for "list".`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.argv, " "), func(t *testing.T) {
			f, _, _, _ := cmdtest.Factory(t)
			var got *ListOptions
			err := cmdtest.Run(f, NewCmdList(f, func(o *ListOptions) error { got = o; return nil }), tt.argv...)
			if tt.wantErr != "" {
				if msg := cmdtest.UsageError(t, err); !strings.HasPrefix(msg, tt.wantErr) {
					t.Fatalf("error %q, want it to start %q", msg, tt.wantErr)
				}
				if got != nil {
					t.Fatal("ran despite the usage error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.Factory, got.ctx = nil, nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("options\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
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
