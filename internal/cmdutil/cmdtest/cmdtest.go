// Package cmdtest runs one command's flag handling in a test, with no
// database: a Factory whose Config, RawDB, DB and Identity fail the test if
// called, and Run, which parses argv as the root would.
package cmdtest

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/config"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/store"
)

// Factory is a Factory over cmdutil.TestIO whose Config, RawDB, DB and
// Identity fail t if called: parsing flags into options needs none of them.
func Factory(t testing.TB) (f *cmdutil.Factory, in, out, errOut *bytes.Buffer) {
	t.Helper()
	io, in, out, errOut := cmdutil.TestIO()
	f = &cmdutil.Factory{
		IO: io,
		Config: func() (*config.Config, error) {
			t.Fatal("Config called while parsing flags")
			return nil, nil
		},
		RawDB: func(context.Context) (*store.DB, error) {
			t.Fatal("RawDB called while parsing flags")
			return nil, nil
		},
		DB: func(context.Context) (*store.DB, error) {
			t.Fatal("DB called while parsing flags")
			return nil, nil
		},
		Identity: func(context.Context) (store.Identity, error) {
			t.Fatal("Identity called while parsing flags")
			return store.Identity{}, nil
		},
	}
	return f, in, out, errOut
}

// Run runs c alone with argv, as the root runs a command: its flag errors
// typed by cmdutil.FlagError, its output on f's IO.
func Run(f *cmdutil.Factory, c *cobra.Command, argv ...string) error {
	c.SetFlagErrorFunc(cmdutil.FlagError)
	c.SilenceErrors, c.SilenceUsage = true, true
	c.SetArgs(argv)
	c.SetIn(f.IO.In)
	c.SetOut(f.IO.Out)
	c.SetErr(f.IO.ErrOut)
	_, err := c.ExecuteC()
	return err
}

// UsageError is err's sentence if err is a usage error (exit 2), and fails
// t otherwise.
func UsageError(t testing.TB, err error) string {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.Usage {
		t.Fatalf("want a usage error, got %T %v (exit %d)", err, err, errs.ExitCode(err))
	}
	return e.Msg
}

// Parse builds a command with newCmd over Factory(t), runs it on argv and
// returns the options its runF was given (nil if it was not called) and
// the error.
func Parse[O any](t testing.TB, newCmd func(*cmdutil.Factory, func(*O) error) *cobra.Command, argv ...string) (*O, error) {
	t.Helper()
	f, _, _, _ := Factory(t)
	var got *O
	err := Run(f, newCmd(f, func(o *O) error { got = o; return nil }), argv...)
	if err != nil && got != nil {
		t.Fatalf("%q: runF called, then error %v", argv, err)
	}
	return got, err
}

// WantUsageError fails t unless err is a usage error whose sentence starts
// with want.
func WantUsageError(t testing.TB, err error, want string) {
	t.Helper()
	if msg := UsageError(t, err); !strings.HasPrefix(msg, want) {
		t.Fatalf("error %q, want it to start %q", msg, want)
	}
}

// Case is one command line of a flags → options table: the options runF
// should get, or the start of the usage error's sentence.
type Case[O any] struct {
	Argv    []string
	Want    *O
	WantErr string
}

// Table runs each case through Parse. strip takes out what a case cannot
// spell (the Factory and the context) and returns the Factory and whether
// a context was set, which Table checks before it compares the rest.
func Table[O any](t *testing.T, newCmd func(*cmdutil.Factory, func(*O) error) *cobra.Command, strip func(*O) (*cmdutil.Factory, bool), cases []Case[O]) {
	t.Helper()
	for _, tt := range cases {
		t.Run(strings.Join(tt.Argv, " "), func(t *testing.T) {
			got, err := Parse(t, newCmd, tt.Argv...)
			if tt.WantErr != "" {
				WantUsageError(t, err, tt.WantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f, hadCtx := strip(got); f == nil || !hadCtx {
				t.Fatal("options lack the factory or the context")
			}
			if !reflect.DeepEqual(got, tt.Want) {
				t.Errorf("options\n got %+v\nwant %+v", got, tt.Want)
			}
		})
	}
}
