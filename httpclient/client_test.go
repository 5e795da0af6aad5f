package httpclient

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// blockingServer answers only after the request's context ends or the test
// finishes.
func blockingServer(t *testing.T, hits *atomic.Int32) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs before srv.Close
	return srv
}

// returnsWithin fails the test if f has not returned after limit; it is a
// guard against hangs, not a timing measurement.
func returnsWithin[T any](t *testing.T, limit time.Duration, f func() T) T {
	t.Helper()
	ch := make(chan T, 1)
	go func() { ch <- f() }()
	select {
	case v := <-ch:
		return v
	case <-time.After(limit):
		t.Fatalf("call did not return within %v", limit)
		panic("unreachable")
	}
}

func TestWholeRequestTimeout(t *testing.T) {
	var hits atomic.Int32
	srv := blockingServer(t, &hits)
	c := mustNew(t, WithBaseURL(srv.URL), WithTimeout(150*time.Millisecond))
	err := returnsWithin(t, 20*time.Second, func() error {
		_, err := c.Get(context.Background(), "/slow")
		return err
	})
	require.ErrorIs(t, err, ErrTimeout)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	require.Equal(t, 1, re.Attempts, "the deadline is not retried")
	require.EqualValues(t, 1, hits.Load())
}

func TestContextDeadlineOverridesTimeout(t *testing.T) {
	var hits atomic.Int32
	srv := blockingServer(t, &hits)
	c := mustNew(t, WithBaseURL(srv.URL), WithTimeout(time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	err := returnsWithin(t, 20*time.Second, func() error {
		_, err := c.Get(ctx, "/slow")
		return err
	})
	require.ErrorIs(t, err, ErrTimeout)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestResponseHeaderTimeout(t *testing.T) {
	var hits atomic.Int32
	srv := blockingServer(t, &hits)
	var s sleeps
	c := mustNew(t, WithBaseURL(srv.URL), WithResponseHeaderTimeout(100*time.Millisecond), WithRetries(1),
		WithTimeout(time.Minute), withClock(nil, s.sleep, nil))
	err := returnsWithin(t, 20*time.Second, func() error {
		_, err := c.Get(context.Background(), "/slow")
		return err
	})
	require.ErrorIs(t, err, ErrTimeout)
	require.Contains(t, err.Error(), "timeout awaiting response headers")
	var re *RequestError
	require.ErrorAs(t, err, &re)
	require.Equal(t, 2, re.Attempts, "a per-attempt timeout is retried")
	require.EqualValues(t, 2, hits.Load())
}

func TestCallerCancellationNotRetried(t *testing.T) {
	var hits atomic.Int32
	srv := blockingServer(t, &hits)
	c := mustNew(t, WithBaseURL(srv.URL))
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for hits.Load() == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	err := returnsWithin(t, 20*time.Second, func() error {
		_, err := c.Get(ctx, "/slow")
		return err
	})
	require.ErrorIs(t, err, context.Canceled)
	require.NotErrorIs(t, err, ErrTimeout)
	require.EqualValues(t, 1, hits.Load())
}

func TestCancellationEndsBackoff(t *testing.T) {
	rec := newRecorder(t, statuses(503))
	sleeping := make(chan struct{})
	sleep := func(ctx context.Context, d time.Duration) error {
		close(sleeping)
		return sleepCtx(ctx, d) // the real timer
	}
	c := mustNew(t, WithBaseURL(rec.srv.URL), WithBackoff(time.Hour, time.Hour), WithTimeout(10*time.Hour),
		withClock(nil, sleep, func(n int64) int64 { return n - 1 }))
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-sleeping
		cancel()
	}()
	err := returnsWithin(t, 20*time.Second, func() error {
		_, err := c.Get(ctx, "/")
		return err
	})
	require.ErrorIs(t, err, context.Canceled)
	require.NotErrorIs(t, err, ErrTimeout)
	require.ErrorIs(t, err, ErrServerError, "the last answer is kept")
	var re *RequestError
	require.ErrorAs(t, err, &re)
	require.Equal(t, 1, re.Attempts)
	require.Equal(t, 1, rec.count())
}

func TestSleepCtx(t *testing.T) {
	require.NoError(t, sleepCtx(context.Background(), time.Millisecond))
	require.NoError(t, sleepCtx(context.Background(), 0))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, sleepCtx(ctx, time.Hour), context.Canceled)
	require.ErrorIs(t, sleepCtx(ctx, 0), context.Canceled)
}

func TestHeadersAndAuth(t *testing.T) {
	rec := newRecorder(t, statuses(200))
	var s sleeps
	c := fastClient(rec, &s, WithBearerToken("tok_123"), WithHeader("X-Client", "a"),
		WithHeader("Accept", "application/json"), WithUserAgent("shop/1.0"))
	_, err := c.Get(context.Background(), "/h", WithRequestHeader("Accept", "text/csv"), WithRequestHeader("X-Req", "b"))
	require.NoError(t, err)
	h := rec.requests()[0].Header
	require.Equal(t, "Bearer tok_123", h.Get("Authorization"))
	require.Equal(t, "a", h.Get("X-Client"))
	require.Equal(t, "b", h.Get("X-Req"))
	require.Equal(t, "text/csv", h.Get("Accept"))
	require.Equal(t, "shop/1.0", h.Get("User-Agent"))

	c = fastClient(rec, &s, WithBasicAuth("user", "pa:ss"))
	_, err = c.Get(context.Background(), "/h")
	require.NoError(t, err)
	h = rec.requests()[1].Header
	require.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("user:pa:ss")), h.Get("Authorization"))
	require.Equal(t, DefaultUserAgent, h.Get("User-Agent"))
}

