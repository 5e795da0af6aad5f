package memstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
	"github.com/switchboard-go/switchboard/idempotency/storetest"
)

func newStore(t *testing.T, opts ...memstore.Option) *memstore.Store {
	t.Helper()
	s, err := memstore.New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) idempotency.Store { return newStore(t) },
		NewWithClock: func(t *testing.T, now func() time.Time) idempotency.Store {
			return newStore(t, memstore.WithClock(now))
		},
		InjectError: func(t *testing.T, s idempotency.Store, kind error) bool {
			if kind != idempotency.ErrStoreFull {
				return false // a memory store has no outage
			}
			// Fill the store with live claims.
			for i := 0; ; i++ {
				_, err := s.Claim(context.Background(), fmt.Sprintf("filler-%d", i), "fp", time.Hour)
				if err != nil {
					require.ErrorIs(t, err, idempotency.ErrStoreFull)
					return true
				}
			}
		},
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

func TestReapDeletesExpiredEntries(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	s := newStore(t, memstore.WithClock(clk.Now), memstore.WithReapInterval(time.Minute))

	c, err := s.Claim(ctx, "done", "fp", time.Second)
	require.NoError(t, err)
	require.NoError(t, s.Complete(ctx, "done", c.Token, idempotency.Record{Status: 200}, 10*time.Second))
	_, err = s.Claim(ctx, "abandoned", "fp", time.Second)
	require.NoError(t, err)
	_, err = s.Claim(ctx, "long", "fp", time.Hour)
	require.NoError(t, err)
	require.Equal(t, 3, s.Len())

	// Within the reap interval nothing is deleted, but expiry still holds.
	clk.Advance(30 * time.Second)
	c, err = s.Claim(ctx, "done", "fp", time.Second)
	require.NoError(t, err)
	require.Equal(t, idempotency.Acquired, c.State, "TTL ran out on the fake clock")
	require.Equal(t, 3, s.Len())

	// Past the interval the next Claim deletes everything expired.
	clk.Advance(time.Minute)
	_, err = s.Claim(ctx, "other", "fp", time.Hour)
	require.NoError(t, err)
	require.Equal(t, 2, s.Len(), "only the live leases remain")

	clk.Advance(2 * time.Hour)
	require.Equal(t, 2, s.Reap())
	require.Equal(t, 0, s.Len())
	require.Zero(t, s.Bytes(), "every byte is accounted back")
}

// When the store is full, expired entries go first, then completed ones
// (soonest expiry first); live claims are never dropped, and a claim that
// does not fit fails with ErrStoreFull, which also means "unavailable".
func TestFullOfLiveClaimsRefusesNewKeys(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	s := newStore(t, memstore.WithClock(clk.Now), memstore.WithMaxEntries(3), memstore.WithReapInterval(time.Hour))

	claim := func(key string, lease time.Duration) idempotency.Claim {
		t.Helper()
		c, err := s.Claim(ctx, key, "fp", lease)
		require.NoError(t, err)
		require.Equal(t, idempotency.Acquired, c.State, key)
		return c
	}
	complete := func(key string, c idempotency.Claim, ttl time.Duration) {
		t.Helper()
		require.NoError(t, s.Complete(ctx, key, c.Token, idempotency.Record{Status: 200}, ttl))
	}
	complete("done-late", claim("done-late", time.Minute), 2*time.Hour)
	complete("done-soon", claim("done-soon", time.Minute), time.Hour)
	claim("expiring", time.Second)
	clk.Advance(2 * time.Second)

	// The expired claim makes room first; both completed keys stay.
	live1 := claim("live-1", time.Hour)
	require.Equal(t, 3, s.Len())
	for _, k := range []string{"done-late", "done-soon"} {
		c, err := s.Claim(ctx, k, "fp", time.Minute)
		require.NoError(t, err)
		require.Equal(t, idempotency.Completed, c.State, k)
	}
	// Then the completed key nearest to its expiry.
	claim("live-2", time.Hour)
	c, err := s.Claim(ctx, "done-late", "fp", time.Minute)
	require.NoError(t, err)
	require.Equal(t, idempotency.Completed, c.State, "the later-expiring completed key is kept")
	claim("live-3", time.Hour)

	// Now only live claims are left.
	_, err = s.Claim(ctx, "one-too-many", "fp", time.Hour)
	require.ErrorIs(t, err, idempotency.ErrStoreFull)
	require.ErrorIs(t, err, idempotency.ErrUnavailable)
	require.Contains(t, err.Error(), "WithMaxEntries")
	require.Equal(t, 3, s.Len())
	for _, k := range []string{"live-1", "live-2", "live-3"} {
		c, err := s.Claim(ctx, k, "fp", time.Hour)
		require.NoError(t, err)
		require.Equal(t, idempotency.InProgress, c.State, "a live claim is never dropped: %s", k)
	}
	// Releasing one makes room again.
	require.NoError(t, s.Release(ctx, "live-1", live1.Token))
	claim("one-too-many", time.Hour)
}

