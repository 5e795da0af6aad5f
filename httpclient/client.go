package httpclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"
)

// Client sends HTTP requests with timeouts, retries, Retry-After handling,
// an optional per-host circuit breaker and typed errors. It is safe for
// concurrent use; build one per upstream API and reuse it.
type Client struct {
	cfg        config
	base       *url.URL
	basePath   string // escaped path of base
	baseString string // base as a string, without a trailing slash
	header     http.Header
	rc         *resty.Client
	rcGetBody  *resty.Client
	log        *slog.Logger
	breakers   *breakers
}

// Response is a successful answer: a 2xx, or a status listed with
// WithAllowedStatus. The body has been read in full and the connection
// released.
type Response struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Header is the response header.
	Header http.Header
	// Body is the whole response body.
	Body []byte
	// Attempts is how many attempts the call took (1 when it was not
	// retried).
	Attempts int
	// Duration is the time the call took, waits between attempts included.
	Duration time.Duration
}

// JSON decodes the response body as JSON into v.
func (r *Response) JSON(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("httpclient: decode JSON response: %w", err)
	}
	return nil
}

// New returns a Client configured by opts. Unset timeouts take the Default
// values of this package, so a Client never waits forever. A malformed
// base URL, an option value out of its range, or options that contradict
// each other make New return an error wrapping ErrInvalidConfig, which
// names the option at fault; New never panics.
func New(opts ...Option) (*Client, error) {
	cfg := config{
		header:                make(http.Header),
		userAgent:             DefaultUserAgent,
		timeout:               DefaultTimeout,
		connectTimeout:        DefaultConnectTimeout,
		tlsHandshakeTimeout:   DefaultTLSHandshakeTimeout,
		responseHeaderTimeout: DefaultResponseHeaderTimeout,
		retries:               DefaultRetries,
		backoffBase:           DefaultBackoffBase,
		backoffMax:            DefaultBackoffMax,
		maxRetryAfter:         DefaultMaxRetryAfter,
		maxResponseBody:       DefaultMaxResponseBody,
		logger:                slog.New(slog.DiscardHandler),
		now:                   time.Now,
		sleep:                 sleepCtx,
		rand:                  mrand.Int64N,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.httpClient != nil && cfg.transport != nil {
		return nil, configError("WithTransport", "WithHTTPClient and WithTransport both choose the transport; give one")
	}
	ownTransport := cfg.transport != nil || (cfg.httpClient != nil && cfg.httpClient.Transport != nil)
	if ownTransport && cfg.transportTimeoutSet != "" {
		return nil, configError(cfg.transportTimeoutSet,
			"it applies to the transport New builds, not to one given with WithTransport or WithHTTPClient")
	}

	c := &Client{cfg: cfg, log: cfg.logger}
	if cfg.baseURLSet {
		u, err := parseBaseURL(cfg.baseURL)
		if err != nil {
			return nil, err
		}
		c.base = u
		c.basePath = u.EscapedPath()
		c.baseString = u.String()
	}
	if !cfg.maxRedirectsSet {
		c.cfg.maxRedirects = DefaultMaxRedirects
		if c.base != nil {
			c.cfg.maxRedirects = 0
		}
	}

	c.header = cfg.header.Clone()
	c.header.Set("User-Agent", cfg.userAgent)
	// resty copies a JSON or XML Content-Type into an empty Accept; do it
	// once here so that resty never writes to this shared map.
	if ct := c.header.Get("Content-Type"); ct != "" && c.header.Get("Accept") == "" &&
		(resty.IsJSONType(ct) || resty.IsXMLType(ct)) {
		c.header.Set("Accept", ct)
	}
	if cfg.authorization != "" {
		c.header.Set("Authorization", cfg.authorization)
	}

	// Always a copy: resty and the redirect rules write to the client, and
	// the caller's stays as it was.
	var hc http.Client
	var next func(*http.Request, []*http.Request) error
	if cfg.httpClient != nil {
		hc = *cfg.httpClient
		next = cfg.httpClient.CheckRedirect
	}
	if hc.Transport == nil {
		hc.Transport = cfg.transport
	}
	if hc.Transport == nil {
		hc.Transport = newTransport(&cfg)
	}
	// Without WithHTTPClient there is no Timeout here: the whole-request
	// deadline is the context's, so that it spans retries and the caller's
	// deadline can override it.
	hc.CheckRedirect = checkRedirect(c.cfg.maxRedirects, next)
	rc := resty.NewWithClient(&hc)
	rc.SetRetryCount(0) // the retry loop is ours; see the package doc
	rc.SetLogger(discardLogger{})
	rc.SetDisableWarn(true)
	c.rc = rc
	// A GET with a body is rare; it goes through a second resty client that
	// allows one, so that bodiless GETs skip resty's empty-body handling.
	c.rcGetBody = resty.NewWithClient(&hc).SetRetryCount(0).SetLogger(discardLogger{}).
		SetDisableWarn(true).SetAllowGetMethodPayload(true)

	if cfg.breaker != nil {
		c.breakers = newBreakers(*cfg.breaker, cfg.logger, cfg.observer)
	}
	return c, nil
}

// BaseURL returns the base URL given with WithBaseURL, without a trailing
// slash, or "" when there is none.
func (c *Client) BaseURL() string { return c.baseString }

// Timeout returns the whole-request deadline of a call whose context has
// none: WithTimeout's value, or DefaultTimeout. A deadline on the call's
// context replaces it.
func (c *Client) Timeout() time.Duration { return c.cfg.timeout }

// newTransport builds the transport used when no client or transport is
// given: http.DefaultTransport's settings plus the configured timeouts.
func newTransport(cfg *config) *http.Transport {
	dialer := &net.Dialer{Timeout: cfg.connectTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   cfg.tlsHandshakeTimeout,
		ResponseHeaderTimeout: cfg.responseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
	}
}

// discardLogger silences resty's own logger, whose lines could carry URLs
// with secrets; this package logs through slog instead.
type discardLogger struct{}

func (discardLogger) Errorf(string, ...any) {}
func (discardLogger) Warnf(string, ...any)  {}
func (discardLogger) Debugf(string, ...any) {}

// Get sends a GET request.
func (c *Client) Get(ctx context.Context, path string, opts ...RequestOption) (*Response, error) {
	return c.Do(ctx, http.MethodGet, path, nil, opts...)
}

// Post sends a POST request. It is retried only with an idempotency key.
func (c *Client) Post(ctx context.Context, path string, body any, opts ...RequestOption) (*Response, error) {
	return c.Do(ctx, http.MethodPost, path, body, opts...)
}

// Put sends a PUT request.
func (c *Client) Put(ctx context.Context, path string, body any, opts ...RequestOption) (*Response, error) {
	return c.Do(ctx, http.MethodPut, path, body, opts...)
}

// Patch sends a PATCH request. It is retried only with an idempotency key.
func (c *Client) Patch(ctx context.Context, path string, body any, opts ...RequestOption) (*Response, error) {
	return c.Do(ctx, http.MethodPatch, path, body, opts...)
}

// Delete sends a DELETE request.
func (c *Client) Delete(ctx context.Context, path string, opts ...RequestOption) (*Response, error) {
	return c.Do(ctx, http.MethodDelete, path, nil, opts...)
}

// Do sends a request and returns its answer.
//
// path is resolved against WithBaseURL unless it is an absolute URL. The
// body is encoded once, before the first attempt, and the same bytes are
// sent on every attempt: nil sends no body; []byte and string are sent as
// they are; an io.Reader is read to the end once (and closed if it is an
// io.Closer); url.Values is sent form-encoded; json.RawMessage is sent as
// JSON; anything else is encoded with encoding/json. HEAD and OPTIONS
// requests carry no body.
//
// A 2xx (or a status listed with WithAllowedStatus) returns a *Response.
// Any other status returns a *StatusError; a call that got no answer
// returns a *RequestError. See the package documentation for the retry
// rules.
func (c *Client) Do(ctx context.Context, method, path string, body any, opts ...RequestOption) (*Response, error) {
	var rcfg requestConfig
	if len(opts) > 0 {
		// Options get their own heap copy, so that calls without options
		// keep rcfg on the stack.
		p := new(requestConfig)
		for _, o := range opts {
			o(p)
		}
		rcfg = *p
	}
	method = strings.ToUpper(method)

	target, err := c.target(path, rcfg.query)
	if err != nil {
		return nil, &RequestError{Method: method, URL: RedactURLString(path), Err: err}
	}
	call := &call{c: c, method: method, target: target, allowed: rcfg.allowed}

	payload, ctype, err := encodeBody(body)
	if err != nil {
		return nil, &RequestError{Method: method, URL: call.redacted(), Err: err}
	}
	if rcfg.contentType != "" {
		ctype = rcfg.contentType
	}

	key := rcfg.idempotencyKey
	if key == "" {
		// Also honour one set with WithHeader or WithRequestHeader.
		if key = rcfg.header.Get("Idempotency-Key"); key == "" {
			key = c.header.Get("Idempotency-Key")
		}
	}
	if key == "" && c.cfg.autoIdempotency && (method == http.MethodPost || method == http.MethodPatch) {
		key = newIdempotencyKey()
	}

	// resty only reads a request's header map when the request has no body
	// (it clones it into the *http.Request), so a plain bodiless call shares
	// the client's map; anything else gets its own copy, which resty may
	// complete with a sniffed Content-Type.
	header := c.header
	if payload != nil || len(rcfg.header) > 0 || key != "" {
		header = c.header.Clone()
		for k, v := range rcfg.header {
			header[k] = v
		}
		if ctype != "" && payload != nil {
			header.Set("Content-Type", ctype)
		}
		if key != "" {
			header.Set("Idempotency-Key", key)
		}
	}
	mayRetry := retryableMethod(method) || key != ""

	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.timeout)
		defer cancel()
	}

	call.ctx, call.header, call.payload = ctx, header, payload
	return call.observedRun(mayRetry)
}

