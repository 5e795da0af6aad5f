package httpclient

import (
	"context"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// Default values used by New when the matching option is not given.
const (
	// DefaultTimeout is the whole-request deadline (WithTimeout).
	DefaultTimeout = 10 * time.Second
	// DefaultConnectTimeout bounds a TCP connect (WithConnectTimeout).
	DefaultConnectTimeout = 5 * time.Second
	// DefaultTLSHandshakeTimeout bounds a TLS handshake
	// (WithTLSHandshakeTimeout).
	DefaultTLSHandshakeTimeout = 5 * time.Second
	// DefaultResponseHeaderTimeout bounds the wait for response headers
	// (WithResponseHeaderTimeout).
	DefaultResponseHeaderTimeout = 10 * time.Second
	// DefaultRetries is the number of retries after the first attempt
	// (WithRetries).
	DefaultRetries = 2
	// DefaultBackoffBase is the first backoff ceiling (WithBackoff).
	DefaultBackoffBase = 200 * time.Millisecond
	// DefaultBackoffMax caps the backoff ceiling (WithBackoff).
	DefaultBackoffMax = 5 * time.Second
	// DefaultMaxRetryAfter is the longest Retry-After waited for
	// (WithMaxRetryAfter).
	DefaultMaxRetryAfter = 30 * time.Second
	// DefaultUserAgent is the User-Agent header (WithUserAgent).
	DefaultUserAgent = "switchboard-httpclient"
	// DefaultMaxResponseBody is the largest response body read into memory
	// (WithMaxResponseBody).
	DefaultMaxResponseBody = 32 << 20
)

// Option configures a Client built by New.
type Option func(*config)

type config struct {
	baseURL               string
	header                http.Header
	authorization         string
	userAgent             string
	timeout               time.Duration
	connectTimeout        time.Duration
	tlsHandshakeTimeout   time.Duration
	responseHeaderTimeout time.Duration
	retries               int
	backoffBase           time.Duration
	backoffMax            time.Duration
	maxRetryAfter         time.Duration
	maxResponseBody       int
	autoIdempotency       bool
	breaker               *breakerConfig
	logger                *slog.Logger
	httpClient            *http.Client
	transport             http.RoundTripper

	// Test seams; nil means the real clock, timer and random source.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
	rand  func(n int64) int64
}

// WithBaseURL sets the URL that relative request paths are resolved
// against. The path is appended to the base URL's path, so
// WithBaseURL("https://api.example.com/v3") with path "/messages" calls
// https://api.example.com/v3/messages. A query or fragment in the base URL
// is ignored. A request path that is an absolute URL is used as it is.
func WithBaseURL(u string) Option { return func(c *config) { c.baseURL = u } }

// WithHeader adds a header sent on every request. Request headers given
// with WithRequestHeader replace it for that request.
func WithHeader(name, value string) Option {
	return func(c *config) { c.header.Add(name, value) }
}

// WithBearerToken sends "Authorization: Bearer <token>" on every request.
// The token is never logged nor placed in an error.
func WithBearerToken(token string) Option {
	return func(c *config) { c.authorization = "Bearer " + token }
}

// WithBasicAuth sends HTTP Basic credentials on every request. They are
// never logged nor placed in an error.
func WithBasicAuth(user, password string) Option {
	return func(c *config) {
		c.authorization = "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
	}
}

// WithUserAgent sets the User-Agent header (default DefaultUserAgent).
func WithUserAgent(ua string) Option { return func(c *config) { c.userAgent = ua } }

// WithTimeout sets the whole-request deadline, which covers every attempt
// and every wait between attempts (default 10 s). A context passed to a call
// that already carries a deadline overrides it for that call. A value of
// zero or less keeps the default.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithConnectTimeout bounds establishing a TCP connection (default 5 s).
// It applies to the transport New builds, not to one given by
// WithHTTPClient or WithTransport.
func WithConnectTimeout(d time.Duration) Option {
	return func(c *config) { c.connectTimeout = d }
}

// WithTLSHandshakeTimeout bounds the TLS handshake (default 5 s). It
// applies to the transport New builds.
func WithTLSHandshakeTimeout(d time.Duration) Option {
	return func(c *config) { c.tlsHandshakeTimeout = d }
}

// WithResponseHeaderTimeout bounds the wait for the response headers after
// the request was written (default 10 s). Hitting it counts as a failed
// attempt, which is retried like a connection error. It applies to the
// transport New builds.
func WithResponseHeaderTimeout(d time.Duration) Option {
	return func(c *config) { c.responseHeaderTimeout = d }
}

// WithRetries sets how many times a failed attempt is retried (default 2,
// so up to 3 attempts). Zero disables retries; a negative value keeps the
// default.
func WithRetries(n int) Option { return func(c *config) { c.retries = n } }

// WithBackoff sets the exponential backoff between attempts: before retry
// n (starting at 0) the client sleeps a random duration in
// [0, min(max, base*2^n)) ("full jitter"). Values of zero or less keep the
// defaults (200 ms, 5 s).
func WithBackoff(base, max time.Duration) Option {
	return func(c *config) { c.backoffBase, c.backoffMax = base, max }
}

// WithMaxRetryAfter caps how long the client waits for a Retry-After on a
// 429 or 503 (default 30 s). A longer Retry-After is not waited for: the
// call fails at once with an error matching ErrRetryAfterTooLong and the
// status's sentinel. Zero (or less) means never wait for a non-zero
// Retry-After.
func WithMaxRetryAfter(d time.Duration) Option {
	return func(c *config) { c.maxRetryAfter = d }
}

// WithMaxResponseBody caps the size of a response body read into memory
// (default DefaultMaxResponseBody). A larger body fails the call.
func WithMaxResponseBody(n int) Option { return func(c *config) { c.maxResponseBody = n } }

// WithAutoIdempotencyKeys makes the client generate a random Idempotency-Key
// for every POST and PATCH that has none, which makes those requests
// retryable. The key is created once per call and is the same on every
// attempt. Only enable it for APIs that honour Idempotency-Key.
func WithAutoIdempotencyKeys(on bool) Option {
	return func(c *config) { c.autoIdempotency = on }
}

// WithCircuitBreaker enables a circuit breaker per host. See BreakerOption
// for its settings and their defaults.
func WithCircuitBreaker(opts ...BreakerOption) Option {
	return func(c *config) {
		bc := defaultBreakerConfig()
		for _, o := range opts {
			o(&bc)
		}
		c.breaker = &bc
	}
}

// WithLogger sets the logger. By default nothing is logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithHTTPClient makes the client send requests through hc. Its transport
// is used as it is (the connect, TLS and response-header timeout options do
// not apply to it); its cookie jar, redirect policy and Timeout (a
// per-attempt limit in that case) are kept. When hc has no transport, a
// copy of hc with this package's transport is used and hc is left alone.
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.httpClient = hc } }

