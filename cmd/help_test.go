package cmd

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
)

func TestHelpTopics(t *testing.T) {
	for topic, want := range map[string][]string{
		"exit-codes":  {"130", "campaign check", "order 2, 3, 4"},
		"environment": {"INBOXCTL_DATABASE_URL", "INBOXCTL_AGENT", "PGPASSWORD", "NO_COLOR", "XDG_CONFIG_HOME"},
	} {
		var out, errOut bytes.Buffer
		f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}}
		if code := Run(context.Background(), f, []string{"help", topic}); code != 0 {
			t.Fatalf("help %s: exit %d: %s", topic, code, errOut.String())
		}
		for _, w := range want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("help %s lacks %q", topic, w)
			}
		}
	}
	var out bytes.Buffer
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &out}}
	Run(context.Background(), f, []string{"--help"})
	if !strings.Contains(out.String(), "Additional help topics") || !strings.Contains(out.String(), "exit-codes") {
		t.Errorf("--help does not list the help topics:\n%s", out.String())
	}
}