// call is the state of one Do.
type call struct {
	c       *Client
	ctx     context.Context
	method  string
	target  target
	header  http.Header
	payload []byte
	allowed []int

	redactedURL string // computed on first use

	// Kept only when an Observer is set.
	info       CallInfo
	sent       int // attempts sent so far
	lastStatus int // status of the last answer, 0 for none
}

// target is a resolved request URL.
type target struct {
	url   string // sent to resty
	host  string // for the breaker and logs
	path  string // escaped path, for logs
	clean bool   // url holds nothing to redact
}

// redacted returns the request URL with its secrets redacted.
func (k *call) redacted() string {
	if k.target.clean {
		return k.target.url
	}
	if k.redactedURL == "" {
		k.redactedURL = RedactURLString(k.target.url)
	}
	return k.redactedURL
}

// attemptResult is the outcome of one attempt.
type attemptResult struct {
	status int
	header http.Header
	body   []byte
	err    error         // transport error, sanitized
	last   *http.Request // the request a redirect status answered
}

func (k *call) run(mayRetry bool) (*Response, error) {
	c := k.c
	start := time.Now()
	var last error // the previous attempt's error
	for attempt := 1; ; attempt++ {
		var done func(error)
		if c.breakers != nil {
			var berr error
			done, berr = c.breakers.get(k.target.host).Allow()
			if berr != nil {
				return nil, &RequestError{
					Method: k.method, URL: k.redacted(), Attempts: attempt - 1,
					Err:  fmt.Errorf("%w for host %s: %w", ErrCircuitOpen, k.target.host, berr),
					last: last,
				}
			}
		}

		t0 := start
		if attempt > 1 {
			t0 = time.Now()
		}
		res := k.observedAttempt(attempt)
		end := time.Now()
		took := end.Sub(t0)

		// The call is over when the context is: the caller cancelled, or
		// the deadline (the caller's or WithTimeout's) passed.
		if res.err != nil {
			if cerr := k.ctx.Err(); cerr != nil {
				if done != nil {
					if errors.Is(cerr, context.DeadlineExceeded) {
						done(errBreakerFailure)
					} else {
						done(errBreakerExcluded)
					}
				}
				k.logAttempt(slog.LevelWarn, attempt, 0, took, res.err, -1)
				return nil, &RequestError{
					Method: k.method, URL: k.redacted(), Attempts: attempt, Err: res.err,
					timeout: errors.Is(cerr, context.DeadlineExceeded), last: last,
				}
			}
			retry := mayRetry && retryableError(res.err) && attempt <= c.cfg.retries
			if done != nil {
				if retryableError(res.err) || isTimeout(res.err) {
					done(errBreakerFailure)
				} else {
					done(errBreakerExcluded)
				}
			}
			rerr := &RequestError{
				Method: k.method, URL: k.redacted(), Attempts: attempt, Err: res.err,
				timeout: isTimeout(res.err),
			}
			if !retry {
				k.logAttempt(slog.LevelWarn, attempt, 0, took, res.err, -1)
				return nil, rerr
			}
			wait, stop := k.wait(attempt, 0, "")
			if stop {
				k.logAttempt(slog.LevelWarn, attempt, 0, took, res.err, -1)
				return nil, rerr
			}
			k.logAttempt(slog.LevelWarn, attempt, 0, took, res.err, wait)
			last = rerr
			if err := c.cfg.sleep(k.ctx, wait); err != nil {
				return nil, k.ctxError(attempt, err, last)
			}
			continue
		}

		status := res.status
		if done != nil {
			switch {
			case status >= 500:
				done(errBreakerFailure)
			case status == http.StatusTooManyRequests:
				done(errBreakerExcluded)
			default:
				done(nil)
			}
		}
		if (status >= 200 && status <= 299) || slices.Contains(k.allowed, status) {
			k.logAttempt(slog.LevelDebug, attempt, status, took, nil, -1)
			return &Response{
				StatusCode: status,
				Header:     res.header,
				Body:       res.body,
				Attempts:   attempt,
				Duration:   end.Sub(start),
			}, nil
		}

		serr := k.statusError(res)
		if rerr := k.refusedRedirect(res.last, res, serr); rerr != nil {
			k.logAttempt(slog.LevelWarn, attempt, status, took, nil, -1)
			return nil, rerr
		}
		if !mayRetry || !retryableStatus(status) || attempt > c.cfg.retries {
			k.logAttempt(slog.LevelWarn, attempt, status, took, nil, -1)
			return nil, serr
		}
		wait, stop := k.wait(attempt, status, res.header.Get("Retry-After"))
		if stop {
			k.logAttempt(slog.LevelWarn, attempt, status, took, nil, -1)
			if wait > 0 {
				return nil, &retryAfterTooLongError{status: serr, limit: k.maxWait()}
			}
			return nil, serr
		}
		k.logAttempt(slog.LevelWarn, attempt, status, took, nil, wait)
		last = serr
		if err := c.cfg.sleep(k.ctx, wait); err != nil {
			return nil, k.ctxError(attempt, err, last)
		}
	}
}

