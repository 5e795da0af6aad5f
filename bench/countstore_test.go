package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
)

func TestCountingStore(t *testing.T) {
	ctx := context.Background()
	mem, err := memstore.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = mem.Close() })
	cs := &countingStore{Store: mem}

	c, err := cs.Claim(ctx, "k1", "fp", time.Minute)
	require.NoError(t, err)
	require.Equal(t, idempotency.Acquired, c.State)
	require.NoError(t, cs.Complete(ctx, "k1", c.Token, idempotency.Record{Status: 200}, time.Hour))
	require.EqualValues(t, 2, cs.total(), "claim and complete are two round trips")
	require.InDelta(t, 2.0, cs.perEvent(1), 1e-9)

	c, err = cs.Claim(ctx, "k2", "fp", time.Minute)
	require.NoError(t, err)
	require.NoError(t, cs.Release(ctx, "k2", c.Token))
	dup, err := cs.Claim(ctx, "k1", "fp", time.Minute)
	require.NoError(t, err)
	require.Equal(t, idempotency.Completed, dup.State, "the wrapper passes results through")
	require.EqualValues(t, 3, cs.claims.Load())
	require.EqualValues(t, 1, cs.completes.Load())
	require.EqualValues(t, 1, cs.releases.Load())
	require.EqualValues(t, 5, cs.total())

	require.Zero(t, cs.perEvent(0), "no events, no ratio")
	cs.reset()
	require.Zero(t, cs.total())
}

func TestPrepareDeliveries(t *testing.T) {
	ds := prepareDeliveries("x", 3)
	require.Len(t, ds, 3)
	for i, d := range ds {
		require.Contains(t, string(d.body), `"evt_x0000000`)
		require.Contains(t, d.sig, ",v1=")
		if i > 0 {
			require.NotEqual(t, ds[i-1].body, d.body, "every delivery carries its own event")
		}
	}
}
