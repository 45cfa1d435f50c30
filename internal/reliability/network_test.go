//go:build deployment

package reliability

import (
	"net"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/seed"
)

// networkIP is an address of this machine that is not loopback: a
// connection to it is, to inboxctl, a connection over the network.
func networkIP(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && n.IP.IsGlobalUnicast() {
			return n.IP.String()
		}
	}
	t.Fatalf("this machine has no IPv4 address other than loopback (%v): the clear-text warning cannot be tested over the network", addrs)
	return ""
}

// TestSSLModeFollowsLibpq: over TCP to a server without TLS, sslmode and
// PGSSLMODE decide as libpq documents: require and stronger fail with one
// sentence; disable, allow and prefer (the default) connect; the URL's
// sslmode wins over PGSSLMODE; over a unix socket sslmode does not apply.
func TestSSLModeFollowsLibpq(t *testing.T) {
	t.Parallel()
	d := newDemo(t, 1)
	proxy := tcpProxy(t)
	const pw = "tls-Pa55"
	cases := []struct {
		name  string
		url   string
		env   []string
		ok    bool
		stder string
	}{
		{"sslmode=require", d.tcpURL(t, proxy, pw, "sslmode=require"), nil, false, "SSL is not enabled on the server"},
		{"sslmode=verify-ca", d.tcpURL(t, proxy, pw, "sslmode=verify-ca"), nil, false, "SSL is not enabled on the server"},
		{"sslmode=verify-full", d.tcpURL(t, proxy, pw, "sslmode=verify-full"), nil, false, "SSL is not enabled on the server"},
		{"PGSSLMODE=require", d.tcpURL(t, proxy, pw, ""), []string{"PGSSLMODE=require"}, false, "SSL is not enabled on the server"},
		{"sslmode=disable", d.tcpURL(t, proxy, pw, "sslmode=disable"), nil, true, ""},
		{"sslmode=allow", d.tcpURL(t, proxy, pw, "sslmode=allow"), nil, true, ""},
		{"sslmode=prefer", d.tcpURL(t, proxy, pw, "sslmode=prefer"), nil, true, ""},
		{"default is prefer", d.tcpURL(t, proxy, pw, ""), nil, true, ""},
		// The default holds whatever else the URL says.
		{"default, a password that says sslmode", d.tcpURL(t, proxy, "no-sslmode=require", ""), nil, true, ""},
		{"PGSSLMODE=disable", d.tcpURL(t, proxy, pw, ""), []string{"PGSSLMODE=disable"}, true, ""},
		{"URL wins over PGSSLMODE", d.tcpURL(t, proxy, pw, "sslmode=disable"), []string{"PGSSLMODE=require"}, true, ""},
		{"unix socket ignores sslmode", strings.Replace(d.url, "sslmode=disable", "sslmode=require", 1), nil, true, ""},
		{"unix socket ignores PGSSLMODE", strings.Replace(d.url, "&sslmode=disable", "", 1), []string{"PGSSLMODE=verify-full"}, true, ""},
	}
	for _, c := range cases {
		env := append([]string{"INBOXCTL_DATABASE_URL=" + c.url, "INBOXCTL_AGENT=" + seed.Owner}, c.env...)
		r := run(t, env, nil, "spam", "list")
		switch {
		case c.ok && r.Code != 0:
			t.Errorf("%s: want a connection:\n%s", c.name, r)
		case !c.ok && (r.Code != 1 || !strings.Contains(r.Stderr, c.stder)):
			t.Errorf("%s: want exit 1 and %q:\n%s", c.name, c.stder, r)
		case !c.ok:
			oneSentence(t, r, pw)
		}
	}
}

// clearTextWarning is how inboxctl says a connection is not encrypted.
const clearTextWarning = "is not encrypted"

// TestClearTextOverTheNetworkIsSaid: a TCP connection to an address that
// is not loopback and ends up unencrypted (sslmode disable or allow, or
// prefer, the default, with a server that declines TLS, as this one does)
// is said once on stderr, with the command's work done as usual; the same
// connection to 127.0.0.1, or over a unix socket, is not.
func TestClearTextOverTheNetworkIsSaid(t *testing.T) {
	t.Parallel()
	d := newDemo(t, 1)
	const pw = "clear-Pa55"
	remote, local := tcpProxyOn(t, networkIP(t)), tcpProxy(t)
	cases := []struct {
		name  string
		url   string
		env   []string
		warns bool
	}{
		{"network, sslmode=disable", d.tcpURL(t, remote, pw, "sslmode=disable"), nil, true},
		{"network, default prefer, TLS declined", d.tcpURL(t, remote, pw, ""), nil, true},
		{"network, sslmode=allow", d.tcpURL(t, remote, pw, "sslmode=allow"), nil, true},
		{"network, PGSSLMODE=disable", d.tcpURL(t, remote, pw, ""), []string{"PGSSLMODE=disable"}, true},
		{"loopback, sslmode=disable", d.tcpURL(t, local, pw, "sslmode=disable"), nil, false},
		{"loopback, default prefer", d.tcpURL(t, local, pw, ""), nil, false},
		{"unix socket", d.url, nil, false},
	}
	for _, c := range cases {
		r := run(t, append([]string{"INBOXCTL_DATABASE_URL=" + c.url, "INBOXCTL_AGENT=" + seed.Owner}, c.env...), nil, "spam", "list", "-o", "json")
		if r.Code != 0 || !strings.HasPrefix(r.Stdout, "[") {
			t.Errorf("%s: want the command to run:\n%s", c.name, r)
			continue
		}
		if n := strings.Count(r.Stderr, clearTextWarning); n != map[bool]int{true: 1, false: 0}[c.warns] {
			t.Errorf("%s: said %d time(s), want warns=%v:\n%s", c.name, n, c.warns, r)
		}
		if c.warns && !strings.Contains(r.Stderr, "warning: the connection to "+remote+" is not encrypted") {
			t.Errorf("%s: the warning does not name %s:\n%s", c.name, remote, r)
		}
		noLeak(t, r, pw)
	}
}