// attempt sends the request once through resty and reads the answer.
// resty is told not to parse the response: the body is read here, under
// the WithMaxResponseBody limit, which skips resty's content-type sniffing
// of every response.
func (k *call) attempt(ctx context.Context, header http.Header) attemptResult {
	rc := k.c.rc
	if k.payload != nil && k.method == http.MethodGet {
		rc = k.c.rcGetBody
	}
	r := rc.R()
	r.Header = header
	r.SetContext(ctx)
	r.SetDoNotParseResponse(true)
	if k.payload != nil {
		r.SetBody(k.payload)
	}
	resp, err := r.Execute(k.method, k.target.url)
	if err != nil {
		if resp != nil && resp.RawResponse != nil {
			_ = resp.RawResponse.Body.Close()
		}
		return attemptResult{err: sanitizeError(err, k.redacted())}
	}
	raw := resp.RawResponse
	defer raw.Body.Close()
	body, err := readBody(raw, int64(k.c.cfg.maxResponseBody))
	if err != nil {
		if errors.Is(err, ErrResponseTooLarge) {
			return attemptResult{err: err}
		}
		return attemptResult{err: sanitizeError(err, k.redacted())}
	}
	res := attemptResult{status: raw.StatusCode, header: raw.Header, body: body}
	if isRedirect(raw.StatusCode) {
		res.last = raw.Request
	}
	return res
}

