package httpclient

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
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
	// DefaultMaxRedirects is how many redirects a Client without a base URL
	// follows (WithMaxRedirects). A Client with a base URL follows none
	// unless WithMaxRedirects says otherwise.
	DefaultMaxRedirects = 10
)

// ErrInvalidConfig matches every error New returns: a malformed base URL,
// an option value out of its range, or an option that does not apply to
// the rest of the configuration. The error names the option at fault but
// never the value of a credential or a URL.
var ErrInvalidConfig = errors.New("httpclient: invalid configuration")

// Option configures a Client built by New. An option given a value out of
// its range makes New fail with an error wrapping ErrInvalidConfig.
type Option func(*config) error

type config struct {
	baseURL               string
	baseURLSet            bool
	header                http.Header
	authorization         string
	authOption            string // the option that set authorization
	userAgent             string
	timeout               time.Duration
	connectTimeout        time.Duration
	tlsHandshakeTimeout   time.Duration
	responseHeaderTimeout time.Duration
	transportTimeoutSet   string // the last transport timeout option given
	retries               int
	backoffBase           time.Duration
	backoffMax            time.Duration
	maxRetryAfter         time.Duration
	maxResponseBody       int
	maxRedirects          int
	maxRedirectsSet       bool
	autoIdempotency       bool
	breaker               *breakerConfig
	logger                *slog.Logger
	observer              *Observer
	httpClient            *http.Client
	transport             http.RoundTripper

	// Test seams; nil means the real clock, timer and random source.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
	rand  func(n int64) int64
}

// configError returns an error wrapping ErrInvalidConfig that names the
// option at fault.
func configError(option, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidConfig, option, fmt.Sprintf(format, args...))
}

// WithBaseURL sets the URL that relative request paths are resolved
// against. The path is appended to the base URL's path, so
// WithBaseURL("https://api.example.com/v3") with path "/messages" calls
// https://api.example.com/v3/messages. A request path that is an absolute
// URL is used as it is.
//
// The URL must be an absolute http or https URL with a host and without a
// query, a fragment or user information (credentials go in
// WithBearerToken, WithBasicAuth or WithHeader, which are never logged);
// New refuses anything else without quoting the URL.
//
// A Client with a base URL talks to one API, so it does not follow
// redirects unless WithMaxRedirects allows them; see WithMaxRedirects.
func WithBaseURL(u string) Option {
	return func(c *config) error {
		c.baseURL, c.baseURLSet = u, true
		return nil
	}
}

// parseBaseURL checks a WithBaseURL value. Its errors never quote the URL,
// which may hold a secret.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, configError("WithBaseURL", "the base URL does not parse")
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, configError("WithBaseURL", "the base URL must be an absolute http or https URL")
	case u.Host == "" || u.Opaque != "":
		return nil, configError("WithBaseURL", "the base URL has no host")
	case u.User != nil:
		return nil, configError("WithBaseURL", "the base URL holds user information; use WithBasicAuth or WithBearerToken")
	case u.RawQuery != "" || u.ForceQuery:
		return nil, configError("WithBaseURL", "the base URL has a query; add query parameters per request with WithQuery")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, configError("WithBaseURL", "the base URL has a fragment")
	}
	if strings.HasSuffix(u.Host, ":") {
		return nil, configError("WithBaseURL", "the base URL has an empty port")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = strings.TrimSuffix(u.RawPath, "/")
	return u, nil
}

// reservedHeaders are set from the request itself; a value given with
// WithHeader would be ignored.
var reservedHeaders = map[string]bool{
	"Host": true, "Content-Length": true, "Transfer-Encoding": true, "Connection": true,
}

// checkHeader validates a header name and value given to name an option.
// It never quotes the value.
func checkHeader(option, name, value string) error {
	if !validToken(name) {
		return configError(option, "header name %q is not an HTTP token", name)
	}
	if reservedHeaders[http.CanonicalHeaderKey(name)] {
		return configError(option, "header %s is set from the request and cannot be given", http.CanonicalHeaderKey(name))
	}
	if !validHeaderValue(value) {
		return configError(option, "the value of header %s holds a control character", http.CanonicalHeaderKey(name))
	}
	return nil
}

// validToken reports whether s is an RFC 9110 token.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(b)) {
			return false
		}
	}
	return true
}

// validHeaderValue reports whether v holds no control character other than
// horizontal tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; (b < ' ' && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}

// WithHeader adds a header sent on every request. Request headers given
// with WithRequestHeader replace it for that request. The name must be an
// HTTP token other than Host, Content-Length, Transfer-Encoding and
// Connection, and the value must not hold CR, LF or other control
// characters. A header given here counts as a credential for the redirect
// rules (see WithMaxRedirects) unless it is a content-negotiation or
// caching header such as Accept.
func WithHeader(name, value string) Option {
	return func(c *config) error {
		if err := checkHeader("WithHeader", name, value); err != nil {
			return err
		}
		if http.CanonicalHeaderKey(name) == "Authorization" {
			return c.setAuthorization("WithHeader", value)
		}
		c.header.Add(name, value)
		return nil
	}
}

