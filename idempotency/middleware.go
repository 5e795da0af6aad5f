package idempotency

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Middleware defaults.
const (
	// DefaultMaxBodyBytes is the largest request body the middleware reads
	// for the fingerprint: 1 MiB.
	DefaultMaxBodyBytes int64 = 1 << 20
	// DefaultMaxResponseBytes is the largest response body kept for
	// replay: 1 MiB.
	DefaultMaxResponseBytes int64 = 1 << 20
)

// MiddlewareOption configures NewMiddleware. The options that also
// configure a Runner (WithLease, WithTTL, WithStoreTimeout) are Options.
type MiddlewareOption interface {
	applyMiddleware(*middlewareConfig) error
}

type middlewareOption func(*middlewareConfig) error

func (o middlewareOption) applyMiddleware(c *middlewareConfig) error { return o(c) }

type middlewareConfig struct {
	runner        runnerConfig
	methods       map[string]bool
	header        string
	required      bool
	fingerprint   func(r *http.Request, body []byte) string
	scope         func(r *http.Request) string
	scopeCookie   string
	scopeSecret   []byte
	stored        func(status int) bool
	maxBody       int64
	maxResp       int64
	storedHeaders map[string]bool // nil: every header but the excluded ones
	logger        *slog.Logger
	observer      *Observer
}

// WithMethods sets the request methods the middleware applies to (POST
// and PATCH unless set); requests with other methods pass straight through.
// At least one method is required.
func WithMethods(methods ...string) MiddlewareOption {
	return middlewareOption(func(c *middlewareConfig) error {
		if len(methods) == 0 {
			return configErrorf("WithMethods: at least one method is required")
		}
		c.methods = map[string]bool{}
		for _, m := range methods {
			if !isToken(m) {
				return configErrorf("WithMethods: %q is not a method name", m)
			}
			c.methods[strings.ToUpper(m)] = true
		}
		return nil
	})
}

// WithKeyHeader sets the header that carries the key (KeyHeader unless
// set). The name must be a valid header name.
func WithKeyHeader(name string) MiddlewareOption {
	return middlewareOption(func(c *middlewareConfig) error {
		if !isToken(name) {
			return configErrorf("WithKeyHeader: %q is not a header name", name)
		}
		c.header = http.CanonicalHeaderKey(name)
		return nil
	})
}

// WithKeyRequired makes a request without a key fail with 400 instead of
// passing through unprotected.
func WithKeyRequired(required bool) MiddlewareOption {
	return middlewareOption(func(c *middlewareConfig) error { c.required = required; return nil })
}

// WithFingerprint replaces DefaultFingerprint. fn gets the request and
// its full body; a reused key whose fingerprint differs is answered with
// 422.
func WithFingerprint(fn func(r *http.Request, body []byte) string) MiddlewareOption {
	return middlewareOption(func(c *middlewareConfig) error {
		if fn == nil {
			return configErrorf("WithFingerprint: nil function")
		}
		c.fingerprint = fn
		return nil
	})
}

// WithScope sets how keys are scoped per client: fn returns the client's
// identity (for example the authenticated user or API key id), and two
// identities never share a key space. It replaces the default scope, which
// is derived from the request's credentials (see NewMiddleware). An fn
// that returns the same identity for every request makes all clients share
// one key space.
func WithScope(fn func(r *http.Request) string) MiddlewareOption {
	return middlewareOption(func(c *middlewareConfig) error {
		if fn == nil {
			return configErrorf("WithScope: nil function")
		}
		c.scope = fn
		return nil
	})
}

// WithScopeCookie makes the default scope include the value of the named
// cookie (a session cookie), for clients that authenticate with a cookie
// rather than an Authorization header.
func WithScopeCookie(name string) MiddlewareOption {
	return middlewareOption(func(c *middlewareConfig) error {
		if !isToken(name) {
			return configErrorf("WithScopeCookie: %q is not a cookie name", name)
		}
		c.scopeCookie = name
		return nil
	})
}

// WithScopeSecret keys the digest of the credentials that makes the
// default scope. Without it the digest is keyed with a fixed, public label:
// clients are still kept apart, but someone who can read the store could
// test guesses of a weak credential (a Basic password) against a stored
// key. Replicas sharing a store must share the secret. An empty,
// whitespace-only or whitespace-padded secret is an error.
func WithScopeSecret(secret []byte) MiddlewareOption {
	return middlewareOption(func(c *middlewareConfig) error {
		if len(secret) == 0 || len(bytes.TrimSpace(secret)) != len(secret) {
			return configErrorf("WithScopeSecret: the secret is empty or padded with whitespace")
		}
		c.scopeSecret = bytes.Clone(secret)
		return nil
	})
}