// readBody reads a response body of at most limit bytes. A body of known
// length is read into a buffer of exactly that size.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	if resp.Body == http.NoBody || (resp.Request != nil && resp.Request.Method == http.MethodHead) {
		return []byte{}, nil
	}
	if n := resp.ContentLength; n > limit {
		return nil, fmt.Errorf("%w (limit %d bytes)", ErrResponseTooLarge, limit)
	} else if n >= 0 {
		body := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, body); err != nil {
			return nil, err
		}
		// Read to EOF (one more Read), which lets the transport reuse the
		// connection at once; anything beyond Content-Length is an error.
		var one [1]byte
		if m, err := resp.Body.Read(one[:]); m > 0 || (err != nil && err != io.EOF) {
			if err == nil {
				err = errors.New("httpclient: response body longer than its Content-Length")
			}
			return nil, err
		}
		return body, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w (limit %d bytes)", ErrResponseTooLarge, limit)
	}
	return body, nil
}

// maxWait is the longest wait allowed before the next attempt: the
// Retry-After cap, or the time left before the deadline if that is less.
func (k *call) maxWait() time.Duration {
	limit := k.c.cfg.maxRetryAfter
	if dl, ok := k.ctx.Deadline(); ok {
		if left := dl.Sub(k.c.cfg.now()); left < limit {
			limit = left
		}
	}
	if limit < 0 {
		limit = 0
	}
	return limit
}

