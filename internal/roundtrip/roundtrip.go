// Package roundtrip counts the round trips a PostgreSQL client makes, on the
// socket: tenant's tests, orgstore's ListMembers benchmark and
// internal/benchkit all assert or report "one call costs N round trips" with
// this one counter. It is a plain package (no testing import) because
// benchkit, which the bench command links, uses it too.
//
// A round trip begins with the first client write after a read from the
// server (or the first write of all). Counting Write calls would be wrong
// both ways: pgx may flush one message group in several writes, and it
// writes a pipeline's Sync after its queued messages without waiting.
// Counting Sync messages would miss the simple protocol, which has none.
// "The client writes, then waits for the server" is what a round trip costs,
// whatever the protocol. With TLS the counter sees the encrypted records,
// which keep the same turn-taking.
package roundtrip

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Counter counts the round trips of every connection it dialled or wrapped.
// The zero value is ready; it must not be copied after first use.
type Counter struct {
	trips atomic.Int64
}

// Dial is a pgconn.DialFunc (pgconn.Config.DialFunc, or
// pgxpool.Config.ConnConfig.DialFunc) that dials as pgconn does by default
// and counts the connection's round trips.
func (c *Counter) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := (&net.Dialer{KeepAlive: 5 * time.Minute}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return c.Wrap(conn), nil
}

// Wrap returns conn with its round trips counted by c.
func (c *Counter) Wrap(conn net.Conn) net.Conn {
	return &countingConn{Conn: conn, c: c, readLast: true}
}

// Load returns the round trips counted since the counter was made or Reset.
func (c *Counter) Load() int64 { return c.trips.Load() }

// Reset sets the count back to zero, e.g. after warm-up calls.
func (c *Counter) Reset() { c.trips.Store(0) }

// countingConn is one counted connection. readLast starts true so that the
// first write of all counts.
type countingConn struct {
	net.Conn
	c        *Counter
	mu       sync.Mutex
	readLast bool
}

func (cc *countingConn) Write(b []byte) (int, error) {
	cc.mu.Lock()
	if cc.readLast {
		cc.c.trips.Add(1)
		cc.readLast = false
	}
	cc.mu.Unlock()
	return cc.Conn.Write(b)
}

func (cc *countingConn) Read(b []byte) (int, error) {
	n, err := cc.Conn.Read(b)
	if n > 0 {
		cc.mu.Lock()
		cc.readLast = true
		cc.mu.Unlock()
	}
	return n, err
}
