package idempotency_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
	"github.com/switchboard-go/switchboard/idempotency/storetest"
)

// storeLog records what a StoreObserver receives.
type storeLog struct {
	mu   sync.Mutex
	ops  []string
	ctxs int
}

type ctxMark struct{}

func (l *storeLog) observer() *idempotency.StoreObserver {
	return &idempotency.StoreObserver{
		StoreStart: func(ctx context.Context, op idempotency.StoreOp) context.Context {
			return context.WithValue(ctx, ctxMark{}, op.Operation)
		},
		StoreEnd: func(ctx context.Context, op idempotency.StoreOp, res idempotency.StoreResult) {
			l.mu.Lock()
			defer l.mu.Unlock()
			if ctx.Value(ctxMark{}) == op.Operation {
				l.ctxs++
			}
			l.ops = append(l.ops, op.Backend+" "+op.Operation+" "+res.Outcome)
		},
	}
}

func (l *storeLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.ops...)
}

// An observed store is still a store: the conformance suite passes through
// the wrapper.
func TestObservedStoreConformance(t *testing.T) {
	var log storeLog
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) idempotency.Store {
			s, err := memstore.New()
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return idempotency.ObserveStore(s, log.observer())
		},
		NewWithClock: func(t *testing.T, now func() time.Time) idempotency.Store {
			s, err := memstore.New(memstore.WithClock(now))
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return idempotency.ObserveStore(s, log.observer())
		},
	})
	require.NotEmpty(t, log.list())
}

func TestObservedStoreReportsOperationsAndOutcomes(t *testing.T) {
	mem, err := memstore.New()
	require.NoError(t, err)
	var log storeLog
	s := idempotency.ObserveStore(mem, log.observer())
	require.Same(t, mem, s.(interface{ Unwrap() idempotency.Store }).Unwrap())
	ctx := context.Background()
	c, err := s.Claim(ctx, "k", "fp", time.Minute)
	require.NoError(t, err)
	_, err = s.Claim(ctx, "k", "fp", time.Minute)
	require.NoError(t, err)
	require.NoError(t, s.Complete(ctx, "k", c.Token, idempotency.Record{Status: 200}, time.Minute))
	_, err = s.Claim(ctx, "k", "fp", time.Minute)
	require.NoError(t, err)
	require.ErrorIs(t, s.Release(ctx, "k", c.Token), idempotency.ErrLeaseLost)
	_, err = s.Claim(ctx, "", "fp", time.Minute)
	require.ErrorIs(t, err, idempotency.ErrInvalidKey)
	require.NoError(t, s.Close())
	_, err = s.Claim(ctx, "k2", "fp", time.Minute)
	require.ErrorIs(t, err, idempotency.ErrClosed)
	require.Equal(t, []string{
		"memstore claim acquired", "memstore claim in_progress", "memstore complete ok", "memstore claim completed",
		"memstore release lease_lost", "memstore claim invalid_key", "memstore close ok", "memstore claim unavailable",
	}, log.list())
	require.Equal(t, 8, log.ctxs, "StoreEnd gets the context StoreStart returned")
	require.Same(t, mem, idempotency.ObserveStore(mem, nil), "a nil observer wraps nothing")
}

func TestMiddlewareObserver(t *testing.T) {
	_, err := idempotency.NewMiddleware(newMemStore(t), idempotency.WithObserver(nil))
	require.ErrorIs(t, err, idempotency.ErrInvalidConfig)

	type seen struct {
		outcome string
		status  int
		inCtx   bool
	}
	var got []seen
	obs := &idempotency.Observer{
		RequestStart: func(ctx context.Context, r idempotency.RequestInfo) context.Context {
			return context.WithValue(ctx, ctxMark{}, r.Method)
		},
		RequestEnd: func(ctx context.Context, r idempotency.RequestInfo, res idempotency.RequestResult) {
			got = append(got, seen{res.Outcome, res.StatusCode, ctx.Value(ctxMark{}) == r.Method})
		},
	}
	mw, err := idempotency.NewMiddleware(newMemStore(t), idempotency.WithObserver(obs))
	require.NoError(t, err)
	var handlerSawCtx bool
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlerSawCtx = r.Context().Value(ctxMark{}) == http.MethodPost
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	send := func(path, key string) {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader("body"))
		if key != "" {
			r.Header.Set("Idempotency-Key", key)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	send("/", `"a"`)
	require.True(t, handlerSawCtx, "the handler runs on the context RequestStart returned")
	send("/", `"a"`)
	send("/fail", `"b"`)
	send("/", `"`+strings.Repeat("x", 300)+`"`)
	send("/", "")
	require.PanicsWithValue(t, "boom", func() { send("/panic", `"c"`) })
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	h.ServeHTTP(httptest.NewRecorder(), r)
	require.Equal(t, []seen{
		{"stored", 200, true}, {"replayed", 200, true}, {"released", 502, true}, {"invalid", 400, true},
		{"no_key", 200, true}, {"panic", 0, true},
	}, got, "one observation per guarded request, even when the handler panics; none for unguarded methods")
}

func newMemStore(t *testing.T) idempotency.Store {
	s, err := memstore.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}
