package reliability

import (
	"encoding/json"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

// upstream is where the test server listens: a unix socket or host:port.
func upstream(t *testing.T) (network, addr, user string) {
	t.Helper()
	u, err := url.Parse(testdb.BaseURL())
	if err != nil || u.Scheme == "" {
		t.Fatalf("cannot read the test server's URL %q", testdb.BaseURL())
	}
	q := u.Query()
	host, port := u.Hostname(), u.Port()
	if h := q.Get("host"); h != "" {
		host = h
	}
	if p := q.Get("port"); p != "" {
		port = p
	}
	if port == "" {
		port = "5432"
	}
	user = u.User.Username()
	if strings.HasPrefix(host, "/") {
		return "unix", filepath.Join(host, ".s.PGSQL."+port), user
	}
	return "tcp", net.JoinHostPort(host, port), user
}

// tcpProxy forwards 127.0.0.1:PORT to the test server, so the binary can
// reach it over TCP (where sslmode matters) while the server speaks no TLS.
func tcpProxy(t *testing.T) string { return tcpProxyOn(t, "127.0.0.1") }

// tcpProxyOn is tcpProxy listening on host.
func tcpProxyOn(t *testing.T, host string) string {
	t.Helper()
	network, addr, _ := upstream(t)
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial(network, addr)
			if err != nil {
				c.Close()
				continue
			}
			wg.Add(2)
			go func() { defer wg.Done(); io.Copy(up, c); up.Close() }()
			go func() { defer wg.Done(); io.Copy(c, up); c.Close() }()
		}
	}()
	return l.Addr().String()
}

// dbURL is a URL of the demo database over the proxy, with a password
// (the test server trusts everyone, so any password connects).
func (d demo) tcpURL(t *testing.T, proxy, password, query string) string {
	t.Helper()
	_, _, user := upstream(t)
	u := url.URL{Scheme: "postgres", User: url.UserPassword(user, password), Host: proxy, Path: "/" + d.dbName(t), RawQuery: query}
	return u.String()
}