// WithStoredStatus chooses which response statuses are stored and
// replayed; for the others the key is released, so a retry with the same
// key runs the handler again. The default is DefaultStoredStatus.
func WithStoredStatus(stored func(status int) bool) MiddlewareOption {
	return middlewareOption(func(c *middlewareConfig) error {
		if stored == nil {
			return configErrorf("WithStoredStatus: nil function")
		}
		c.stored = stored
		return nil
	})
}

// DefaultStoredStatus reports whether Middleware stores a response with
// this status by default. Answers that mean "nothing was done, try again"
// are not stored: 400 Bad Request, 401 Unauthorized, 403 Forbidden, 408
// Request Timeout, 409 Conflict, 422 Unprocessable Content, 425 Too Early,
// 429 Too Many Requests and every 5xx. Every other status is an outcome
// and is stored: 2xx, 3xx, and client errors such as 402, 404 or 410.
func DefaultStoredStatus(status int) bool {
	switch status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden,
		http.StatusRequestTimeout, http.StatusConflict, http.StatusUnprocessableEntity,
		http.StatusTooEarly, http.StatusTooManyRequests:
		return false
	}
	return status < 500
}

// WithMaxBodyBytes bounds the request body read for the fingerprint
// (DefaultMaxBodyBytes unless set); a larger body gets 413. It must be
// positive.
func WithMaxBodyBytes(n int64) MiddlewareOption {
	return middlewareOption(func(c *middlewareConfig) error {
		if n <= 0 {
			return configErrorf("WithMaxBodyBytes: the limit must be positive, got %d", n)
		}
		c.maxBody = n
		return nil
	})
}

// WithMaxResponseBytes bounds the response body kept for replay
// (DefaultMaxResponseBytes unless set). A larger response still reaches
// the client, but it is not stored and the key is released. It must be
// positive.
func WithMaxResponseBytes(n int64) MiddlewareOption {
	return middlewareOption(func(c *middlewareConfig) error {
		if n <= 0 {
			return configErrorf("WithMaxResponseBytes: the limit must be positive, got %d", n)
		}
		c.maxResp = n
		return nil
	})
}

// WithStoredHeaders limits the response headers kept for replay to names
// (none when names is empty). By default every header is kept except
// hop-by-hop headers, Date, Content-Length and Set-Cookie.
func WithStoredHeaders(names ...string) MiddlewareOption {
	return middlewareOption(func(c *middlewareConfig) error {
		c.storedHeaders = map[string]bool{}
		for _, n := range names {
			if !isToken(n) {
				return configErrorf("WithStoredHeaders: %q is not a header name", n)
			}
			c.storedHeaders[http.CanonicalHeaderKey(n)] = true
		}
		return nil
	})
}

// WithLogger sets the logger. Without it, or with nil, the middleware logs
// nowhere. Lines carry the outcome, method, path and key, never the
// credentials the scope is derived from.
func WithLogger(l *slog.Logger) MiddlewareOption {
	return middlewareOption(func(c *middlewareConfig) error {
		if l == nil {
			l = slog.New(slog.DiscardHandler)
		}
		c.logger = l
		return nil
	})
}

// isToken reports whether s is a non-empty RFC 9110 token: the syntax of
// method, header and cookie names.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x7f || c <= 0x20 || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

var excludedHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true, "Proxy-Authorization": true,
	"Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
	"Date": true, "Content-Length": true, "Set-Cookie": true,
	ReplayedHeader: true,
}

// DefaultFingerprint is the fingerprint Middleware uses unless
// WithFingerprint replaces it: the hex SHA-256 of the method, the escaped
// URL path, the raw query string, the Content-Type header and the body,
// each length-prefixed. A key reused on another query string
// ("?to=bob" after "?to=alice") or with another Content-Type is a
// different request.
func DefaultFingerprint(r *http.Request, body []byte) string {
	h := sha256.New()
	var n [8]byte
	field := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	field([]byte(r.Method))
	field([]byte(r.URL.EscapedPath()))
	field([]byte(r.URL.RawQuery))
	field([]byte(strings.Join(r.Header.Values("Content-Type"), "\n")))
	field(body)
	return hex.EncodeToString(h.Sum(nil))
}

