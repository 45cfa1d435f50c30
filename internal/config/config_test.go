package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/inboxctl/inboxctl/internal/config"
)

// newFlags declares the global flags as cmd/root.go does and parses args.
func newFlags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("inboxctl", pflag.ContinueOnError)
	fs.String("database-url", "", "")
	fs.String("org", "", "")
	fs.String("as", "", "")
	fs.StringP("output", "o", "", "")
	fs.String("config", "", "")
	fs.Bool("no-color", false, "")
	fs.BoolP("yes", "y", false, "")
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

// isolate clears every variable that could leak in from the machine and
// points XDG_CONFIG_HOME at an empty directory.
func isolate(t *testing.T) string {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "INBOXCTL_") || strings.HasPrefix(k, "PG") || k == "NO_COLOR" {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	xdg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", xdg)
	return xdg
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func settings(c *config.Config) map[string]config.Setting {
	m := map[string]config.Setting{}
	for _, s := range c.Settings() {
		m[s.Key] = s
	}
	return m
}

// key describes one configuration key: its flag, env variable and three
// distinct values (file, env, flag).
type key struct {
	name, flag, env       string
	file, envVal, flagVal string
	get                   func(*config.Config) string
	defaultVal            string
}

func keys() []key {
	b := func(v bool) string {
		if v {
			return "true"
		}
		return "false"
	}
	return []key{
		{name: "database-url", flag: "database-url", env: "INBOXCTL_DATABASE_URL",
			file: "postgres://file@h/db", envVal: "postgres://env@h/db", flagVal: "postgres://flag@h/db",
			get: (*config.Config).DatabaseURL, defaultVal: ""},
		{name: "org", flag: "org", env: "INBOXCTL_ORG", file: "fileorg", envVal: "envorg", flagVal: "flagorg",
			get: (*config.Config).Org, defaultVal: ""},
		{name: "agent", flag: "as", env: "INBOXCTL_AGENT", file: "file@x.test", envVal: "env@x.test", flagVal: "flag@x.test",
			get: (*config.Config).Agent, defaultVal: ""},
		{name: "output", flag: "output", env: "INBOXCTL_OUTPUT", file: "csv", envVal: "json", flagVal: "ndjson",
			get: (*config.Config).Output, defaultVal: ""},
		// Booleans have only two values: the file says true, env false, flag true.
		{name: "no-color", flag: "no-color", env: "INBOXCTL_NO_COLOR", file: "true", envVal: "false", flagVal: "true",
			get: func(c *config.Config) string { return b(c.NoColor()) }, defaultVal: "false"},
		{name: "yes", flag: "yes", env: "INBOXCTL_YES", file: "true", envVal: "false", flagVal: "true",
			get: func(c *config.Config) string { return b(c.Yes()) }, defaultVal: "false"},
	}
}

// TestPrecedence: for every key, flag > env > file > default, and Settings
// names the source of each value.
func TestPrecedence(t *testing.T) {
	for _, k := range keys() {
		t.Run(k.name, func(t *testing.T) {
			xdg := isolate(t)
			file := filepath.Join(xdg, "inboxctl", "config.yaml")

			// default
			c, err := config.Load(newFlags(t))
			if err != nil {
				t.Fatal(err)
			}
			if got := k.get(c); got != k.defaultVal {
				t.Fatalf("default: %q, want %q", got, k.defaultVal)
			}
			if src := settings(c)[k.name].Source; !strings.HasPrefix(src, "default") {
				t.Fatalf("default source: %q", src)
			}

			// file (the default path under XDG_CONFIG_HOME)
			writeFile(t, file, k.name+": "+k.file+"\n")
			c, err = config.Load(newFlags(t))
			if err != nil {
				t.Fatal(err)
			}
			if got := k.get(c); got != k.file {
				t.Fatalf("file: %q, want %q", got, k.file)
			}
			if c.File != file {
				t.Fatalf("File = %q, want %q", c.File, file)
			}
			if src := settings(c)[k.name].Source; src != "file "+file {
				t.Fatalf("file source: %q", src)
			}

			// env beats file
			t.Setenv(k.env, k.envVal)
			c, err = config.Load(newFlags(t))
			if err != nil {
				t.Fatal(err)
			}
			if got := k.get(c); got != k.envVal {
				t.Fatalf("env: %q, want %q", got, k.envVal)
			}
			if src := settings(c)[k.name].Source; src != "env "+k.env {
				t.Fatalf("env source: %q", src)
			}

			// flag beats env and file
			args := []string{"--" + k.flag + "=" + k.flagVal}
			c, err = config.Load(newFlags(t, args...))
			if err != nil {
				t.Fatal(err)
			}
			if got := k.get(c); got != k.flagVal {
				t.Fatalf("flag: %q, want %q", got, k.flagVal)
			}
			if src := settings(c)[k.name].Source; src != "flag --"+k.flag {
				t.Fatalf("flag source: %q", src)
			}
		})
	}
}

// TestAgentAlias: INBOXCTL_AS is an alias of INBOXCTL_AGENT, which wins
// when both are set; --as beats both.
func TestAgentAlias(t *testing.T) {
	isolate(t)
	t.Setenv("INBOXCTL_AS", "alias@x.test")
	c, err := config.Load(newFlags(t))
	if err != nil {
		t.Fatal(err)
	}
	if c.Agent() != "alias@x.test" || settings(c)["agent"].Source != "env INBOXCTL_AS" {
		t.Fatalf("alias: %q from %q", c.Agent(), settings(c)["agent"].Source)
	}
	t.Setenv("INBOXCTL_AGENT", "agent@x.test")
	c, _ = config.Load(newFlags(t))
	if c.Agent() != "agent@x.test" || settings(c)["agent"].Source != "env INBOXCTL_AGENT" {
		t.Fatalf("both: %q from %q", c.Agent(), settings(c)["agent"].Source)
	}
	c, _ = config.Load(newFlags(t, "--as", "flag@x.test"))
	if c.Agent() != "flag@x.test" {
		t.Fatalf("--as: %q", c.Agent())
	}
}

// TestNoColorEnv: NO_COLOR (any non-empty value) turns colour off.
func TestNoColorEnv(t *testing.T) {
	isolate(t)
	c, _ := config.Load(newFlags(t))
	if c.NoColor() {
		t.Fatal("colour off with nothing set")
	}
	t.Setenv("NO_COLOR", "1")
	c, _ = config.Load(newFlags(t))
	if !c.NoColor() {
		t.Fatal("NO_COLOR=1 ignored")
	}
}

// TestPGFallback: with no database URL configured, the URL is empty (libpq
// reads PG*), and Settings shows the PG* variables with the password masked.
func TestPGFallback(t *testing.T) {
	isolate(t)
	t.Setenv("PGHOST", "db.internal")
	t.Setenv("PGUSER", "support")
	t.Setenv("PGPASSWORD", "s3cret-pw")
	t.Setenv("PGDATABASE", "") // empty: libpq ignores it, so does the summary
	c, err := config.Load(newFlags(t))
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL() != "" {
		t.Fatalf("DatabaseURL = %q, want empty (libpq PG* variables)", c.DatabaseURL())
	}
	s := settings(c)["database-url"]
	if s.Source != "default (libpq PG* variables)" {
		t.Fatalf("source %q", s.Source)
	}
	for _, want := range []string{"PGHOST=db.internal", "PGUSER=support", "PGPASSWORD=****"} {
		if !strings.Contains(s.Value, want) {
			t.Fatalf("value %q lacks %q", s.Value, want)
		}
	}
	if strings.Contains(s.Value, "s3cret-pw") || strings.Contains(s.Value, "PGDATABASE") {
		t.Fatalf("password shown: %q", s.Value)
	}
	found := false
	for _, sec := range c.Secrets() {
		found = found || sec == "s3cret-pw"
	}
	if !found {
		t.Fatal("PGPASSWORD not among the secrets to mask")
	}
}

// TestConfigPath: --config and INBOXCTL_CONFIG name the file; a named file
// that is missing is an error; the default path may be missing; a file that
// is not YAML is an error naming it.
func TestConfigPath(t *testing.T) {
	xdg := isolate(t)
	if got, want := config.DefaultPath(), filepath.Join(xdg, "inboxctl", "config.yaml"); got != want {
		t.Fatalf("DefaultPath = %q, want %q", got, want)
	}
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("HOME", "/home/someone")
	if got := config.DefaultPath(); got != "/home/someone/.config/inboxctl/config.yaml" {
		t.Fatalf("DefaultPath without XDG_CONFIG_HOME = %q", got)
	}
	t.Setenv("XDG_CONFIG_HOME", xdg)

	// the default file is optional
	c, err := config.Load(newFlags(t))
	if err != nil || c.File != "" {
		t.Fatalf("missing default file: %v, File %q", err, c.File)
	}

	dir := t.TempDir()
	custom := filepath.Join(dir, "custom.yaml")
	writeFile(t, custom, "org: custom\nagent: lead@x.test\n")
	writeFile(t, filepath.Join(xdg, "inboxctl", "config.yaml"), "org: fromdefault\n")
	c, err = config.Load(newFlags(t, "--config", custom))
	if err != nil {
		t.Fatal(err)
	}
	if c.Org() != "custom" || c.Agent() != "lead@x.test" || c.File != custom {
		t.Fatalf("--config: org %q agent %q file %q", c.Org(), c.Agent(), c.File)
	}
	t.Setenv("INBOXCTL_CONFIG", custom)
	c, err = config.Load(newFlags(t))
	if err != nil || c.Org() != "custom" {
		t.Fatalf("INBOXCTL_CONFIG: %v, org %q", err, c.Org())
	}
	os.Unsetenv("INBOXCTL_CONFIG")

	_, err = config.Load(newFlags(t, "--config", filepath.Join(dir, "nope.yaml")))
	if err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Fatalf("missing --config file: %v", err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, "org: [unclosed\n")
	_, err = config.Load(newFlags(t, "--config", bad))
	if err == nil || !strings.Contains(err.Error(), "bad.yaml") {
		t.Fatalf("bad YAML: %v", err)
	}
}

// TestSettingsMaskAndOrder: Settings lists every key once in order, and a
// URL password from the file is masked.
func TestSettingsMaskAndOrder(t *testing.T) {
	xdg := isolate(t)
	writeFile(t, filepath.Join(xdg, "inboxctl", "config.yaml"), "database-url: postgres://app:hunter2@db/inbox\n")
	c, err := config.Load(newFlags(t))
	if err != nil {
		t.Fatal(err)
	}
	ss := c.Settings()
	if len(ss) != len(config.Keys) {
		t.Fatalf("%d settings, want %d", len(ss), len(config.Keys))
	}
	for i, s := range ss {
		if s.Key != config.Keys[i] {
			t.Fatalf("setting %d is %q, want %q", i, s.Key, config.Keys[i])
		}
	}
	if ss[0].Value != "postgres://app:****@db/inbox" {
		t.Fatalf("masked URL: %q", ss[0].Value)
	}
	if len(c.Warnings) != 0 {
		t.Fatalf("0600 file warned: %v", c.Warnings)
	}
}

// TestEmptyEnvIsUnset: an empty INBOXCTL_* variable is ignored (as viper
// ignores it), and Settings does not claim it as the source.
func TestEmptyEnvIsUnset(t *testing.T) {
	xdg := isolate(t)
	file := filepath.Join(xdg, "inboxctl", "config.yaml")
	writeFile(t, file, "org: fileorg\n")
	t.Setenv("INBOXCTL_ORG", "")
	c, err := config.Load(newFlags(t))
	if err != nil {
		t.Fatal(err)
	}
	if s := settings(c)["org"]; c.Org() != "fileorg" || s.Value != "fileorg" || s.Source != "file "+file {
		t.Fatalf("empty env: org %q, setting %+v", c.Org(), s)
	}
}

// TestNoColorSetting: config show reports NO_COLOR as the source of
// no-color when it turns colour off.
func TestNoColorSetting(t *testing.T) {
	isolate(t)
	t.Setenv("NO_COLOR", "1")
	c, _ := config.Load(newFlags(t))
	if s := settings(c)["no-color"]; s.Value != "true" || s.Source != "env NO_COLOR" {
		t.Fatalf("NO_COLOR setting: %+v", s)
	}
	c, _ = config.Load(newFlags(t, "--no-color"))
	if s := settings(c)["no-color"]; s.Value != "true" || s.Source != "flag --no-color" {
		t.Fatalf("--no-color setting: %+v", s)
	}
}

// TestConfigFileWritableByOthers: a config file that group or others may
// write is refused with one sentence naming it and the fix; one they may
// only read is loaded (with a warning only if it holds a password).
func TestConfigFileWritableByOthers(t *testing.T) {
	xdg := isolate(t)
	file := filepath.Join(xdg, "inboxctl", "config.yaml")
	writeFile(t, file, "agent: lead@x.test\nyes: true\n")
	for _, mode := range []os.FileMode{0o666, 0o660, 0o622, 0o602, 0o620} {
		if err := os.Chmod(file, mode); err != nil {
			t.Fatal(err)
		}
		_, err := config.Load(newFlags(t))
		var cf *config.ErrConfigFile
		if !errors.As(err, &cf) || !strings.Contains(cf.Msg, file+" is writable by other users") || !strings.HasSuffix(cf.Msg, "chmod go-w "+file) {
			t.Fatalf("mode %o: %v", mode, err)
		}
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o600, 0o400} {
		if err := os.Chmod(file, mode); err != nil {
			t.Fatal(err)
		}
		c, err := config.Load(newFlags(t))
		if err != nil || c.Agent() != "lead@x.test" || !c.Yes() || len(c.Warnings) != 0 {
			t.Fatalf("mode %o: %v, warnings %v", mode, err, c.Warnings)
		}
	}
}