func (c *config) setAuthorization(option, value string) error {
	if c.authOption != "" {
		return configError(option, "Authorization is already set by %s", c.authOption)
	}
	c.authorization, c.authOption = value, option
	return nil
}

// checkSecret refuses an empty, whitespace-only or whitespace-padded
// secret and control characters, naming the option but never the secret.
func checkSecret(option, what, s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return configError(option, "the %s is empty", what)
	case strings.TrimSpace(s) != s:
		return configError(option, "the %s starts or ends with white space", what)
	case !validHeaderValue(s):
		return configError(option, "the %s holds a control character", what)
	}
	return nil
}

// WithBearerToken sends "Authorization: Bearer <token>" on every request.
// The token is never logged nor placed in an error. An empty,
// whitespace-padded or multi-line token is a configuration error, and so
// is a second source of Authorization (WithBasicAuth, or WithHeader with
// that name).
func WithBearerToken(token string) Option {
	return func(c *config) error {
		if err := checkSecret("WithBearerToken", "token", token); err != nil {
			return err
		}
		if strings.ContainsAny(token, " \t") {
			return configError("WithBearerToken", "the token holds white space")
		}
		return c.setAuthorization("WithBearerToken", "Bearer "+token)
	}
}

// WithBasicAuth sends HTTP Basic credentials on every request. They are
// never logged nor placed in an error. The user must be non-empty, without
// a colon, surrounding white space or control characters; the password
// may be empty (as with APIs that take an API key as the user name) but
// holds no control characters.
func WithBasicAuth(user, password string) Option {
	return func(c *config) error {
		if err := checkSecret("WithBasicAuth", "user", user); err != nil {
			return err
		}
		if strings.Contains(user, ":") {
			return configError("WithBasicAuth", "the user holds a colon")
		}
		if !validHeaderValue(password) {
			return configError("WithBasicAuth", "the password holds a control character")
		}
		return c.setAuthorization("WithBasicAuth",
			"Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+password)))
	}
}

// WithUserAgent sets the User-Agent header (default DefaultUserAgent). It
// must not be empty or hold control characters.
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		if strings.TrimSpace(ua) == "" || !validHeaderValue(ua) {
			return configError("WithUserAgent", "the user agent must be non-empty text without control characters")
		}
		c.userAgent = ua
		return nil
	}
}

func positive(option string, d time.Duration, set func()) error {
	if d <= 0 {
		return configError(option, "the duration must be positive, not %v", d)
	}
	set()
	return nil
}

// WithTimeout sets the whole-request deadline, which covers every attempt
// and every wait between attempts (default 10 s). A context passed to a call
// that already carries a deadline overrides it for that call. It must be
// positive.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error { return positive("WithTimeout", d, func() { c.timeout = d }) }
}

// WithConnectTimeout bounds establishing a TCP connection (default 5 s).
// It applies to the transport New builds, so it is a configuration error
// together with WithTransport or with WithHTTPClient given a client that
// has its own transport. It must be positive.
func WithConnectTimeout(d time.Duration) Option {
	return func(c *config) error {
		return positive("WithConnectTimeout", d, func() {
			c.connectTimeout, c.transportTimeoutSet = d, "WithConnectTimeout"
		})
	}
}

// WithTLSHandshakeTimeout bounds the TLS handshake (default 5 s). Like
// WithConnectTimeout, it applies only to the transport New builds. It must
// be positive.
func WithTLSHandshakeTimeout(d time.Duration) Option {
	return func(c *config) error {
		return positive("WithTLSHandshakeTimeout", d, func() {
			c.tlsHandshakeTimeout, c.transportTimeoutSet = d, "WithTLSHandshakeTimeout"
		})
	}
}

// WithResponseHeaderTimeout bounds the wait for the response headers after
// the request was written (default 10 s). Hitting it counts as a failed
// attempt, which is retried like a connection error. Like
// WithConnectTimeout, it applies only to the transport New builds. It must
// be positive.
func WithResponseHeaderTimeout(d time.Duration) Option {
	return func(c *config) error {
		return positive("WithResponseHeaderTimeout", d, func() {
			c.responseHeaderTimeout, c.transportTimeoutSet = d, "WithResponseHeaderTimeout"
		})
	}
}

// WithRetries sets how many times a failed attempt is retried (default 2,
// so up to 3 attempts). Zero disables retries; a negative value is a
// configuration error.
func WithRetries(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return configError("WithRetries", "the number of retries must not be negative, not %d", n)
		}
		c.retries = n
		return nil
	}
}

