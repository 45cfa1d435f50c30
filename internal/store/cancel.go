package store

import (
	"context"
	"net"
	"sync"
	"time"
)

// cancelWait bounds how long DB.Close waits for its cancel requests.
const cancelWait = 2 * time.Second

// cancelDialer dials like lib/pq's own dialer and counts the connections
// still open. Once the pool's own are closed (DB.Close), what remains is a
// cancel request in flight: lib/pq sends it on a connection of its own,
// from a goroutine nobody waits for, and the server or pooler closes that
// connection once it has handled the request.
type cancelDialer struct {
	net.Dialer
	open sync.WaitGroup
}

func (d *cancelDialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

func (d *cancelDialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return d.DialContext(ctx, network, address)
}

func (d *cancelDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	c, err := d.Dialer.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	d.open.Add(1)
	return &countedConn{Conn: c, done: d.open.Done}, nil
}

// wait waits for every connection to be closed, at most limit.
func (d *cancelDialer) wait(limit time.Duration) {
	done := make(chan struct{})
	go func() { d.open.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(limit):
	}
}

// countedConn tells its dialer when it is closed, once.
type countedConn struct {
	net.Conn
	once sync.Once
	done func()
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.done)
	return err
}