func TestURLResolution(t *testing.T) {
	tests := []struct {
		base, path string
		query      url.Values
		wantPath   string
		wantQuery  string
	}{
		{"", "/a", nil, "/a", ""},
		{"", "a/b", nil, "/a/b", ""},
		{"/v3", "/messages", nil, "/v3/messages", ""},
		{"/v3/", "messages", nil, "/v3/messages", ""},
		{"/v3", "/search?q=go", url.Values{"page": {"2"}}, "/v3/search", "q=go&page=2"},
		{"", "/x", url.Values{"b": {"1"}, "a": {"2"}}, "/x", "a=2&b=1"},
		{"", "/files/a%2Fb", nil, "/files/a%2Fb", ""},
	}
	rec := newRecorder(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(r.URL.EscapedPath()))
	})
	for _, tt := range tests {
		var s sleeps
		c := mustNew(t, WithBaseURL(rec.srv.URL+tt.base), withClock(nil, s.sleep, nil))
		var opts []RequestOption
		if tt.query != nil {
			opts = append(opts, WithQuery(tt.query))
		}
		resp, err := c.Get(context.Background(), tt.path, opts...)
		require.NoError(t, err, "%s + %s", tt.base, tt.path)
		require.Equal(t, tt.wantPath, string(resp.Body), "%s + %s", tt.base, tt.path)
		got := rec.requests()
		require.Equal(t, tt.wantQuery, got[len(got)-1].Query)
	}

	// An absolute URL ignores the base URL.
	c := mustNew(t, WithBaseURL("http://127.0.0.1:1/base"))
	resp, err := c.Get(context.Background(), rec.srv.URL+"/abs")
	require.NoError(t, err)
	require.Equal(t, "/abs", string(resp.Body))
}

func TestURLErrors(t *testing.T) {
	_, err := mustNew(t).Get(context.Background(), "/relative")
	require.ErrorContains(t, err, "relative path without WithBaseURL")
	_, err = mustNew(t, WithBaseURL("http://h")).Get(context.Background(), "/x\x7f?token=SECRET")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "SECRET")
}

func TestAllowedStatus(t *testing.T) {
	rec := newRecorder(t, statuses(404))
	var s sleeps
	resp, err := fastClient(rec, &s).Get(context.Background(), "/p", WithAllowedStatus(404, 410))
	require.NoError(t, err)
	require.Equal(t, 404, resp.StatusCode)

	rec = newRecorder(t, statuses(503))
	resp, err = fastClient(rec, &s).Get(context.Background(), "/p", WithAllowedStatus(503))
	require.NoError(t, err)
	require.Equal(t, 503, resp.StatusCode)
	require.Equal(t, 1, rec.count(), "an allowed status is an answer, not retried")
}

func TestResponseJSON(t *testing.T) {
	r := &Response{Body: []byte(`{"a":1}`)}
	var v struct{ A int }
	require.NoError(t, r.JSON(&v))
	require.Equal(t, 1, v.A)
	r.Body = []byte("nope")
	require.ErrorContains(t, r.JSON(&v), "decode JSON")
}

func TestAutoIdempotencyKeysDifferPerCall(t *testing.T) {
	rec := newRecorder(t, statuses(200))
	var s sleeps
	c := fastClient(rec, &s, WithAutoIdempotencyKeys(true))
	for range 3 {
		_, err := c.Post(context.Background(), "/p", "x")
		require.NoError(t, err)
	}
	_, err := c.Put(context.Background(), "/p", "x")
	require.NoError(t, err)
	reqs := rec.requests()
	keys := map[string]bool{}
	for _, r := range reqs[:3] {
		k := r.Header.Get("Idempotency-Key")
		require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, k)
		keys[k] = true
	}
	require.Len(t, keys, 3)
	require.Empty(t, reqs[3].Header.Get("Idempotency-Key"), "PUT gets no automatic key")
}