// NewMiddleware returns a middleware that makes POST and PATCH handlers
// idempotent per the IETF draft "The Idempotency-Key HTTP Header Field"
// (draft-ietf-httpapi-idempotency-key-header). It runs each request through
// a Runner over store:
//
//   - The first request with a key runs the handler. Its response is
//     stored with the key for the TTL when its status is an outcome
//     (DefaultStoredStatus, or WithStoredStatus): 2xx, 3xx and most 4xx.
//     Answers that mean "nothing was done, try again" (400, 401, 403, 408,
//     409, 422, 425, 429, 5xx), a panic (which then propagates) and a
//     response larger than WithMaxResponseBytes release the key instead, so
//     a retry runs the handler again.
//   - A later request with the key and the same fingerprint gets the stored
//     status, headers and body again, marked "Idempotent-Replayed: true".
//     The fingerprint (DefaultFingerprint) covers the method, path, query
//     string, Content-Type and body.
//   - A request while the first is still running gets 409 Conflict (with
//     Retry-After: 1); a request reusing the key with a different
//     fingerprint gets 422 Unprocessable Content; a request without a key
//     gets 400 when WithKeyRequired is set; a malformed key gets 400. These
//     errors are application/problem+json documents (RFC 9457).
//   - If the store cannot answer (down, full or closed) the handler does
//     not run and the answer is 503 with Retry-After: 1.
//
// Keys are per client. By default the client is identified by its
// credentials: a keyed SHA-256 digest (see WithScopeSecret) of the
// Authorization header and, with WithScopeCookie, of a session cookie. Two
// clients with different credentials never share a key, so one can never
// receive the other's stored response. Requests that carry no credentials
// share one anonymous key space: on an endpoint open to anonymous clients,
// keys must be unguessable (a random UUID, as the draft recommends).
// WithScope replaces the default with the application's own notion of the
// client, such as an authenticated user id.
//
// Keys are kept in store as "http:" followed by the client scope and the
// key, so they do not collide with other users of the same store.
//
// The middleware is silent unless WithLogger is given. Errors wrap
// ErrInvalidConfig: a nil store, or an option value out of range.
func NewMiddleware(store Store, opts ...MiddlewareOption) (func(http.Handler) http.Handler, error) {
	cfg := middlewareConfig{
		runner:      defaultRunnerConfig(),
		methods:     map[string]bool{http.MethodPost: true, http.MethodPatch: true},
		header:      KeyHeader,
		fingerprint: DefaultFingerprint,
		stored:      DefaultStoredStatus,
		maxBody:     DefaultMaxBodyBytes,
		maxResp:     DefaultMaxResponseBytes,
		logger:      slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o.applyMiddleware(&cfg); err != nil {
			return nil, err
		}
	}
	if store == nil || isNilPointer(store) {
		return nil, configErrorf("NewMiddleware: a Store is required")
	}
	runner := &Runner{store: store, cfg: cfg.runner}
	return func(next http.Handler) http.Handler {
		return &middleware{cfg: cfg, runner: runner, next: next}
	}, nil
}

type middleware struct {
	cfg    middlewareConfig
	runner *Runner
	next   http.Handler
}

func (m *middleware) log(r *http.Request, level slog.Level, msg, outcome, key string, attrs ...slog.Attr) {
	m.noteOutcome(r, outcome)
	if !m.cfg.logger.Enabled(r.Context(), level) {
		return
	}
	all := append([]slog.Attr{
		slog.String("outcome", outcome),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("idempotency_key", key),
	}, attrs...)
	m.cfg.logger.LogAttrs(r.Context(), level, msg, all...)
}

// released is the error the handler's run returns to the Runner when its
// response is not to be stored, so that the Runner releases the key.
type released struct {
	status  int
	outcome string
}

func (e *released) Error() string {
	return fmt.Sprintf("response %d not stored (%s)", e.status, e.outcome)
}

func (m *middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !m.cfg.methods[r.Method] {
		m.next.ServeHTTP(w, r)
		return
	}
	if m.cfg.observer != nil {
		m.serveObserved(w, r)
		return
	}
	m.serve(w, r)
}

