package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
)

// lib/pq does not say whether a connection ended up encrypted: with
// sslmode prefer it falls back to clear text when the server declines TLS,
// with allow it starts in clear text. So the dialer watches the wire: a
// connection whose first message is the start-up message, not a request
// for TLS, talks in clear text.

// clearTextWatch is a lib/pq dialer that notes whether the connection it
// dialled last started up in clear text over TCP to a host that is not
// this machine. lib/pq dials in turn until a connection is up (prefer:
// TLS, then clear text; allow: clear text, then TLS), so after a first
// successful ping, the last connection dialled is the one in use.
type clearTextWatch struct {
	d    net.Dialer
	last atomic.Bool
}

func (w *clearTextWatch) Dial(network, address string) (net.Conn, error) {
	return w.DialContext(context.Background(), network, address)
}

func (w *clearTextWatch) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return w.DialContext(ctx, network, address)
}

func (w *clearTextWatch) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	c, err := w.d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return &watchedConn{Conn: c, watch: w}, nil
}

// watchedConn is one connection of a clearTextWatch.
type watchedConn struct {
	net.Conn
	watch   *clearTextWatch
	written atomic.Bool
}

func (c *watchedConn) Write(p []byte) (int, error) {
	if c.written.CompareAndSwap(false, true) {
		c.watch.last.Store(startsUpInClear(c.RemoteAddr(), p))
	}
	return c.Conn.Write(p)
}

// startsUpInClear reports whether first, the first bytes a client sends to
// remote, is a start-up message (protocol 3.x: the password exchange
// follows in clear text) over TCP to an address that is not loopback. An
// SSLRequest or GSSENCRequest (codes 1234.5679 and 1234.5680) asks for
// encryption first; a CancelRequest carries no secret.
func startsUpInClear(remote net.Addr, first []byte) bool {
	tcp, ok := remote.(*net.TCPAddr)
	if !ok || tcp.IP.IsLoopback() || len(first) < 8 {
		return false
	}
	return binary.BigEndian.Uint32(first[4:8])>>16 == 3
}

// ClearTextWarning is the warning to print once when the pool's first
// connection reached a host over the network in clear text, or "".
func (db *DB) ClearTextWarning() string { return db.clearText }

func clearTextWarning(target string, mode pq.SSLMode) string {
	why := "sslmode=" + string(mode)
	if mode == pq.SSLModePrefer {
		why += ", and the server declined TLS"
	}
	return fmt.Sprintf("warning: the connection to %s is not encrypted (%s): the password and the data cross the network in clear text; set sslmode=verify-full to require TLS.", target, why)
}
