package cmd

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/config"
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

// TestEnvironmentDocumented: every environment variable the code reads
// (os.Getenv, os.LookupEnv, and the INBOXCTL_* of each config key) is in
// 'inboxctl help environment' and in the README.
func TestEnvironmentDocumented(t *testing.T) {
	var out bytes.Buffer
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &out}}
	if code := Run(context.Background(), f, []string{"help", "environment"}); code != 0 {
		t.Fatalf("help environment: exit %d: %s", code, out.String())
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	read := map[string]string{} // variable -> a file that reads it
	for _, k := range config.Keys {
		for _, e := range config.EnvFor(k) {
			read[e] = "internal/config"
		}
	}
	call := regexp.MustCompile(`os\.(?:Getenv|LookupEnv)\("([A-Za-z0-9_]+)"\)`)
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || d.Name() == "dist") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range call.FindAllSubmatch(src, -1) {
			read[string(m[1])] = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := read["INBOXCTL_PAGER"]; !ok || len(read) < 15 {
		t.Fatalf("the scan found too little: %v", read)
	}
	word := func(text, v string) bool { return regexp.MustCompile(`\b` + v + `\b`).MatchString(text) }
	for v, path := range read {
		if !word(out.String(), v) {
			t.Errorf("%s reads %s; 'help environment' does not list it", path, v)
		}
		if !word(string(readme), v) {
			t.Errorf("%s reads %s; the README does not name it", path, v)
		}
	}
}
