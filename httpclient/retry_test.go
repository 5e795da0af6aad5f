package httpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRetryCountsPerStatus(t *testing.T) {
	tests := []struct {
		status   int
		attempts int
		sentinel error
	}{
		{http.StatusOK, 1, nil},
		{http.StatusCreated, 1, nil},
		{http.StatusBadRequest, 1, ErrClientError},
		{http.StatusUnauthorized, 1, ErrClientError},
		{http.StatusNotFound, 1, ErrClientError},
		{http.StatusConflict, 1, ErrClientError},
		{http.StatusRequestTimeout, 3, ErrClientError},
		{http.StatusTooManyRequests, 3, ErrRateLimited},
		{http.StatusInternalServerError, 3, ErrServerError},
		{http.StatusNotImplemented, 1, ErrServerError},
		{http.StatusBadGateway, 3, ErrServerError},
		{http.StatusServiceUnavailable, 3, ErrServerError},
		{http.StatusGatewayTimeout, 3, ErrServerError},
		{http.StatusHTTPVersionNotSupported, 1, ErrServerError},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			rec := newRecorder(t, statuses(tt.status))
			var s sleeps
			c := fastClient(rec, &s)
			resp, err := c.Get(context.Background(), "/thing")
			require.Equal(t, tt.attempts, rec.count())
			require.Len(t, s.waits(), tt.attempts-1)
			if tt.sentinel == nil {
				require.NoError(t, err)
				require.Equal(t, tt.status, resp.StatusCode)
				require.Equal(t, 1, resp.Attempts)
				return
			}
			require.ErrorIs(t, err, tt.sentinel)
			var se *StatusError
			require.ErrorAs(t, err, &se)
			require.Equal(t, tt.status, se.StatusCode)
		})
	}
}

func TestRetriesOption(t *testing.T) {
	for _, n := range []int{0, 1, 4} {
		rec := newRecorder(t, statuses(503))
		var s sleeps
		_, err := fastClient(rec, &s, WithRetries(n)).Get(context.Background(), "/")
		require.ErrorIs(t, err, ErrServerError)
		require.Equal(t, n+1, rec.count())
	}
}

func TestRetryThenSuccess(t *testing.T) {
	rec := newRecorder(t, statuses(502, 504, 200))
	var s sleeps
	resp, err := fastClient(rec, &s).Get(context.Background(), "/ok")
	require.NoError(t, err)
	require.Equal(t, 3, resp.Attempts)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, `{"n":3}`, string(resp.Body))
}

func TestMethodsRetried(t *testing.T) {
	tests := []struct {
		method   string
		opts     []RequestOption
		auto     bool
		attempts int
	}{
		{http.MethodGet, nil, false, 3},
		{http.MethodHead, nil, false, 3},
		{http.MethodOptions, nil, false, 3},
		{http.MethodPut, nil, false, 3},
		{http.MethodDelete, nil, false, 3},
		{http.MethodPost, nil, false, 1},
		{http.MethodPatch, nil, false, 1},
		{"TRACE", nil, false, 1},
		{http.MethodPost, []RequestOption{WithIdempotencyKey("key-1")}, false, 3},
		{http.MethodPatch, []RequestOption{WithIdempotencyKey("key-2")}, false, 3},
		{http.MethodPost, []RequestOption{WithRequestHeader("Idempotency-Key", "key-3")}, false, 3},
		{http.MethodPost, nil, true, 3},
		{http.MethodPatch, nil, true, 3},
	}
	for _, tt := range tests {
		name := tt.method
		if len(tt.opts) > 0 {
			name += "/key"
		}
		if tt.auto {
			name += "/auto"
		}
		t.Run(name, func(t *testing.T) {
			rec := newRecorder(t, statuses(503))
			var s sleeps
			c := fastClient(rec, &s, WithAutoIdempotencyKeys(tt.auto))
			_, err := c.Do(context.Background(), tt.method, "/m", nil, tt.opts...)
			require.ErrorIs(t, err, ErrServerError)
			reqs := rec.requests()
			require.Len(t, reqs, tt.attempts)
			key := reqs[0].Header.Get("Idempotency-Key")
			if len(tt.opts) > 0 || tt.auto {
				require.NotEmpty(t, key)
			} else {
				require.Empty(t, key)
			}
			for _, r := range reqs {
				require.Equal(t, tt.method, r.Method)
				require.Equal(t, key, r.Header.Get("Idempotency-Key"))
			}
		})
	}
}

