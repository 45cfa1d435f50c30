package cmd

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/errs"
)

// TestInvalidUTF8IsAUsageError: a flag value or argument that is not valid
// UTF-8 exits 2 naming it, before any database is needed (none is
// configured here: reaching one would be exit 1).
func TestInvalidUTF8IsAUsageError(t *testing.T) {
	t.Setenv("INBOXCTL_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
	bad := "ac\xffme"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"org", "list", "--org", bad}, "The value of --org is not valid UTF-8."},
		{[]string{"campaign", "run", bad, "--yes"}, "Argument 1 is not valid UTF-8."},
		{[]string{"campaign", "create", "x", "--kind", "ongoing", "--where", "a=b", "--where", "c=" + bad}, "The value of --where is not valid UTF-8."},
		{[]string{"spam", "mark", "+919800000001", "--reason", bad, "--yes"}, "The value of --reason is not valid UTF-8."},
		{[]string{"user", "show", "--as=" + bad, "1"}, "The value of --as is not valid UTF-8."},
	} {
		var out, errOut bytes.Buffer
		f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}}
		code := Run(context.Background(), f, tc.args)
		if code != errs.Usage || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and %q", tc.args, code, errOut.String(), tc.want)
		}
		if strings.Contains(errOut.String(), "\xff") {
			t.Errorf("%q: stderr echoes the invalid bytes: %q", tc.args, errOut.String())
		}
	}
}
