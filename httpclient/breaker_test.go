package httpclient

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBreakerOpensAndRecovers(t *testing.T) {
	var healthy atomic.Bool
	rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		if healthy.Load() {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
	})
	other := newRecorder(t, statuses(200))
	var s sleeps
	c := mustNew(t, withClock(nil, s.sleep, nil), WithRetries(0),
		WithCircuitBreaker(WithBreakerFailures(3), WithBreakerOpenTimeout(50*time.Millisecond)))
	ctx := context.Background()

	for range 3 {
		_, err := c.Get(ctx, rec.srv.URL+"/x")
		require.ErrorIs(t, err, ErrServerError)
	}
	require.Equal(t, 3, rec.count())

	// Open: refused at once, the server is not called.
	_, err := c.Get(ctx, rec.srv.URL+"/x")
	require.ErrorIs(t, err, ErrCircuitOpen)
	require.Equal(t, 3, rec.count())

	// Another host has its own breaker.
	_, err = c.Get(ctx, other.srv.URL+"/y")
	require.NoError(t, err)

	// After the open timeout a probe goes through and closes the breaker.
	healthy.Store(true)
	require.Eventually(t, func() bool {
		_, err := c.Get(ctx, rec.srv.URL+"/x")
		return err == nil
	}, 10*time.Second, 10*time.Millisecond)
	for range 5 {
		_, err := c.Get(ctx, rec.srv.URL+"/x")
		require.NoError(t, err)
	}
}

func TestBreakerStopsRetries(t *testing.T) {
	rec := newRecorder(t, statuses(503))
	var s sleeps
	c := fastClient(rec, &s, WithRetries(5), WithCircuitBreaker(WithBreakerFailures(2), WithBreakerOpenTimeout(time.Hour)))
	_, err := c.Get(context.Background(), "/")
	require.ErrorIs(t, err, ErrCircuitOpen)
	require.ErrorIs(t, err, ErrServerError, "the last answer is kept")
	require.Equal(t, 2, rec.count())
}

func TestBreakerIgnoresRateLimitsAndClientErrors(t *testing.T) {
	rec := newRecorder(t, statuses(429, 429, 429, 429, 404, 404, 404, 404))
	var s sleeps
	c := fastClient(rec, &s, WithRetries(0), WithCircuitBreaker(WithBreakerFailures(2), WithBreakerOpenTimeout(time.Hour)))
	for range 4 {
		_, err := c.Get(context.Background(), "/")
		require.ErrorIs(t, err, ErrRateLimited)
	}
	for range 4 {
		_, err := c.Get(context.Background(), "/")
		require.ErrorIs(t, err, ErrClientError)
	}
	require.Equal(t, 8, rec.count())
}

func TestBreakerCountsConnectionErrors(t *testing.T) {
	var s sleeps
	c := mustNew(t, WithBaseURL("http://127.0.0.1:1"), WithRetries(0), withClock(nil, s.sleep, nil),
		WithCircuitBreaker(WithBreakerFailures(2), WithBreakerOpenTimeout(time.Hour), WithBreakerHalfOpenRequests(2), WithBreakerInterval(time.Hour)))
	for range 2 {
		_, err := c.Get(context.Background(), "/")
		require.Error(t, err)
		require.NotErrorIs(t, err, ErrCircuitOpen)
	}
	_, err := c.Get(context.Background(), "/")
	require.ErrorIs(t, err, ErrCircuitOpen)
}
