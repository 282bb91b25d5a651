package benchkit

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantc/tenantc/internal/roundtrip"
)

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
// of its own: one connection of e.App whose socket a roundtrip.Counter
// counts (pgconn's DialFunc), in the same exec mode as e.Pool, and never pinged on
// acquire.
func (e *Env) RoundTrips(ctx context.Context) ([]RoundTrip, error) {
	var trips roundtrip.Counter
	cfg, err := pgxpool.ParseConfig(e.AppURL)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = 1
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	cfg.ConnConfig.DefaultQueryExecMode = e.Pool.Config().ConnConfig.DefaultQueryExecMode
	cfg.ConnConfig.DialFunc = trips.Dial
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
			trips.Reset()
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
