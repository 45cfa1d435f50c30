package cmd

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

// Every completion that asks the database stays within completionTimeout
// (plus slack) and silent when the database cannot answer: only the
// directive on stdout, nothing on stderr, exit 0.
func TestDynamicCompletionSilentWhenUnreachable(t *testing.T) {
	completions := [][]string{
		{"spam", "mark", "+9198"},
		{"spam", "unmark", "--batch", ""},
		{"user", "show", "+91"},
		{"chat", "assign", "+919800000001", "--to", ""},
		{"chat", "label", "set", "+919800000001", ""},
		{"inbox", "list", "--folder", "spam", "--label", ""},
		{"inbox", "list", "--as", ""},
		{"org", "list", "--org", ""},
		{"campaign", "audience", ""},
		{"campaign", "check", ""},
	}
	// Every case waits out the timeout against the silent server: they run
	// at once (t.Run from goroutines, not t.Parallel, which -parallel
	// would hold to GOMAXPROCS at a time on a 2-core machine).
	var wg sync.WaitGroup
	for _, server := range []struct {
		name string
		addr string
	}{
		{"silent", testdb.SilentServer(t)},
		{"refused", testdb.RefusedAddr(t)},
	} {
		url := fmt.Sprintf("postgres://nobody@%s/none?sslmode=disable", server.addr)
		for _, args := range completions {
			wg.Go(func() {
				t.Run(server.name+"/"+strings.Join(args, "_"), func(t *testing.T) {
					var out, errOut bytes.Buffer
					f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}}
					started := time.Now()
					code := Run(context.Background(), f, append([]string{"__complete", "--database-url", url}, args...))
					if took := time.Since(started); took > completionTimeout+time.Second {
						t.Errorf("completion took %s, want at most %s", took.Round(time.Millisecond), completionTimeout)
					}
					if code != 0 {
						t.Errorf("exit %d, want 0", code)
					}
					if got := out.String(); got != ":4\n" {
						t.Errorf("stdout %q, want only the directive", got)
					}
					if strings.Contains(errOut.String(), "rror") {
						t.Errorf("stderr %q holds an error", errOut.String())
					}
				})
			})
		}
	}
	wg.Wait()
}