func TestPostWithoutKeyNotRetriedOnConnectionError(t *testing.T) {
	rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		hijackAndClose(w)
	})
	var s sleeps
	_, err := fastClient(rec, &s).Post(context.Background(), "/charge", map[string]int{"amount": 100})
	require.Error(t, err)
	require.Equal(t, 1, rec.count())
	require.Empty(t, s.waits())

	_, err = fastClient(rec, &s).Get(context.Background(), "/charge")
	require.Error(t, err)
	require.Equal(t, 1+3, rec.count())
}

func hijackAndClose(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

func TestConnectionRefusedRetriedAndWrapped(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	var s sleeps
	c := mustNew(t, WithBaseURL("http://"+addr), withClock(nil, s.sleep, nil))
	_, err = c.Get(context.Background(), "/x?api_key=SECRET")
	require.Error(t, err)
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	require.Equal(t, 3, re.Attempts)
	require.Len(t, s.waits(), 2)
	var opErr *net.OpError
	require.ErrorAs(t, err, &opErr)
	require.NotContains(t, err.Error(), "SECRET")
	require.NotErrorIs(t, err, ErrTimeout)
}

func TestBodyIdenticalOnEveryAttempt(t *testing.T) {
	type payload struct {
		Amount   int    `json:"amount"`
		Currency string `json:"currency"`
	}
	tests := []struct {
		name  string
		body  func() any
		want  string
		ctype string
	}{
		{"bytes", func() any { return []byte("raw\x00bytes") }, "raw\x00bytes", ""},
		{"string", func() any { return "hello=world" }, "hello=world", "text/plain; charset=utf-8"},
		{"reader", func() any { return strings.NewReader(`{"r":1}`) }, `{"r":1}`, ""},
		{"readcloser", func() any { return io.NopCloser(strings.NewReader("stream")) }, "stream", ""},
		{"buffer", func() any { return bytes.NewBufferString("buf") }, "buf", ""},
		{"form", func() any { return url.Values{"b": {"2"}, "a": {"1", "x y"}} }, "a=1&a=x+y&b=2", "application/x-www-form-urlencoded"},
		{"struct", func() any { return payload{100, "GHS"} }, `{"amount":100,"currency":"GHS"}`, "application/json"},
		{"map", func() any { return map[string]any{"k": []int{1, 2}} }, `{"k":[1,2]}`, "application/json"},
		{"rawjson", func() any { return json.RawMessage(`{"a": 1}`) }, `{"a": 1}`, "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, statuses(503, 500, 201))
			var s sleeps
			resp, err := fastClient(rec, &s).Post(context.Background(), "/charges", tt.body(), WithIdempotencyKey("idem-123"))
			require.NoError(t, err)
			require.Equal(t, 3, resp.Attempts)
			reqs := rec.requests()
			require.Len(t, reqs, 3)
			requireSameBodies(t, reqs, []byte(tt.want))
			for _, r := range reqs {
				require.Equal(t, "idem-123", r.Header.Get("Idempotency-Key"))
				require.Equal(t, reqs[0].Header.Get("Content-Type"), r.Header.Get("Content-Type"))
				if tt.ctype != "" {
					require.Equal(t, tt.ctype, r.Header.Get("Content-Type"))
				}
			}
		})
	}
}