func TestMethodsHelpers(t *testing.T) {
	rec := newRecorder(t, statuses(204))
	var s sleeps
	c := fastClient(rec, &s)
	ctx := context.Background()
	_, err := c.Patch(ctx, "/x", map[string]int{"a": 1})
	require.NoError(t, err)
	_, err = c.Delete(ctx, "/x")
	require.NoError(t, err)
	_, err = c.Do(ctx, "head", "/x", nil)
	require.NoError(t, err)
	var methods []string
	for _, r := range rec.requests() {
		methods = append(methods, r.Method)
	}
	require.Equal(t, []string{"PATCH", "DELETE", "HEAD"}, methods)
}

func TestSecretsNotLogged(t *testing.T) {
	secrets := []string{"sk_live_BEARER", "basicuser", "basicPASS", "hdrAPIKEY", "qSECRET1", "qSECRET2", "qSECRET3", "qSECRET4"}
	rec := newRecorder(t, statuses(503, 200, 401))
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var s sleeps
	for _, auth := range []Option{WithBearerToken("sk_live_BEARER"), WithBasicAuth("basicuser", "basicPASS")} {
		c := fastClient(rec, &s, WithLogger(logger), auth, WithHeader("X-Api-Key", "hdrAPIKEY"))
		path := "/v1/charges?api_key=qSECRET1&access_token=qSECRET2&page=2"
		resp, err := c.Get(context.Background(), path, WithQuery(url.Values{"Signature": {"qSECRET3"}, "PASSWORD": {"qSECRET4"}}))
		if err == nil {
			require.Equal(t, 2, resp.Attempts)
		} else {
			var se *StatusError
			require.ErrorAs(t, err, &se)
			for _, sec := range secrets {
				require.NotContains(t, err.Error(), sec)
				require.NotContains(t, se.URL, sec)
			}
			require.Contains(t, se.URL, "page=2")
		}
	}
	// A transport error's message carries the URL too.
	c := mustNew(t, WithBaseURL("http://127.0.0.1:1"), WithLogger(logger), WithRetries(0), WithBearerToken("sk_live_BEARER"))
	_, err := c.Get(context.Background(), "/x?token=qSECRET1")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "qSECRET1")

	out := buf.String()
	for _, sec := range secrets {
		require.NotContains(t, out, sec)
	}
	require.NotContains(t, out, "Authorization")
	require.NotContains(t, out, "Bearer")

	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.GreaterOrEqual(t, len(lines), 4)
	var first map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	require.Equal(t, "GET", first["method"])
	require.Equal(t, rec.srv.Listener.Addr().String(), first["host"])
	require.Equal(t, "/v1/charges", first["path"])
	require.EqualValues(t, 503, first["status"])
	require.EqualValues(t, 1, first["attempt"])
	require.Contains(t, first, "duration")
	require.Contains(t, first, "retry_in")
	require.Equal(t, "WARN", first["level"])
	var second map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &second))
	require.EqualValues(t, 200, second["status"])
	require.EqualValues(t, 2, second["attempt"])
	require.Equal(t, "DEBUG", second["level"])
}

// TestSilentByDefault: without WithLogger the client logs nowhere, not
// through slog.Default (nor the log package, which it feeds) and not on
// standard error, through retries, failures, a refused redirect and a
// circuit breaker that opens.
func TestSilentByDefault(t *testing.T) {
	logs := captureDefaultLogs(t)
	var n atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	var s sleeps
	c := mustNew(t, WithBaseURL(srv.URL), WithCircuitBreaker(WithBreakerFailures(2)), withClock(nil, s.sleep, nil))
	for range 4 {
		_, err := c.Get(context.Background(), "/x?token=t")
		require.Error(t, err)
	}
	_, err := mustNew(t, WithRetries(1), withClock(nil, s.sleep, nil)).Get(context.Background(), "http://127.0.0.1:1/")
	require.Error(t, err)
	require.Empty(t, logs(), "nothing may be logged without WithLogger")
}

func TestConcurrentUse(t *testing.T) {
	rec := newRecorder(t, statuses(200))
	var s sleeps
	c := fastClient(rec, &s, WithCircuitBreaker(), WithHeader("Content-Type", "application/json"))
	errs := make(chan error, 32)
	for i := range 32 {
		go func() {
			var err error
			switch i % 4 {
			case 0:
				_, err = c.Post(context.Background(), "/c", map[string]int{"n": 1}, WithIdempotencyKey("k"))
			case 1:
				_, err = c.Get(context.Background(), "/c")
			case 2:
				_, err = c.Delete(context.Background(), "/c")
			default:
				_, err = c.Do(context.Background(), http.MethodHead, "/c", nil)
			}
			errs <- err
		}()
	}
	for range 32 {
		require.NoError(t, <-errs)
	}
	require.Equal(t, 32, rec.count())
	for _, r := range rec.requests() {
		require.Equal(t, DefaultUserAgent, r.Header.Get("User-Agent"))
		require.Equal(t, "application/json", r.Header.Get("Accept"))
	}
}