// WithTransport makes the client send requests through rt, typically a
// test double or an instrumented transport. The connect, TLS and
// response-header timeout options do not apply to it.
func WithTransport(rt http.RoundTripper) Option { return func(c *config) { c.transport = rt } }

// RequestOption configures a single call.
type RequestOption func(*requestConfig)

type requestConfig struct {
	query          []url.Values
	header         http.Header
	contentType    string
	idempotencyKey string
	allowed        []int
}

// WithQuery adds query parameters to the request URL (after any query the
// path already has).
func WithQuery(v url.Values) RequestOption {
	return func(r *requestConfig) { r.query = append(r.query, v) }
}

// WithRequestHeader sets a header on this request, replacing a client-wide
// header of the same name.
func WithRequestHeader(name, value string) RequestOption {
	return func(r *requestConfig) {
		if r.header == nil {
			r.header = make(http.Header)
		}
		r.header.Add(name, value)
	}
}

// WithContentType sets the request's Content-Type, for example
// "multipart/form-data; boundary=...". It overrides the type derived from
// the body.
func WithContentType(ct string) RequestOption {
	return func(r *requestConfig) { r.contentType = ct }
}

// WithIdempotencyKey sends key as the Idempotency-Key header, unchanged on
// every attempt, and makes the request retryable whatever its method.
func WithIdempotencyKey(key string) RequestOption {
	return func(r *requestConfig) { r.idempotencyKey = key }
}

// WithAllowedStatus makes the listed non-2xx statuses count as answers: the
// call returns them as a *Response with a nil error, and they are not
// retried.
func WithAllowedStatus(codes ...int) RequestOption {
	return func(r *requestConfig) { r.allowed = append(r.allowed, codes...) }
}

// withClock replaces the clock, the backoff sleep and the jitter source;
// tests use it to observe waits without spending them. A nil argument keeps
// the real one.
func withClock(now func() time.Time, sleep func(context.Context, time.Duration) error, rnd func(int64) int64) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
		if sleep != nil {
			c.sleep = sleep
		}
		if rnd != nil {
			c.rand = rnd
		}
	}
}
