package store

import (
	"encoding/binary"
	"net"
	"testing"
)

// TestStartsUpInClear: the decision behind the clear-text warning. A
// start-up message (protocol 3.0 or 3.2) as the first thing sent over TCP
// to an address that is not loopback is clear text; a request for TLS or
// GSS encryption, a cancel request, loopback (IPv4 or IPv6) and a unix
// socket are not.
func TestStartsUpInClear(t *testing.T) {
	packet := func(code uint32) []byte {
		b := make([]byte, 8, 16)
		binary.BigEndian.PutUint32(b, 8)
		binary.BigEndian.PutUint32(b[4:], code)
		return append(b, "user\x00bob\x00"...)
	}
	network := &net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 5432}
	for _, c := range []struct {
		name   string
		remote net.Addr
		first  []byte
		clear  bool
	}{
		{"start-up 3.0 over the network", network, packet(3 << 16), true},
		{"start-up 3.2 over the network", network, packet(3<<16 | 2), true},
		{"start-up to an IPv6 address", &net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 5432}, packet(3 << 16), true},
		{"SSLRequest", network, packet(1234<<16 | 5679), false},
		{"GSSENCRequest", network, packet(1234<<16 | 5680), false},
		{"CancelRequest", network, packet(1234<<16 | 5678), false},
		{"start-up to 127.0.0.1", &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 5432}, packet(3 << 16), false},
		{"start-up to 127.0.0.2", &net.TCPAddr{IP: net.ParseIP("127.0.0.2"), Port: 5432}, packet(3 << 16), false},
		{"start-up to ::1", &net.TCPAddr{IP: net.ParseIP("::1"), Port: 5432}, packet(3 << 16), false},
		{"start-up over a unix socket", &net.UnixAddr{Name: "/tmp/.s.PGSQL.5432", Net: "unix"}, packet(3 << 16), false},
		{"a short write", network, []byte{0, 0, 0}, false},
	} {
		if got := startsUpInClear(c.remote, c.first); got != c.clear {
			t.Errorf("%s: %v, want %v", c.name, got, c.clear)
		}
	}
}
