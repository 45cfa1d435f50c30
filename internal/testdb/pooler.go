package testdb

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"github.com/inboxctl/inboxctl/internal/pglocal"
	"github.com/inboxctl/inboxctl/internal/store"
)

// PoolSize is the test pooler's server connections per database: fewer
// than the clients the pooler tests run at once.
const PoolSize = 4

var (
	poolerOnce sync.Once
	pooler     *pglocal.Pooler
	poolerErr  error
)

// Pooler is the test binary's pgbouncer in pool_mode=transaction (pool of
// PoolSize per database) in front of the test server, started on first
// use and stopped with the server.
func Pooler(t testing.TB) *pglocal.Pooler {
	t.Helper()
	poolerOnce.Do(func() { pooler, poolerErr = startPooler() })
	poolerFailed(t, poolerErr)
	return pooler
}

// poolerFailed ends the test when the pooler did not start. Only the
// deployment tests (go test -tags deployment, README "Development") start
// one, and they need pgbouncer installed (.ci/run installs it): without it
// they fail and say so.
func poolerFailed(t testing.TB, err error) {
	t.Helper()
	switch {
	case err == nil:
	case errors.Is(err, pglocal.ErrNoPgbouncer):
		t.Fatalf("the deployment tests need pgbouncer (apt-get install pgbouncer; .ci/run installs it): %v", err)
	default:
		t.Fatalf("start pgbouncer: %v", err)
	}
}

// OwnPooler is a pgbouncer like Pooler's for the test alone (a test that
// may kill it), stopped when the test ends.
func OwnPooler(t testing.TB) *pglocal.Pooler {
	t.Helper()
	p, err := startPooler()
	poolerFailed(t, err)
	t.Cleanup(func() { p.Close() })
	return p
}

func startPooler() (*pglocal.Pooler, error) {
	up := pglocal.Upstream{}
	if server != nil {
		up = server.Upstream()
	} else {
		ep, err := store.EndpointOf(baseURL)
		if err != nil {
			return nil, err
		}
		up = pglocal.Upstream{Host: ep.Host, Port: ep.Port, User: ep.User, Password: ep.Password}
	}
	return pglocal.StartPooler(context.Background(), up, pglocal.PoolerOptions{PoolSize: PoolSize})
}

// ThroughPooler is the URL u (a database of the test server) reached
// through the pooler p instead.
func ThroughPooler(p *pglocal.Pooler, u string) string {
	parsed, err := url.Parse(u)
	if err != nil || parsed.Scheme == "" {
		return fmt.Sprintf("%s host=%s port=%d sslmode=disable", u, p.Host(), p.Port())
	}
	q := parsed.Query()
	q.Set("host", p.Host())
	q.Set("port", strconv.Itoa(p.Port()))
	q.Set("sslmode", "disable")
	parsed.RawQuery = q.Encode()
	parsed.Host = ""
	return parsed.String()
}

func stopPooler() {
	if pooler != nil {
		pooler.Close()
	}
}
