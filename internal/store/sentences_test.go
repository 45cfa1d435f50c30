package store_test

import (
	"context"
	"database/sql"
	"encoding/binary"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/store"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

// TestMissingRelationSentences: a missing temporary table (in pg_temp, or
// a name no migration made) is not a missing migration; a missing table of
// the schema points at db status. Neither says to run db migrate.
func TestMissingRelationSentences(t *testing.T) {
	db := testdb.Open(t)
	ctx := context.Background()
	for _, c := range []struct{ query, want string }{
		{`SELECT * FROM pg_temp.spam_input`, "temporary table"},
		{`SELECT * FROM check_phones`, "temporary table"},
		{`SELECT * FROM labels_gone`, "temporary table"},
		{`ALTER TABLE labels RENAME TO labels_old; SELECT * FROM labels`, "'inboxctl db status' shows its migrations"},
		{`SELECT no_such_column FROM users`, "'inboxctl db status' shows its migrations"},
	} {
		_, err := db.ExecContext(ctx, c.query)
		got := store.Translate(ctx, err).Error()
		if !strings.Contains(got, c.want) || strings.Contains(got, "db migrate") || strings.Contains(got, "pq:") {
			t.Errorf("%s: %q, want a sentence with %q and no 'db migrate'", c.query, got, c.want)
		}
	}
}

// protocolBreaker is a proxy in front of the test server that relays a
// session faithfully until the client's second message after start-up
// (the first is the connection check), which it answers with a message
// that has no place there, as a pooler mixing two clients' sessions might.
func protocolBreaker(t *testing.T, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	network, addr := "tcp", u.Host
	if h := u.Query().Get("host"); strings.HasPrefix(h, "/") {
		port := u.Query().Get("port")
		if port == "" {
			port = "5432"
		}
		network, addr = "unix", filepath.Join(h, ".s.PGSQL."+port)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go breakSession(c, network, addr)
		}
	}()
	q := u.Query()
	q.Set("host", "127.0.0.1")
	q.Set("port", ln.Addr().(*net.TCPAddr).AddrPort().String()[len("127.0.0.1:"):])
	q.Set("sslmode", "disable")
	u.Host, u.RawQuery = "", q.Encode()
	return u.String()
}

func breakSession(c net.Conn, network, addr string) {
	defer c.Close()
	s, err := net.Dial(network, addr)
	if err != nil {
		return
	}
	defer s.Close()
	var n [4]byte
	if _, err := io.ReadFull(c, n[:]); err != nil {
		return
	}
	startup := make([]byte, binary.BigEndian.Uint32(n[:])-4)
	if _, err := io.ReadFull(c, startup); err != nil {
		return
	}
	s.Write(append(n[:], startup...))
	go io.Copy(c, s)
	for i := 0; ; i++ {
		var head [5]byte
		if _, err := io.ReadFull(c, head[:]); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint32(head[1:])-4)
		if _, err := io.ReadFull(c, body); err != nil {
			return
		}
		if i == 1 {
			// CopyData, unasked for.
			c.Write([]byte{'d', 0, 0, 0, 4})
			io.Copy(io.Discard, c)
			return
		}
		s.Write(append(head[:], body...))
	}
}

// TestProtocolErrorIsNotALostConnection: a reply out of protocol is
// called that, not a lost connection, and shows no driver prefix.
func TestProtocolErrorIsNotALostConnection(t *testing.T) {
	ctx := context.Background()
	for _, q := range []struct {
		name string
		run  func(db *store.DB) error
	}{
		{"simple query", func(db *store.DB) error { _, err := db.ExecContext(ctx, `SELECT 1`); return err }},
		{"with parameters", func(db *store.DB) error { var n int; return db.QueryRowContext(ctx, `SELECT $1::int`, 1).Scan(&n) }},
		{"in a transaction", func(db *store.DB) error {
			return db.InTx(ctx, func(tx *sql.Tx) error { return nil })
		}},
	} {
		t.Run(q.name, func(t *testing.T) {
			db, err := store.Open(ctx, protocolBreaker(t, testdb.URL(t)))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.SetMaxIdleConns(1)
			db.SetMaxOpenConns(1)
			err = q.run(db)
			if err == nil {
				t.Fatal("the broken reply went unnoticed")
			}
			got := store.Translate(ctx, err).Error()
			if !strings.Contains(got, "PostgreSQL protocol") || strings.Contains(got, "connection was lost") || strings.Contains(got, "pq:") {
				t.Fatalf("%q: want the protocol sentence (from %q)", got, err)
			}
		})
	}
}