// TestConfigShowMasksPasswords: `config show` never prints a password,
// whether it comes in a URL (flag, env, config file), in key=value form,
// URL-encoded, as a query parameter, or in PGPASSWORD.
func TestConfigShowMasksPasswords(t *testing.T) {
	t.Parallel()
	const pw = "Pa55-w0rd!"
	const special = "p@ss/w:rd?#%"
	cfgDir := t.TempDir()
	cfgFile := filepath.Join(cfgDir, "config.yaml")
	if err := os.WriteFile(cfgFile, []byte("database-url: postgres://bob:"+pw+"@db.example:5432/app\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		env     []string
		args    []string
		secrets []string
	}{
		{"flag URL", nil, []string{"--database-url", "postgres://bob:" + pw + "@db.example/app"}, []string{pw}},
		{"env URL", []string{"INBOXCTL_DATABASE_URL=postgresql://bob:" + pw + "@db.example/app?sslmode=require"}, nil, []string{pw}},
		{"env key=value", []string{"INBOXCTL_DATABASE_URL=host=db.example user=bob password=" + pw + " dbname=app"}, nil, []string{pw}},
		{"quoted key=value", []string{"INBOXCTL_DATABASE_URL=host=db.example password='" + pw + " with space' dbname=app"}, nil, []string{pw}},
		{"URL-encoded", []string{"INBOXCTL_DATABASE_URL=postgres://bob:" + url.QueryEscape(special) + "@db.example/app"}, nil,
			[]string{special, url.QueryEscape(special), url.PathEscape(special)}},
		{"query parameter", []string{"INBOXCTL_DATABASE_URL=postgres://bob@db.example/app?password=" + pw}, nil, []string{pw}},
		{"query parameter, encoded name", []string{"INBOXCTL_DATABASE_URL=postgres://bob@db.example/app?sslmode=require&pass%77ord=" + url.QueryEscape(special)}, nil,
			[]string{special, url.QueryEscape(special)}},
		{"upper-case scheme", nil, []string{"--database-url", "POSTGRES://bob:" + pw + "@db.example/app"}, []string{pw}},
		{"leading space", nil, []string{"--database-url", " postgres://bob:" + pw + "@db.example/app"}, []string{pw}},
		{"one slash", nil, []string{"--database-url", "postgres:/bob:" + pw + "@db.example/x"}, []string{pw}},
		{"no scheme", nil, []string{"--database-url", "bob:" + pw + "@db.example/x"}, []string{pw}},
		{"unencoded specials", nil, []string{"--database-url", "postgresql://bob:" + special + "@db.example/x"}, []string{special}},
		{"config file", nil, []string{"--config", cfgFile}, []string{pw}},
		{"PGPASSWORD", []string{"PGPASSWORD=" + pw, "PGHOST=db.example", "PGUSER=bob"}, nil, []string{pw}},
	}
	for _, c := range cases {
		r := run(t, c.env, nil, append([]string{"config", "show", "-o", "json"}, c.args...)...)
		if r.Code != 0 {
			t.Errorf("%s: config show:\n%s", c.name, r)
			continue
		}
		noLeak(t, r, c.secrets...)
		var settings []struct{ Key, Value, Source string }
		if err := json.Unmarshal([]byte(r.Stdout), &settings); err != nil {
			t.Fatalf("%s: %v\n%s", c.name, err, r)
		}
		for _, s := range settings {
			if s.Key == "database-url" && !strings.Contains(s.Value, "****") {
				t.Errorf("%s: database-url %q shows no mask", c.name, s.Value)
			}
		}
	}
}

// TestErrorsMaskPasswords: no error, warning or output line of a command
// shows the password: failed connections (URL, key=value, PGPASSWORD), an
// unparsable URL, and errors after a successful connection.
func TestErrorsMaskPasswords(t *testing.T) {
	t.Parallel()
	const pw = "S3cret-Pa55"
	d := newDemo(t, 4)
	proxy := tcpProxy(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	cases := []struct {
		name string
		env  []string
		args []string
		code int
	}{
		{"closed port, URL", []string{"INBOXCTL_DATABASE_URL=postgres://bob:" + pw + "@" + closed + "/app?sslmode=disable"}, []string{"spam", "list", "--as", "x@y.z"}, 1},
		{"closed port, key=value", []string{"INBOXCTL_DATABASE_URL=host=127.0.0.1 port=" + strings.Split(closed, ":")[1] + " password=" + pw + " sslmode=disable"}, []string{"db", "status"}, 1},
		{"closed port, PGPASSWORD", []string{"PGPASSWORD=" + pw, "PGHOST=127.0.0.1", "PGPORT=" + strings.Split(closed, ":")[1], "PGSSLMODE=disable"}, []string{"db", "status"}, 1},
		{"bad URL", []string{"INBOXCTL_DATABASE_URL=postgres://bob:" + pw + "@db.example:notaport/app"}, []string{"db", "status"}, 2},
		{"bad URL, flag", nil, []string{"db", "status", "--database-url", "postgres://bob:" + pw + "@db.example/app?sslmode=bogus"}, 2},
		{"connected, unknown agent", []string{"INBOXCTL_DATABASE_URL=" + d.tcpURL(t, proxy, pw, "sslmode=disable")}, []string{"spam", "list", "--as", "nobody@demo.test"}, 3},
		{"connected, refused", []string{"INBOXCTL_DATABASE_URL=" + d.tcpURL(t, proxy, pw, "sslmode=disable"), "INBOXCTL_AGENT=" + seed.Ravi}, []string{"spam", "mark", "4", "--yes"}, 4},
		{"connected, PGPASSWORD", []string{"PGPASSWORD=" + pw, "INBOXCTL_DATABASE_URL=" + d.tcpURL(t, proxy, "", "sslmode=disable")}, []string{"spam", "mark", "+10", "--yes", "--as", seed.Owner}, 2},
		{"connected, success", []string{"INBOXCTL_DATABASE_URL=" + d.tcpURL(t, proxy, pw, "sslmode=disable"), "INBOXCTL_AGENT=" + seed.Owner}, []string{"spam", "mark", "1", "--yes", "-o", "json"}, 0},
	}
	for _, c := range cases {
		r := run(t, c.env, nil, c.args...)
		if r.Code != c.code {
			t.Errorf("%s: want exit %d:\n%s", c.name, c.code, r)
		}
		noLeak(t, r, pw)
	}
	// Invalid URLs whose password holds what URLs forbid unencoded: the
	// parse error quotes the URL, or a piece of the password; URLs of a
	// shape the driver does not know, which it reads as a key=value
	// setting and quotes whole.
	for _, c := range []struct{ url, leak string }{
		{"postgres:/bob:S3cret@db.example/x", "S3cret"},
		{"POSTGRES://bob:S3cret@db.example/x", "S3cret"},
		{" postgres://bob:S3cret@db.example/x", "S3cret"},
		{"bob:S3cret@db.example/x", "S3cret"},
		{"postgres://bob:S3/cret@db.example/x", "S3/cret"},
		{"postgres://bob:S3cret@db.example/x?sslmode=bogus&password=S3cret", "S3cret"},
		{"postgres://bob:p@ss:w0rd@db.example:notaport/app", "ss:w0rd"},
		{"postgres://bob:p%ss-x@127.0.0.1:1/app", "%ss"},
		{"postgres://bob:pa ss-x@127.0.0.1:1/app", "pa ss"},
		{`postgres://bob:pa"ss\x@h:bad/app`, `ss\\x`},
	} {
		r := run(t, nil, nil, "db", "status", "--database-url", c.url)
		if r.Code != 2 || !strings.Contains(r.Stderr, "The database URL is not valid") {
			t.Errorf("%s: want exit 2:\n%s", c.url, r)
		}
		oneSentence(t, r, c.leak)
		r = run(t, nil, nil, "config", "show", "--database-url", c.url)
		noLeak(t, r, c.leak)
	}
}

// TestConfigFileWithPasswordReadableByOthers: a config file holding a
// password that group or others can read is warned about (with the chmod
// that fixes it, without the password); a private one, or one without a
// password, is not.
func TestConfigFileWithPasswordReadableByOthers(t *testing.T) {
	t.Parallel()
	d := newDemo(t, 1)
	const pw = "f1le-Pa55"
	withPw := "database-url: " + strings.Replace(d.url, "postgres://postgres@", "postgres://postgres:"+pw+"@", 1) + "\nagent: " + seed.Owner + "\n"
	noPw := "database-url: " + d.url + "\nagent: " + seed.Owner + "\n"
	cases := []struct {
		name    string
		content string
		mode    os.FileMode
		warn    bool
	}{
		{"password, world-readable", withPw, 0o644, true},
		{"password, group-readable", withPw, 0o640, true},
		{"password, private", withPw, 0o600, false},
		{"no password, world-readable", noPw, 0o644, false},
	}
	for _, c := range cases {
		dir := t.TempDir()
		path := filepath.Join(dir, "config.yaml")
		if err := os.WriteFile(path, []byte(c.content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, c.mode); err != nil {
			t.Fatal(err)
		}
		r := run(t, nil, nil, "spam", "list", "--config", path)
		if r.Code != 0 {
			t.Errorf("%s: the command should still run:\n%s", c.name, r)
		}
		warned := strings.Contains(r.Stderr, "holds a database password and is readable by other users; run: chmod 600 "+path)
		if warned != c.warn {
			t.Errorf("%s: warned=%v, want %v:\n%s", c.name, warned, c.warn, r)
		}
		noLeak(t, r, pw)
	}
}

// TestConfigFileWritableByOthersIsRefused: a config file that group or
// others may write is refused, as ssh refuses its own, with one sentence
// that names the file and the fix (exit 2), before anything connects; one
// they may only read is used.
func TestConfigFileWritableByOthersIsRefused(t *testing.T) {
	t.Parallel()
	d := newDemo(t, 1)
	content := "database-url: " + d.url + "\nagent: " + seed.Owner + "\nyes: true\n"
	for _, c := range []struct {
		mode    os.FileMode
		refused bool
	}{{0o666, true}, {0o620, true}, {0o602, true}, {0o644, false}, {0o600, false}} {
		path := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, c.mode); err != nil {
			t.Fatal(err)
		}
		r := run(t, nil, nil, "spam", "mark", "+919800000001", "--config", path)
		if !c.refused {
			if r.Code != 0 {
				t.Errorf("%o: the file should be used:\n%s", c.mode, r)
			}
			continue
		}
		if r.Code != 2 || !strings.Contains(r.Stderr, path+" is writable by other users") || !strings.Contains(r.Stderr, "chmod go-w "+path) {
			t.Errorf("%o: want exit 2 naming the file and chmod go-w:\n%s", c.mode, r)
		}
		if lines := strings.Split(strings.TrimRight(r.Stderr, "\n"), "\n"); len(lines) != 1 {
			t.Errorf("%o: want one sentence:\n%s", c.mode, r)
		}
	}
	if n := d.count(t, `SELECT count(*) FROM users WHERE spam`); n != 1 {
		t.Fatalf("%d spam users: only the private and read-only files' marks should have run (the second is unchanged)", n)
	}
}