// wait decides the pause before the next attempt. stop is true when the
// call should end now instead; then wait > 0 means a Retry-After was over
// the limit.
func (k *call) wait(attempt, status int, retryAfter string) (wait time.Duration, stop bool) {
	cfg := &k.c.cfg
	if honoursRetryAfter(status) && retryAfter != "" {
		if d, ok := ParseRetryAfter(retryAfter, cfg.now()); ok {
			if d > k.maxWait() {
				return d, true
			}
			return d, false
		}
	}
	d := backoff(cfg.backoffBase, cfg.backoffMax, attempt-1, cfg.rand)
	if dl, ok := k.ctx.Deadline(); ok && cfg.now().Add(d).After(dl) {
		// Waiting would outlast the deadline: return the last answer now.
		return 0, true
	}
	return d, false
}

// ctxError is the error for a context that ended during a backoff wait.
func (k *call) ctxError(attempts int, err, last error) error {
	return &RequestError{
		Method: k.method, URL: k.redacted(), Attempts: attempts, Err: err,
		timeout: errors.Is(err, context.DeadlineExceeded), last: last,
	}
}

func (k *call) statusError(res attemptResult) *StatusError {
	body := res.body
	if len(body) > maxErrorBody {
		body = body[:maxErrorBody:maxErrorBody]
	}
	se := &StatusError{
		StatusCode: res.status,
		Method:     k.method,
		URL:        k.redacted(),
		Header:     res.header,
		Body:       body,
		RequestID:  requestID(res.header),
	}
	if v := res.header.Get("Retry-After"); v != "" {
		if d, ok := ParseRetryAfter(v, k.c.cfg.now()); ok {
			se.RetryAfter = d
		}
	}
	return se
}

// logAttempt logs one attempt. wait >= 0 means another attempt follows
// after that pause.
func (k *call) logAttempt(level slog.Level, attempt, status int, took time.Duration, err error, wait time.Duration) {
	if !k.c.log.Enabled(k.ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 8)
	attrs = append(attrs,
		slog.String("method", k.method),
		slog.String("host", k.target.host),
		slog.String("path", k.target.path),
		slog.Int("status", status),
		slog.Int("attempt", attempt),
		slog.Duration("duration", took),
	)
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	msg := "httpclient: request"
	if wait >= 0 {
		msg = "httpclient: request failed, retrying"
		attrs = append(attrs, slog.Duration("retry_in", wait))
	}
	k.c.log.LogAttrs(k.ctx, level, msg, attrs...)
}

// sanitizeError replaces the URL inside a *url.Error (which would show the
// query string) with the redacted one, and drops the text of net/http's
// error for a malformed Location header, which quotes the header.
func sanitizeError(err error, redacted string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		inner := ue.Err
		if strings.HasPrefix(inner.Error(), "failed to parse Location header") {
			inner = errMalformedLocation
		}
		return &url.Error{Op: ue.Op, URL: redacted, Err: inner}
	}
	return err
}

// errMalformedLocation stands for net/http's error about a redirect whose
// Location header does not parse.
var errMalformedLocation = errors.New("redirect with a malformed Location header")
