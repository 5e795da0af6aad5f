package idempotency_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
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

// When the store is full, expired entries go first, then completed ones
// (soonest expiry first); live claims are never dropped, and a claim that
// does not fit fails with ErrStoreFull, which also means "unavailable".
func TestMemoryStoreFullOfLiveClaimsRefusesNewKeys(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	s := idempotency.NewMemoryStore(idempotency.WithClock(clk.Now), idempotency.WithMaxEntries(3), idempotency.WithSweepInterval(time.Hour))

	claim := func(key string, lease time.Duration) idempotency.Claim {
		t.Helper()
		c, err := s.Claim(ctx, key, "fp", lease)
		require.NoError(t, err)
		require.Equal(t, idempotency.Acquired, c.State)
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

func TestMemoryStoreByteBudget(t *testing.T) {
	ctx := context.Background()
	s := idempotency.NewMemoryStore(idempotency.WithMaxBytes(64 << 10))
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

func TestMiddlewareAnswers503WhenTheStoreIsFull(t *testing.T) {
	block := make(chan struct{})
	started := make(chan struct{}, 1)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-block
	})
	h := idempotency.Middleware(idempotency.NewMemoryStore(idempotency.WithMaxEntries(1)), quiet)(next)
	done := make(chan struct{})
	go func() { defer close(done); do(t, h, http.MethodPost, "/", "first", "x") }()
	<-started
	w := do(t, h, http.MethodPost, "/", "second", "x")
	requireProblem(t, w, http.StatusServiceUnavailable, "unavailable")
	require.Equal(t, "1", w.Header().Get("Retry-After"))
	close(block)
	<-done
}

// Open returns a nil interface with the error even when a misbehaving
// opener returns a typed nil pointer beside it.
func TestOpenFailureReturnsNilStore(t *testing.T) {
	idempotency.Register("typed-nil-test", func(context.Context, *url.URL) (idempotency.Store, error) {
		var s *idempotency.MemoryStore
		return s, errors.New("cannot open")
	})
	idempotency.Register("typed-nil-ok-test", func(context.Context, *url.URL) (idempotency.Store, error) {
		var s *idempotency.MemoryStore
		return s, nil
	})
	s, err := idempotency.Open(context.Background(), "typed-nil-test://x")
	require.EqualError(t, err, "cannot open")
	require.True(t, s == nil, "got %#v", s)
	s, err = idempotency.Open(context.Background(), "typed-nil-ok-test://x")
	require.Error(t, err)
	require.True(t, s == nil, "got %#v", s)
}
