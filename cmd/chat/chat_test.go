package chat

import (
	"reflect"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/cmdutil/cmdtest"
	"github.com/inboxctl/inboxctl/internal/input"
)

// Flags → options, with no database: each command line either gives the
// options the run would get or a usage error (the start of its sentence).

func change(ref, by string, r input.Ref) ChangeOptions {
	return ChangeOptions{RefText: ref, ByText: by, Ref: r}
}

var (
	phone7 = input.Ref{Phone: "+919800000007"}
	id42   = input.Ref{ID: 42}
)

func TestAssignFlags(t *testing.T) {
	tests := []struct {
		argv    []string
		want    *AssignOptions
		wantErr string
	}{
		{argv: []string{"+91 98000 00007", "--to", "asha@acme.test"}, want: &AssignOptions{change("+91 98000 00007", "auto", phone7), "asha@acme.test"}},
		{argv: []string{"42", "--to", "ravi@acme.test"}, want: &AssignOptions{change("42", "auto", id42), "ravi@acme.test"}},
		{argv: []string{"42", "--by", "id", "--to", "ravi@acme.test"}, want: &AssignOptions{change("42", "id", id42), "ravi@acme.test"}},
		{argv: []string{"42"}, wantErr: "Name the agent with --to EMAIL."},
		{argv: []string{"nobody", "--by", "email", "--to", "a@b"}, wantErr: `--by must be auto, phone or id, not "email".`},
		{argv: []string{"not-a-ref", "--to", "a@b"}, wantErr: "Invalid user ref: "},
		{argv: []string{"42", "--by", "phone", "--to", "a@b"}, wantErr: "Invalid user ref: "},
		{argv: []string{"--to", "a@b"}, wantErr: "Accepts 1 arg(s), received 0."},
		{argv: []string{"1", "2", "--to", "a@b"}, wantErr: "Accepts 1 arg(s), received 2."},
		{argv: []string{"1", "--too", "a@b"}, wantErr: "Unknown flag: --too. See 'assign --help'."},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.argv, " "), func(t *testing.T) {
			got, err := cmdtest.Parse(t, NewCmdAssign, tt.argv...)
			if tt.wantErr != "" {
				cmdtest.WantUsageError(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Factory == nil || got.ctx == nil {
				t.Fatal("options lack the factory or the context")
			}
			got.Factory, got.ctx = nil, nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("options\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestLabelSetFlags(t *testing.T) {
	tests := []struct {
		argv    []string
		want    *LabelSetOptions
		wantErr string
	}{
		{argv: []string{"+919800000007", "billing"}, want: &LabelSetOptions{change("+919800000007", "auto", phone7), "billing"}},
		{argv: []string{"42", "  follow up "}, want: &LabelSetOptions{change("42", "auto", id42), "follow up"}},
		{argv: []string{"42"}, wantErr: "Accepts 2 arg(s), received 1."},
		{argv: []string{"x", "billing"}, wantErr: "Invalid user ref: "},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.argv, " "), func(t *testing.T) {
			got, err := cmdtest.Parse(t, NewCmdLabelSet, tt.argv...)
			if tt.wantErr != "" {
				cmdtest.WantUsageError(t, err, tt.wantErr)
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

func TestUnassignAndLabelClearFlags(t *testing.T) {
	for _, tt := range []struct {
		argv    []string
		want    ChangeOptions
		wantErr string
	}{
		{argv: []string{"+919800000007"}, want: change("+919800000007", "auto", phone7)},
		{argv: []string{"42", "--by", "id"}, want: change("42", "id", id42)},
		{argv: []string{}, wantErr: "Accepts 1 arg(s), received 0."},
		{argv: []string{"+1"}, wantErr: "Invalid user ref: "},
		{argv: []string{"42", "--by"}, wantErr: "Flag needs an argument: --by."},
	} {
		t.Run(strings.Join(tt.argv, " "), func(t *testing.T) {
			u, uerr := cmdtest.Parse(t, NewCmdUnassign, tt.argv...)
			l, lerr := cmdtest.Parse(t, NewCmdLabelClear, tt.argv...)
			if tt.wantErr != "" {
				cmdtest.WantUsageError(t, uerr, tt.wantErr)
				cmdtest.WantUsageError(t, lerr, tt.wantErr)
				return
			}
			if uerr != nil || lerr != nil {
				t.Fatal(uerr, lerr)
			}
			for _, got := range []ChangeOptions{u.ChangeOptions, l.ChangeOptions} {
				got.Factory, got.ctx = nil, nil
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("options\n got %+v\nwant %+v", got, tt.want)
				}
			}
		})
	}
}
