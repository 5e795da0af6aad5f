package idempotency_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/storetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) idempotency.Store {
		s := idempotency.NewMemoryStore()
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestMemoryStoreSweepsExpiredEntries(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	s := idempotency.NewMemoryStore(idempotency.WithClock(clk.Now), idempotency.WithSweepInterval(time.Minute))

	c, err := s.Claim(ctx, "done", "fp", time.Second)
	require.NoError(t, err)
	require.NoError(t, s.Complete(ctx, "done", c.Token, idempotency.Record{Status: 200}, 10*time.Second))
	_, err = s.Claim(ctx, "abandoned", "fp", time.Second)
	require.NoError(t, err)
	_, err = s.Claim(ctx, "long", "fp", time.Hour)
	require.NoError(t, err)
	require.Equal(t, 3, s.Len())

	// Within the sweep interval nothing is swept, but expiry still holds.
	clk.Advance(30 * time.Second)
	c, err = s.Claim(ctx, "done", "fp", time.Second)
	require.NoError(t, err)
	require.Equal(t, idempotency.Acquired, c.State, "TTL ran out on the fake clock")
	require.Equal(t, 3, s.Len())

	// Past the interval the next Claim sweeps everything expired.
	clk.Advance(time.Minute)
	_, err = s.Claim(ctx, "other", "fp", time.Hour)
	require.NoError(t, err)
	require.Equal(t, 2, s.Len(), "only the live leases remain")

	clk.Advance(2 * time.Hour)
	require.Equal(t, 2, s.Sweep())
	require.Equal(t, 0, s.Len())
}

func TestMemoryStoreFakeClockLeaseTakeover(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	s := idempotency.NewMemoryStore(idempotency.WithClock(clk.Now))
	c1, err := s.Claim(ctx, "k", "a", time.Second)
	require.NoError(t, err)
	clk.Advance(999 * time.Millisecond)
	c, err := s.Claim(ctx, "k", "b", time.Second)
	require.NoError(t, err)
	require.Equal(t, idempotency.InProgress, c.State)
	clk.Advance(time.Millisecond)
	c2, err := s.Claim(ctx, "k", "b", time.Second)
	require.NoError(t, err)
	require.Equal(t, idempotency.Acquired, c2.State, "a lease ends exactly at its duration")
	require.ErrorIs(t, s.Complete(ctx, "k", c1.Token, idempotency.Record{}, time.Hour), idempotency.ErrLeaseLost)
	require.NoError(t, s.Complete(ctx, "k", c2.Token, idempotency.Record{}, time.Hour))
}

func TestMemoryStoreClosed(t *testing.T) {
	s := idempotency.NewMemoryStore()
	require.NoError(t, s.Close())
	c, err := s.Claim(context.Background(), "k", "fp", time.Second)
	require.ErrorIs(t, err, idempotency.ErrClosed)
	require.NotEqual(t, idempotency.Acquired, c.State)
	storetest.ErrorIsNotAcquired(t, s)
}

func TestOpenMemory(t *testing.T) {
	s, err := idempotency.Open(context.Background(), "memory://")
	require.NoError(t, err)
	require.IsType(t, &idempotency.MemoryStore{}, s)
	require.NoError(t, s.Close())
	require.Contains(t, idempotency.Schemes(), "memory")

	_, err = idempotency.Open(context.Background(), "nosuch://user:hunter2@host")
	require.ErrorIs(t, err, idempotency.ErrUnknownScheme)
	require.NotContains(t, err.Error(), "hunter2")
	_, err = idempotency.Open(context.Background(), "redis://user:hunter2@host:port:bad\x7f")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "hunter2")
}