func TestByteBudget(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, memstore.WithMaxBytes(64<<10))
	body := make([]byte, 20<<10)
	for i := range 10 {
		key := fmt.Sprintf("k%d", i)
		c, err := s.Claim(ctx, key, "fp", time.Minute)
		require.NoError(t, err)
		require.NoError(t, s.Complete(ctx, key, c.Token, idempotency.Record{Status: 200, Body: body}, time.Duration(i+1)*time.Hour))
		require.LessOrEqual(t, s.Bytes(), int64(64<<10))
	}
	require.Equal(t, 3, s.Len(), "three 20 KiB records fit in 64 KiB")
	// The most recent keys, which expire last, are the ones kept.
	for i := 7; i < 10; i++ {
		c, err := s.Claim(ctx, fmt.Sprintf("k%d", i), "fp", time.Minute)
		require.NoError(t, err)
		require.Equal(t, idempotency.Completed, c.State)
	}

	// A record larger than the whole budget is refused; the claim stays.
	c, err := s.Claim(ctx, "huge", "fp", time.Minute)
	require.NoError(t, err)
	err = s.Complete(ctx, "huge", c.Token, idempotency.Record{Status: 200, Body: make([]byte, 65<<10)}, time.Hour)
	require.ErrorIs(t, err, idempotency.ErrStoreFull)
	require.Contains(t, err.Error(), "WithMaxBytes")
	got, err := s.Claim(ctx, "huge", "fp", time.Minute)
	require.NoError(t, err)
	require.Equal(t, idempotency.InProgress, got.State)
	require.NoError(t, s.Complete(ctx, "huge", c.Token, idempotency.Record{Status: 200, Body: []byte("small")}, time.Hour))
}

func TestOptionsOutOfRangeAreErrors(t *testing.T) {
	tests := map[string]memstore.Option{
		"WithClock":        memstore.WithClock(nil),
		"WithReapInterval": memstore.WithReapInterval(0),
		"WithMaxEntries":   memstore.WithMaxEntries(-1),
		"WithMaxBytes":     memstore.WithMaxBytes(0),
	}
	for name, opt := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := memstore.New(opt)
			require.ErrorIs(t, err, idempotency.ErrInvalidConfig)
			require.Contains(t, err.Error(), name)
			require.Nil(t, s)
		})
	}
}

func TestOpenURL(t *testing.T) {
	ctx := context.Background()
	s, err := idempotency.Open(ctx, "memory://")
	require.NoError(t, err)
	require.IsType(t, &memstore.Store{}, s)
	require.NoError(t, s.Close())
	require.Contains(t, idempotency.Schemes(), "memory")

	s, err = idempotency.Open(ctx, "memory://?max_entries=2&max_bytes=1048576&reap_interval=30s")
	require.NoError(t, err)
	for i := range 2 {
		_, err := s.Claim(ctx, fmt.Sprint(i), "fp", time.Hour)
		require.NoError(t, err)
	}
	_, err = s.Claim(ctx, "third", "fp", time.Hour)
	require.ErrorIs(t, err, idempotency.ErrStoreFull, "max_entries maps to WithMaxEntries")
	require.NoError(t, s.Close())

	bad := map[string]string{
		"memory://?max_entrys=2":            `unknown URL parameter "max_entrys"`,
		"memory://?max_entries=lots":        `"max_entries" must be an integer`,
		"memory://?max_entries=0":           "WithMaxEntries",
		"memory://?reap_interval=5":         `"reap_interval" must be a duration`,
		"memory://?max_bytes=1&max_bytes=2": `"max_bytes" is given 2 times`,
		"memory://somewhere/else":           "names no host or path",
	}
	for raw, want := range bad {
		t.Run(raw, func(t *testing.T) {
			s, err := idempotency.Open(ctx, raw)
			require.ErrorIs(t, err, idempotency.ErrInvalidConfig)
			require.Contains(t, err.Error(), want)
			require.True(t, s == nil, "a failed Open returns a nil interface")
		})
	}
}

// The documented default bounds hold: DefaultMaxEntries live claims fit,
// one more does not.
func TestDefaultBounds(t *testing.T) {
	if testing.Short() {
		t.Skip("claims 100,000 keys")
	}
	ctx := context.Background()
	s := newStore(t)
	for i := range memstore.DefaultMaxEntries {
		_, err := s.Claim(ctx, fmt.Sprintf("key-%06d", i), "fingerprint", time.Hour)
		require.NoError(t, err)
	}
	_, err := s.Claim(ctx, "one-more", "fingerprint", time.Hour)
	require.ErrorIs(t, err, idempotency.ErrStoreFull)
	require.Equal(t, 100_000, memstore.DefaultMaxEntries)
	require.Equal(t, int64(64<<20), memstore.DefaultMaxBytes)
	require.Less(t, s.Bytes(), memstore.DefaultMaxBytes, "the entry bound binds first for small claims")
}
