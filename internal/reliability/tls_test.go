//go:build deployment

package reliability

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/pglocal"
	"github.com/inboxctl/inboxctl/internal/store"
)

// writeCerts makes a CA and a server certificate for the name localhost
// only (not 127.0.0.1), signed by it, in dir.
func writeCerts(t *testing.T, dir string) (ca, cert, key string) {
	t.Helper()
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "inboxctl test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	srvKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srvTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(srvKey)
	if err != nil {
		t.Fatal(err)
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("server.crt", "CERTIFICATE", srvDER), write("server.key", "PRIVATE KEY", keyDER)
}

// TestTLSFollowsLibpq starts a private server with TLS on 127.0.0.1 and
// holds sslmode, sslrootcert and PGSSL* against what libpq documents:
// verify-full checks the CA and the host name, verify-ca only the CA,
// require encrypts without verifying, prefer (the default) encrypts when
// the server can, disable never does, and a unix socket never does.
func TestTLSFollowsLibpq(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// The server may run as another OS user (as root, pglocal runs it as
	// postgres): the certificates must be readable by it.
	dir, err := os.MkdirTemp("", "inboxctl-tls-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	ca, cert, key := writeCerts(t, dir)
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		for _, f := range []string{cert, key} {
			if err := os.Chown(f, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	// initdb's pg_hba.conf admits loopback only; this one admits the
	// network address too.
	netIP := networkIP(t)
	hba := filepath.Join(dir, "pg_hba.conf")
	if err := os.WriteFile(hba, []byte("local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all "+netIP+"/32 trust\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv, err := pglocal.Start(ctx, pglocal.Options{Settings: map[string]string{
		"listen_addresses": "127.0.0.1," + netIP, "port": port, "hba_file": hba,
		"ssl": "on", "ssl_cert_file": cert, "ssl_key_file": key}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	const pw = "tls-Secr3t"
	tcp := func(host, query string) string {
		u := url.URL{Scheme: "postgres", User: url.UserPassword("postgres", pw), Host: net.JoinHostPort(host, port), Path: "/postgres", RawQuery: query}
		return u.String()
	}
	unix := fmt.Sprintf("postgres://postgres@/postgres?host=%s&port=%s", srv.Dir, port)
	cases := []struct {
		name string
		url  string
		env  []string
		ok   bool
		tls  bool   // whether the session is encrypted, when ok
		fail string // in the error, when not ok
	}{
		{"verify-full, CA from PGSSLROOTCERT", tcp("localhost", "sslmode=verify-full"), []string{"PGSSLROOTCERT=" + ca}, true, true, ""},
		{"verify-full, CA from sslrootcert", tcp("localhost", "sslmode=verify-full&sslrootcert="+url.QueryEscape(ca)), nil, true, true, ""},
		{"verify-full, wrong host name", tcp("127.0.0.1", "sslmode=verify-full"), []string{"PGSSLROOTCERT=" + ca}, false, false, "certificate"},
		{"verify-full, unknown CA", tcp("localhost", "sslmode=verify-full"), nil, false, false, "certificate"},
		{"verify-ca ignores the host name", tcp("127.0.0.1", "sslmode=verify-ca"), []string{"PGSSLROOTCERT=" + ca}, true, true, ""},
		{"PGSSLMODE=verify-ca, unknown CA", tcp("127.0.0.1", ""), []string{"PGSSLMODE=verify-ca"}, false, false, "certificate"},
		{"require", tcp("127.0.0.1", "sslmode=require"), nil, true, true, ""},
		{"PGSSLMODE=require", tcp("127.0.0.1", ""), []string{"PGSSLMODE=require"}, true, true, ""},
		{"default prefer", tcp("127.0.0.1", ""), nil, true, true, ""},
		{"disable", tcp("127.0.0.1", "sslmode=disable"), nil, true, false, ""},
		{"PGSSLMODE=disable", tcp("127.0.0.1", ""), []string{"PGSSLMODE=disable"}, true, false, ""},
		{"unix socket, default", unix, nil, true, false, ""},
		{"unix socket, PGSSLMODE=require", unix, []string{"PGSSLMODE=require"}, true, false, ""},
		// Over the network (an address of this machine that is not
		// loopback), a session that ends up in clear text is said.
		{"network, default prefer", tcp(netIP, ""), nil, true, true, ""},
		{"network, require", tcp(netIP, "sslmode=require"), nil, true, true, ""},
		{"network, allow", tcp(netIP, "sslmode=allow"), nil, true, false, ""},
		{"network, disable", tcp(netIP, "sslmode=disable"), nil, true, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, append([]string{"INBOXCTL_DATABASE_URL=" + c.url}, c.env...), nil, "db", "status")
			if !c.ok {
				if r.Code != 1 || !strings.Contains(r.Stderr, "Cannot connect to the database") || !strings.Contains(r.Stderr, c.fail) {
					t.Fatalf("want exit 1, 'Cannot connect ... %s':\n%s", c.fail, r)
				}
				oneSentence(t, r, pw)
				t.Log(r.Stderr)
				return
			}
			if r.Code != 0 {
				t.Fatalf("want a connection:\n%s", r)
			}
			noLeak(t, r, pw)
			// Clear text over the network is said once; anything else
			// (TLS, loopback, a unix socket) not at all.
			u, _ := url.Parse(c.url)
			want := 0
			if !c.tls && u.Hostname() == netIP {
				want = 1
			}
			if n := strings.Count(r.Stderr, clearTextWarning); n != want {
				t.Fatalf("said %d time(s) that the connection is not encrypted, want %d:\n%s", n, want, r)
			}
			// In process, with the same settings as URL parameters (the
			// process environment is shared by parallel tests): is the
			// session encrypted?
			q := u.Query()
			for _, kv := range c.env {
				k, v, _ := strings.Cut(kv, "=")
				q.Set(map[string]string{"PGSSLMODE": "sslmode", "PGSSLROOTCERT": "sslrootcert"}[k], v)
			}
			u.RawQuery = q.Encode()
			db, err := store.Open(ctx, u.String())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var encrypted bool
			if err := db.QueryRow(`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`).Scan(&encrypted); err != nil {
				t.Fatal(err)
			}
			if encrypted != c.tls {
				t.Fatalf("TLS in use: %v, want %v", encrypted, c.tls)
			}
		})
	}
}