// serve handles a request whose method the middleware guards.
func (m *middleware) serve(w http.ResponseWriter, r *http.Request) {
	values := r.Header.Values(m.cfg.header)
	if len(values) == 0 {
		if m.cfg.required {
			m.log(r, slog.LevelInfo, "idempotency key missing", OutcomeMissing, "")
			writeProblem(w, http.StatusBadRequest, m.cfg.header+" is missing",
				"This operation requires an "+m.cfg.header+" header.")
			return
		}
		m.next.ServeHTTP(w, r)
		return
	}
	if len(values) > 1 {
		m.log(r, slog.LevelInfo, "idempotency key invalid", OutcomeInvalid, "")
		writeProblem(w, http.StatusBadRequest, m.cfg.header+" is invalid", "Send exactly one "+m.cfg.header+" header.")
		return
	}
	key, err := ParseKey(values[0])
	if err != nil {
		m.log(r, slog.LevelInfo, "idempotency key invalid", OutcomeInvalid, "")
		writeProblem(w, http.StatusBadRequest, m.cfg.header+" is invalid",
			fmt.Sprintf("The %s header must be a quoted string of 1 to %d bytes.", m.cfg.header, MaxKeyLen))
		return
	}

	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, m.cfg.maxBody))
		_ = r.Body.Close()
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			m.log(r, slog.LevelInfo, "request body too large", OutcomeRequestTooLarge, key)
			writeProblem(w, http.StatusRequestEntityTooLarge, "Request body too large",
				fmt.Sprintf("The request body exceeds %d bytes.", m.cfg.maxBody))
			return
		}
		m.log(r, slog.LevelInfo, "cannot read request body", OutcomeBadBody, key, slog.String("error", err.Error()))
		writeProblem(w, http.StatusBadRequest, "Cannot read request body", "")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	attempt, err := m.runner.Claim(r.Context(), m.storeKey(r, key), m.cfg.fingerprint(r, body))
	if err != nil {
		m.log(r, slog.LevelError, "idempotency store unavailable", OutcomeStoreError, key, slog.String("error", err.Error()))
		w.Header().Set("Retry-After", "1")
		writeProblem(w, http.StatusServiceUnavailable, "Idempotency store unavailable",
			"The request was not processed; retry it with the same "+m.cfg.header+".")
		return
	}
	if !attempt.Matches() {
		m.log(r, slog.LevelInfo, "idempotency key reused with another request", OutcomeMismatch, key)
		writeProblem(w, http.StatusUnprocessableEntity, m.cfg.header+" is already used",
			"This key was used with a different request; use a new key for a new request.")
		return
	}
	switch attempt.State {
	case Completed:
		m.log(r, slog.LevelInfo, "idempotent response replayed", OutcomeReplayed, key, slog.Int("status", attempt.Record.Status))
		replay(w, attempt.Record)
		return
	case InProgress:
		m.log(r, slog.LevelInfo, "idempotent request in progress", OutcomeConflict, key)
		w.Header().Set("Retry-After", "1")
		writeProblem(w, http.StatusConflict, "A request is outstanding for this "+m.cfg.header,
			"The first request with this key is still being processed; retry later.")
		return
	}

	start := time.Now()
	rec := &recorder{w: w, max: m.cfg.maxResp}
	res, err := attempt.Run(r.Context(), func(context.Context) (Record, error) {
		m.next.ServeHTTP(rec, r)
		status := rec.finalStatus()
		switch {
		case !m.cfg.stored(status):
			return Record{}, &released{status: status, outcome: OutcomeReleased}
		case rec.overflow:
			return Record{}, &released{status: status, outcome: OutcomeResponseTooLarge}
		}
		return Record{Status: status, Header: m.keepHeaders(rec.headerSnapshot()), Body: rec.buf.Bytes()}, nil
	})
	dur := slog.Duration("duration", time.Since(start))
	var (
		rel *released
		pe  *PanicError
	)
	switch {
	case errors.As(err, &pe):
		m.log(r, slog.LevelWarn, "idempotency key released after a panic", OutcomePanic, key, dur, releaseError(err))
		// Let the panic go on to net/http (or the application's recovery
		// middleware), http.ErrAbortHandler included.
		panic(pe.Value)
	case errors.As(err, &rel):
		m.log(r, slog.LevelInfo, "idempotency key released", rel.outcome, key, slog.Int("status", rel.status), dur, releaseError(err))
	case err != nil:
		m.log(r, slog.LevelWarn, "idempotency key not released", OutcomeStoreFailed, key, dur, slog.String("error", err.Error()))
	case res.StoreErr != nil:
		m.log(r, slog.LevelWarn, "idempotent response not stored", OutcomeStoreFailed, key,
			slog.Int("status", res.Record.Status), dur, slog.String("error", res.StoreErr.Error()))
	default:
		m.log(r, slog.LevelInfo, "idempotent response stored", OutcomeStored, key, slog.Int("status", res.Record.Status), dur)
	}
}

