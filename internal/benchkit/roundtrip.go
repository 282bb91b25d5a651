package benchkit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// countingConn counts round trips on one connection, as tenant's tests do: a
// round trip begins with the first client write after a read from the server
// (or the first write of all). Counting Write calls would be wrong both ways:
// pgx may flush one message group in several writes, and it writes a
// pipeline's Sync without waiting. "The client writes, then waits for the
// server" is what a round trip costs, whatever the protocol. With TLS the
// wrapper sees the encrypted records, which keep the same turn-taking.
type countingConn struct {
	net.Conn
	trips    *atomic.Int64
	mu       sync.Mutex
	readLast bool
}

func (c *countingConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	if c.readLast {
		c.trips.Add(1)
		c.readLast = false
	}
	c.mu.Unlock()
	return c.Conn.Write(b)
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.mu.Lock()
		c.readLast = true
		c.mu.Unlock()
	}
	return n, err
}

// RoundTrip is the number of round trips one call takes.
type RoundTrip struct {
	Variant string
	Op      Op
	PerCall float64
}

// roundTripCalls are counted per variant and op, after as many warm-up calls
// (pgx prepares a statement on its first use on a connection).
const roundTripCalls = 100

// RoundTrips counts round trips per call of every variant and op, on a pool
// of its own: one connection of e.App whose socket is wrapped in a counter
// (pgconn's DialFunc), in the same exec mode as e.Pool, and never pinged on
// acquire.
func (e *Env) RoundTrips(ctx context.Context) ([]RoundTrip, error) {
	var trips atomic.Int64
	cfg, err := pgxpool.ParseConfig(e.AppURL)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = 1
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	cfg.ConnConfig.DefaultQueryExecMode = e.Pool.Config().ConnConfig.DefaultQueryExecMode
	cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{KeepAlive: 5 * time.Minute}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countingConn{Conn: conn, trips: &trips, readLast: true}, nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("benchkit: counting pool: %w", err)
	}
	defer pool.Close()

	rng := rand.New(rand.NewPCG(1, 2))
	var out []RoundTrip
	for _, v := range e.Variants(pool) {
		for _, op := range Ops {
			for range roundTripCalls { // warm: connection up, statements prepared
				if err := v.Do(ctx, op, e.RandomKey(rng)); err != nil {
					return nil, err
				}
			}
			trips.Store(0)
			for range roundTripCalls {
				if err := v.Do(ctx, op, e.RandomKey(rng)); err != nil {
					return nil, err
				}
			}
			out = append(out, RoundTrip{Variant: v.Name, Op: op, PerCall: float64(trips.Load()) / roundTripCalls})
		}
	}
	return out, nil
}