func TestTransportOption(t *testing.T) {
	var calls atomic.Int32
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		return nil, errors.New("offline")
	})
	var s sleeps
	c := mustNew(t, WithBaseURL("http://example.invalid"), WithTransport(rt), withClock(nil, s.sleep, nil))
	_, err := c.Get(context.Background(), "/")
	require.ErrorContains(t, err, "offline")
	require.EqualValues(t, 1, calls.Load(), "an unknown non-network error is not retried")

	rec := newRecorder(t, statuses(200))
	c = mustNew(t, WithBaseURL(rec.srv.URL), WithHTTPClient(rec.srv.Client()))
	_, err = c.Get(context.Background(), "/")
	require.NoError(t, err)

	hc := &http.Client{}
	c = mustNew(t, WithBaseURL(rec.srv.URL), WithHTTPClient(hc))
	_, err = c.Get(context.Background(), "/")
	require.NoError(t, err)
	require.Nil(t, hc.Transport, "the caller's client is not modified")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestMaxResponseBody(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			if chunked {
				http.NewResponseController(w).Flush() // no Content-Length
			}
			_, _ = w.Write(bytes.Repeat([]byte("a"), 2048))
		})
		var s sleeps
		_, err := fastClient(rec, &s, WithMaxResponseBody(1024)).Get(context.Background(), "/")
		require.ErrorIs(t, err, ErrResponseTooLarge, "chunked=%v", chunked)
		require.Equal(t, 1, rec.count())
		for _, limit := range []int{2048, 4096} {
			resp, err := fastClient(rec, &s, WithMaxResponseBody(limit)).Get(context.Background(), "/")
			require.NoError(t, err)
			require.Equal(t, bytes.Repeat([]byte("a"), 2048), resp.Body)
		}
	}
}

func TestEmptyBodies(t *testing.T) {
	rec := newRecorder(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		if r.URL.Path == "/204" {
			w.WriteHeader(http.StatusNoContent)
		}
	})
	var s sleeps
	c := fastClient(rec, &s)
	resp, err := c.Do(context.Background(), http.MethodHead, "/head", nil)
	require.NoError(t, err)
	require.Empty(t, resp.Body)
	resp, err = c.Get(context.Background(), "/204")
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Empty(t, resp.Body)
}

func TestDeadlineDuringBackoff(t *testing.T) {
	rec := newRecorder(t, statuses(503))
	expire := func(ctx context.Context, d time.Duration) error { return context.DeadlineExceeded }
	c := mustNew(t, WithBaseURL(rec.srv.URL), withClock(nil, expire, nil))
	_, err := c.Get(context.Background(), "/")
	require.ErrorIs(t, err, ErrTimeout)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, ErrServerError)
	require.Equal(t, 1, rec.count())
}

func TestDefaultsAlwaysSet(t *testing.T) {
	c := mustNew(t)
	require.Equal(t, DefaultTimeout, c.cfg.timeout)
	require.Equal(t, DefaultConnectTimeout, c.cfg.connectTimeout)
	require.Equal(t, DefaultTLSHandshakeTimeout, c.cfg.tlsHandshakeTimeout)
	require.Equal(t, DefaultResponseHeaderTimeout, c.cfg.responseHeaderTimeout)
	require.Equal(t, DefaultRetries, c.cfg.retries)
	require.Equal(t, DefaultBackoffBase, c.cfg.backoffBase)
	require.Equal(t, DefaultBackoffMax, c.cfg.backoffMax)
	require.Equal(t, DefaultMaxRetryAfter, c.cfg.maxRetryAfter)
	require.Equal(t, DefaultMaxResponseBody, c.cfg.maxResponseBody)
	require.Equal(t, DefaultMaxRedirects, c.cfg.maxRedirects, "a client without a base URL follows redirects")
	require.Zero(t, mustNew(t, WithBaseURL("https://api.example.com")).cfg.maxRedirects,
		"a client with a base URL follows none")
	require.Zero(t, mustNew(t, WithMaxRetryAfter(0)).cfg.maxRetryAfter, "zero is a valid Retry-After cap")

	tr := newTransport(&mustNew(t, WithConnectTimeout(time.Second), WithTLSHandshakeTimeout(2*time.Second),
		WithResponseHeaderTimeout(3*time.Second)).cfg)
	require.Equal(t, 2*time.Second, tr.TLSHandshakeTimeout)
	require.Equal(t, 3*time.Second, tr.ResponseHeaderTimeout)
	require.NotNil(t, tr.DialContext)
}