func TestGetWithBody(t *testing.T) {
	rec := newRecorder(t, statuses(500, 200))
	var s sleeps
	_, err := fastClient(rec, &s).Do(context.Background(), http.MethodGet, "/search", map[string]string{"q": "x"})
	require.NoError(t, err)
	reqs := rec.requests()
	require.Len(t, reqs, 2)
	requireSameBodies(t, reqs, []byte(`{"q":"x"}`))
}

func TestContentTypeOverride(t *testing.T) {
	rec := newRecorder(t, statuses(200))
	var s sleeps
	_, err := fastClient(rec, &s).Post(context.Background(), "/upload", []byte("--b--"),
		WithContentType("multipart/form-data; boundary=b"))
	require.NoError(t, err)
	require.Equal(t, "multipart/form-data; boundary=b", rec.requests()[0].Header.Get("Content-Type"))
}

func TestBadBody(t *testing.T) {
	rec := newRecorder(t, statuses(200))
	var s sleeps
	_, err := fastClient(rec, &s).Post(context.Background(), "/x", func() {})
	require.Error(t, err)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	require.Zero(t, rec.count())

	_, err = fastClient(rec, &s).Post(context.Background(), "/x", io.MultiReader(failingReader{}))
	require.ErrorIs(t, err, errBoom)
}

var errBoom = errors.New("boom")

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errBoom }

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	tests := []struct {
		name   string
		status int
		header string
		want   time.Duration // the recorded wait; -1 for "backoff, not Retry-After"
	}{
		{"seconds on 429", 429, "2", 2 * time.Second},
		{"seconds on 503", 503, "7", 7 * time.Second},
		{"zero", 429, "0", 0},
		{"http date on 429", 429, now.Add(5 * time.Second).Format(http.TimeFormat), 5 * time.Second},
		{"http date on 503", 503, now.Add(3 * time.Second).Format(http.TimeFormat), 3 * time.Second},
		{"date in the past", 503, now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"ignored on 500", 500, "9", -1},
		{"ignored on 502", 502, "9", -1},
		{"malformed", 429, "soon", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, func(n int, w http.ResponseWriter, _ *http.Request) {
				if n == 1 {
					w.Header().Set("Retry-After", tt.header)
					w.WriteHeader(tt.status)
					return
				}
				w.WriteHeader(200)
			})
			var s sleeps
			c := fastClient(rec, &s, withClock(clock, s.sleep, func(n int64) int64 { return n - 1 }),
				WithBackoff(100*time.Millisecond, time.Second))
			resp, err := c.Get(context.Background(), "/r")
			require.NoError(t, err)
			require.Equal(t, 2, resp.Attempts)
			waits := s.waits()
			require.Len(t, waits, 1)
			if tt.want >= 0 {
				require.Equal(t, tt.want, waits[0])
			} else {
				require.Equal(t, 100*time.Millisecond-1, waits[0]) // the first backoff step
			}
		})
	}
}

func TestRetryAfterCapped(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		status   int
		header   string
		sentinel error
		want     time.Duration
	}{
		{"seconds 429", 429, "120", ErrRateLimited, 120 * time.Second},
		{"seconds 503", 503, "31", ErrServerError, 31 * time.Second},
		{"date 429", 429, now.Add(time.Hour).Format(http.TimeFormat), ErrRateLimited, time.Hour},
		{"huge", 429, "99999999999999999999999", ErrRateLimited, time.Duration(1<<63 - 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", tt.header)
				w.WriteHeader(tt.status)
			})
			var s sleeps
			c := fastClient(rec, &s, withClock(func() time.Time { return now }, s.sleep, nil),
				WithMaxRetryAfter(30*time.Second), WithTimeout(time.Hour))
			_, err := c.Get(context.Background(), "/r")
			require.ErrorIs(t, err, ErrRetryAfterTooLong)
			require.ErrorIs(t, err, tt.sentinel)
			var se *StatusError
			require.ErrorAs(t, err, &se)
			require.Equal(t, tt.status, se.StatusCode)
			require.Equal(t, tt.want, se.RetryAfter)
			require.Equal(t, 1, rec.count(), "not retried")
			require.Empty(t, s.waits(), "not waited for")
		})
	}
}