// WithBackoff sets the exponential backoff between attempts: before retry
// n (starting at 0) the client sleeps a random duration in
// [0, min(max, base*2^n)) ("full jitter"). The defaults are 200 ms and
// 5 s; base must be positive and max at least base.
func WithBackoff(base, max time.Duration) Option {
	return func(c *config) error {
		if base <= 0 || max < base {
			return configError("WithBackoff", "base must be positive and max at least base, not %v and %v", base, max)
		}
		c.backoffBase, c.backoffMax = base, max
		return nil
	}
}

// WithMaxRetryAfter caps how long the client waits for a Retry-After on a
// 429 or 503 (default 30 s). A longer Retry-After is not waited for: the
// call fails at once with an error matching ErrRetryAfterTooLong and the
// status's sentinel. Zero means never wait for a non-zero Retry-After; a
// negative value is a configuration error.
func WithMaxRetryAfter(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return configError("WithMaxRetryAfter", "the duration must not be negative, not %v", d)
		}
		c.maxRetryAfter = d
		return nil
	}
}

// WithMaxResponseBody caps the size of a response body read into memory
// (default DefaultMaxResponseBody). A larger body fails the call. It must
// be positive.
func WithMaxResponseBody(n int) Option {
	return func(c *config) error {
		if n <= 0 {
			return configError("WithMaxResponseBody", "the size must be positive, not %d", n)
		}
		c.maxResponseBody = n
		return nil
	}
}

// WithMaxRedirects sets how many redirects a call follows; zero turns
// redirects off. The default is zero for a Client with a base URL (an API
// client: an API that redirects is misconfigured or compromised, and
// following would send the request somewhere it was not configured to go)
// and DefaultMaxRedirects otherwise. A negative value is a configuration
// error.
//
// Whatever the limit, a redirect to another origin (another scheme, host
// or port, so https to http as well) is never followed when the request
// carries credentials or a body: an Authorization header, any header given
// with WithHeader or WithRequestHeader other than content-negotiation and
// caching headers (Accept, Accept-Language, Cache-Control, If-None-Match
// and the like), an Idempotency-Key, a Cookie header, user information in
// the URL, a query parameter that IsSecretParam names, or a non-empty
// body. Such a request only follows redirects within its own origin.
//
// A redirect that is not followed ends the call with an error matching
// ErrRedirectRefused that names the refused target (with its secrets
// redacted) and the reason, and unwraps to the *StatusError of the 3xx
// answer; WithAllowedStatus turns that answer into a *Response instead.
func WithMaxRedirects(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return configError("WithMaxRedirects", "the number of redirects must not be negative, not %d", n)
		}
		c.maxRedirects, c.maxRedirectsSet = n, true
		return nil
	}
}

// WithAutoIdempotencyKeys makes the client generate a random Idempotency-Key
// for every POST and PATCH that has none, which makes those requests
// retryable. The key is created once per call and is the same on every
// attempt. Only enable it for APIs that honour Idempotency-Key.
func WithAutoIdempotencyKeys(on bool) Option {
	return func(c *config) error {
		c.autoIdempotency = on
		return nil
	}
}

// WithCircuitBreaker enables a circuit breaker per host. See BreakerOption
// for its settings and their defaults.
func WithCircuitBreaker(opts ...BreakerOption) Option {
	return func(c *config) error {
		bc := defaultBreakerConfig()
		for _, o := range opts {
			if o == nil {
				continue
			}
			if err := o(&bc); err != nil {
				return err
			}
		}
		c.breaker = &bc
		return nil
	}
}

// WithLogger sets the logger. Without it the client logs nowhere; a nil
// logger is a configuration error.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return configError("WithLogger", "the logger is nil")
		}
		c.logger = l
		return nil
	}
}

// WithHTTPClient makes the client send requests through a copy of hc; hc
// itself is never modified. Its transport is used as it is (then the
// connect, TLS and response-header timeout options do not apply and are a
// configuration error); its cookie jar and Timeout (a per-attempt limit in
// that case) are kept, and its CheckRedirect runs after this package's
// redirect rules (see WithMaxRedirects). When hc has no transport, the one
// New builds is used. A nil hc, or WithHTTPClient together with
// WithTransport, is a configuration error.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return configError("WithHTTPClient", "the client is nil")
		}
		c.httpClient = hc
		return nil
	}
}

// WithTransport makes the client send requests through rt, typically a
// test double or an instrumented transport. The connect, TLS and
// response-header timeout options do not apply to it and are a
// configuration error with it. A nil rt is a configuration error.
func WithTransport(rt http.RoundTripper) Option {
	return func(c *config) error {
		if rt == nil {
			return configError("WithTransport", "the transport is nil")
		}
		c.transport = rt
		return nil
	}
}

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
// header of the same name. Like WithHeader, it counts as a credential for
// the redirect rules unless it is a content-negotiation or caching header.
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
	return func(c *config) error {
		if now != nil {
			c.now = now
		}
		if sleep != nil {
			c.sleep = sleep
		}
		if rnd != nil {
			c.rand = rnd
		}
		return nil
	}
}
