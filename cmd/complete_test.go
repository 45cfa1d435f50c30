package cmd

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
)

// silentServer accepts connections and never answers: a database behind a
// dead proxy or a hung host. It returns its address.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range held {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// refusedAddr is a loopback address where nothing listens.
func refusedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

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
	for _, server := range []struct {
		name string
		addr string
	}{
		{"silent", silentServer(t)},
		{"refused", refusedAddr(t)},
	} {
		url := fmt.Sprintf("postgres://nobody@%s/none?sslmode=disable", server.addr)
		for _, args := range completions {
			t.Run(server.name+"/"+strings.Join(args, "_"), func(t *testing.T) {
				t.Parallel()
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
		}
	}
}