func TestRetryAfterBeyondDeadline(t *testing.T) {
	rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "20")
		w.WriteHeader(429)
	})
	var s sleeps
	c := fastClient(rec, &s, WithMaxRetryAfter(time.Minute), WithTimeout(10*time.Second))
	_, err := c.Get(context.Background(), "/r")
	require.ErrorIs(t, err, ErrRetryAfterTooLong)
	require.ErrorIs(t, err, ErrRateLimited)
	require.Equal(t, 1, rec.count())
}

func TestRetryAfterNotWaitedWithoutRetry(t *testing.T) {
	rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(429)
	})
	var s sleeps
	_, err := fastClient(rec, &s).Post(context.Background(), "/r", "x")
	require.ErrorIs(t, err, ErrRateLimited)
	require.NotErrorIs(t, err, ErrRetryAfterTooLong)
	var se *StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, time.Hour, se.RetryAfter)
}

func TestBackoffLongerThanDeadlineReturnsAtOnce(t *testing.T) {
	rec := newRecorder(t, statuses(503))
	var s sleeps
	c := fastClient(rec, &s, WithBackoff(time.Hour, time.Hour), WithTimeout(5*time.Second),
		withClock(nil, s.sleep, func(n int64) int64 { return n - 1 }))
	_, err := c.Get(context.Background(), "/")
	require.ErrorIs(t, err, ErrServerError)
	require.Equal(t, 1, rec.count())
	require.Empty(t, s.waits())
}

func TestBackoff(t *testing.T) {
	top := func(n int64) int64 { return n - 1 }
	zero := func(int64) int64 { return 0 }
	base, maxD := 100*time.Millisecond, time.Second
	tests := []struct {
		n    int
		rnd  func(int64) int64
		want time.Duration
	}{
		{0, top, 100*time.Millisecond - 1},
		{1, top, 200*time.Millisecond - 1},
		{2, top, 400*time.Millisecond - 1},
		{3, top, 800*time.Millisecond - 1},
		{4, top, time.Second - 1},
		{40, top, time.Second - 1},
		{70, top, time.Second - 1},
		{3, zero, 0},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, backoff(base, maxD, tt.n, tt.rnd), "n=%d", tt.n)
	}
	// The real jitter stays in [0, ceiling).
	for n := range 10 {
		for range 50 {
			d := backoff(base, maxD, n, func(m int64) int64 { return m / 2 })
			require.GreaterOrEqual(t, d, time.Duration(0))
			require.Less(t, d, maxD)
		}
	}
}

func TestBackoffWaitsGrow(t *testing.T) {
	rec := newRecorder(t, statuses(500))
	var s sleeps
	c := fastClient(rec, &s, WithRetries(4), WithBackoff(10*time.Millisecond, 50*time.Millisecond),
		withClock(nil, s.sleep, func(n int64) int64 { return n - 1 }))
	_, err := c.Get(context.Background(), "/")
	require.ErrorIs(t, err, ErrServerError)
	require.Equal(t, []time.Duration{
		10*time.Millisecond - 1, 20*time.Millisecond - 1, 40*time.Millisecond - 1, 50*time.Millisecond - 1,
	}, s.waits())
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{"1", time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"Sun, 01 Mar 2026 12:00:10 GMT", 10 * time.Second, true},
		{"Sunday, 01-Mar-26 12:01:00 GMT", time.Minute, true},
		{"Sun Mar  1 12:00:02 2026", 2 * time.Second, true},
		{"Sun, 01 Mar 2026 11:00:00 GMT", 0, true},
		{"9223372036854775807", time.Duration(1<<63 - 1), true},
		{"", 0, false},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"+3", 0, false},
		{"soon", 0, false},
		{"2026-03-01T12:00:10Z", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseRetryAfter(tt.in, now)
		require.Equal(t, tt.ok, ok, "%q", tt.in)
		require.Equal(t, tt.want, got, "%q", tt.in)
	}
}
