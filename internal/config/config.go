// Package config resolves inboxctl's settings from flags, INBOXCTL_*
// environment variables and the config file, in that order of precedence,
// through one viper instance, and says where each value came from.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/inboxctl/inboxctl/internal/redact"
)

// Keys of the configuration, as written in the config file.
const (
	KeyDatabaseURL = "database-url"
	KeyOrg         = "org"
	KeyAgent       = "agent"
	KeyOutput      = "output"
	KeyNoColor     = "no-color"
	KeyYes         = "yes"
)

// Keys lists every key in display order.
var Keys = []string{KeyDatabaseURL, KeyOrg, KeyAgent, KeyOutput, KeyNoColor, KeyYes}

// flagFor maps a key to its flag name where they differ.
var flagFor = map[string]string{KeyAgent: "as"}

// EnvFor lists the environment variables of a key, first one wins.
func EnvFor(key string) []string {
	e := []string{"INBOXCTL_" + strings.ToUpper(strings.ReplaceAll(key, "-", "_"))}
	if key == KeyAgent {
		e = append(e, "INBOXCTL_AS")
	}
	return e
}

// Config is the resolved configuration.
type Config struct {
	v        *viper.Viper
	flags    *pflag.FlagSet
	File     string // the config file in use ("" if none)
	Warnings []string
}

// DefaultPath is $XDG_CONFIG_HOME/inboxctl/config.yaml.
func DefaultPath() string {
	base := os.Getenv("XDG_CONFIG_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		base = filepath.Join(home, ".config")
	}
	return filepath.Join(base, "inboxctl", "config.yaml")
}

// ErrConfigFile is a config file that cannot be used.
type ErrConfigFile struct{ Msg string }

func (e *ErrConfigFile) Error() string { return e.Msg }

// Load resolves the configuration for the parsed global flags.
func Load(flags *pflag.FlagSet) (*Config, error) {
	v := viper.New()
	c := &Config{v: v, flags: flags}
	v.SetDefault(KeyOutput, "")
	v.SetDefault(KeyNoColor, false)
	v.SetDefault(KeyYes, false)
	for _, k := range Keys {
		if err := v.BindEnv(append([]string{k}, EnvFor(k)...)...); err != nil {
			return nil, err
		}
		name := k
		if f, ok := flagFor[k]; ok {
			name = f
		}
		if f := flags.Lookup(name); f != nil {
			if err := v.BindPFlag(k, f); err != nil {
				return nil, err
			}
		}
	}
	path, explicit := "", false
	if f := flags.Lookup("config"); f != nil && f.Changed {
		path, explicit = f.Value.String(), true
	} else if p := os.Getenv("INBOXCTL_CONFIG"); p != "" {
		path, explicit = p, true
	} else {
		path = DefaultPath()
	}
	if path != "" {
		st, err := os.Stat(path)
		switch {
		case err == nil:
			if writableByOthers(st.Mode()) {
				return nil, &ErrConfigFile{fmt.Sprintf("The config file %s is writable by other users, so it is not used (anyone could choose the database, the agent and --yes for you); run: chmod go-w %s", path, path)}
			}
			v.SetConfigFile(path)
			v.SetConfigType("yaml")
			if err := v.ReadInConfig(); err != nil {
				return nil, &ErrConfigFile{fmt.Sprintf("The config file %s cannot be read: %v.", path, err)}
			}
			c.File = path
			if st.Mode().Perm()&0o044 != 0 && redact.HasPassword(v.GetString(KeyDatabaseURL)) {
				c.Warnings = append(c.Warnings, fmt.Sprintf("warning: %s holds a database password and is readable by other users; run: chmod 600 %s", path, path))
			}
		case explicit || !errors.Is(err, fs.ErrNotExist):
			return nil, &ErrConfigFile{fmt.Sprintf("The config file %s cannot be read: %v.", path, err)}
		}
	}
	return c, nil
}

func (c *Config) DatabaseURL() string { return c.v.GetString(KeyDatabaseURL) }
func (c *Config) Org() string         { return c.v.GetString(KeyOrg) }
func (c *Config) Agent() string       { return c.v.GetString(KeyAgent) }
func (c *Config) Output() string      { return c.v.GetString(KeyOutput) }
func (c *Config) NoColor() bool       { return c.v.GetBool(KeyNoColor) || os.Getenv("NO_COLOR") != "" }
func (c *Config) Yes() bool           { return c.v.GetBool(KeyYes) }

// Setting is one key's effective value and its source.
type Setting struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Source string `json:"source"`
}

// Settings lists every key with its (masked) value and source: flag, env
// (naming the variable), file, or default.
func (c *Config) Settings() []Setting {
	var out []Setting
	for _, k := range Keys {
		s := Setting{Key: k, Value: fmt.Sprint(c.v.Get(k)), Source: "default"}
		name := k
		if f, ok := flagFor[k]; ok {
			name = f
		}
		env := ""
		for _, e := range EnvFor(k) {
			// viper ignores an empty variable, so must the source.
			if v, ok := os.LookupEnv(e); ok && v != "" {
				env = e
				break
			}
		}
		switch {
		case c.flags.Lookup(name) != nil && c.flags.Lookup(name).Changed:
			s.Source = "flag --" + name
		case env != "":
			s.Source = "env " + env
		case c.File != "" && c.v.InConfig(k):
			s.Source = "file " + c.File
		}
		if k == KeyNoColor && s.Value == "false" && os.Getenv("NO_COLOR") != "" {
			// NoColor honours NO_COLOR (https://no-color.org): say so.
			s.Value, s.Source = "true", "env NO_COLOR"
		}
		if k == KeyDatabaseURL {
			s.Value = redact.DSN(s.Value)
			if s.Value == "" {
				s.Value = pgEnvSummary()
				s.Source = "default (libpq PG* variables)"
			}
		}
		out = append(out, s)
	}
	return out
}

func pgEnvSummary() string {
	var parts []string
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PG") && v != "" {
			if k == "PGPASSWORD" {
				v = "****"
			}
			parts = append(parts, k+"="+v)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// writableByOthers reports a file that group or others may write, which
// ssh refuses for its config too. Windows has no such mode bits: Go reports
// every writable file there as 0666.
func writableByOthers(m fs.FileMode) bool {
	return runtime.GOOS != "windows" && m.Perm()&0o022 != 0
}

// Secrets lists the passwords in play, for masking error messages.
func (c *Config) Secrets() []string {
	var out []string
	if p := os.Getenv("PGPASSWORD"); p != "" {
		out = append(out, p)
	}
	return append(out, redact.Secrets(c.DatabaseURL())...)
}