// releaseError returns the error of a failed release joined to err, as an
// attribute, or an empty attribute when the release succeeded.
func releaseError(err error) slog.Attr {
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		if errs := joined.Unwrap(); len(errs) > 1 {
			return slog.String("release_error", errs[len(errs)-1].Error())
		}
	}
	return slog.Attr{}
}

// storeKey builds the key kept in the store from the client's scope and
// key. The scope's length comes first, so no pair of scope and key can
// collide with another; keys too long for the store are hashed.
func (m *middleware) storeKey(r *http.Request, key string) string {
	scope := m.scopeOf(r)
	raw := strconv.Itoa(len(scope)) + ":" + scope + ":" + key
	if k := "http:" + raw; ValidateKey(k) == nil {
		return k
	}
	sum := sha256.Sum256([]byte(raw))
	return "http#" + hex.EncodeToString(sum[:])
}

// defaultScopeKey keys the credentials digest when WithScopeSecret is not
// given. It is public: it separates this digest from any other use of
// the same bytes, nothing more.
var defaultScopeKey = []byte("switchboard idempotency scope v1")

// scopeOf returns the client scope of r: "s:" and WithScope's identity,
// "c:" and a digest of the credentials, or "a:" for a request without
// credentials.
func (m *middleware) scopeOf(r *http.Request) string {
	if m.cfg.scope != nil {
		return "s:" + m.cfg.scope(r)
	}
	auth := r.Header.Values("Authorization")
	var cookie string
	if m.cfg.scopeCookie != "" {
		if c, err := r.Cookie(m.cfg.scopeCookie); err == nil {
			cookie = c.Value
		}
	}
	if len(auth) == 0 && cookie == "" {
		return "a:"
	}
	secret := m.cfg.scopeSecret
	if len(secret) == 0 {
		secret = defaultScopeKey
	}
	mac := hmac.New(sha256.New, secret)
	for _, v := range auth {
		mac.Write([]byte("authorization\x00"))
		mac.Write([]byte(v))
		mac.Write([]byte{0})
	}
	if cookie != "" {
		mac.Write([]byte("cookie\x00"))
		mac.Write([]byte(cookie))
	}
	var sum [sha256.Size]byte
	return "c:" + base64.RawURLEncoding.EncodeToString(mac.Sum(sum[:0])[:16])
}

func (m *middleware) keepHeaders(h http.Header) http.Header {
	out := http.Header{}
	for k, v := range h {
		if m.cfg.storedHeaders != nil {
			if !m.cfg.storedHeaders[k] {
				continue
			}
		} else if excludedHeaders[k] {
			continue
		}
		out[k] = append([]string(nil), v...)
	}
	return out
}

func replay(w http.ResponseWriter, rec *Record) {
	h := w.Header()
	for k, v := range rec.Header {
		h[k] = append([]string(nil), v...)
	}
	h.Set(ReplayedHeader, "true")
	status := rec.Status
	if status < 100 || status > 999 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(rec.Body)
}

type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// writeProblem answers with an RFC 9457 problem document.
func writeProblem(w http.ResponseWriter, status int, title, detail string) {
	body, _ := json.Marshal(problem{Type: "about:blank", Title: title, Status: status, Detail: detail})
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// recorder passes the response through to the client while keeping a copy
// of its status, headers and up to max body bytes.
type recorder struct {
	w        http.ResponseWriter
	max      int64
	status   int
	header   http.Header // snapshot taken when the header was written
	buf      bytes.Buffer
	overflow bool
}

func (r *recorder) Header() http.Header { return r.w.Header() }

func (r *recorder) WriteHeader(code int) {
	if r.status != 0 {
		r.w.WriteHeader(code) // superfluous call: let net/http report it
		return
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		r.w.WriteHeader(code) // informational, the final status follows
		return
	}
	r.status = code
	r.header = r.w.Header().Clone()
	r.w.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	if !r.overflow {
		if int64(r.buf.Len()+len(p)) > r.max {
			r.overflow = true
			r.buf = bytes.Buffer{}
		} else {
			r.buf.Write(p)
		}
	}
	return r.w.Write(p)
}

// Flush implements http.Flusher when the underlying writer does.
func (r *recorder) Flush() {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(r.w).Flush()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.w }

func (r *recorder) finalStatus() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

func (r *recorder) headerSnapshot() http.Header {
	if r.header == nil {
		return r.w.Header().Clone()
	}
	return r.header
}
