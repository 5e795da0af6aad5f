package httpclient

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Observer receives observations of a Client: one per call (Do and the
// methods built on it), one per attempt within the call, and the state
// changes of the circuit breakers. Give it with WithObserver; every field
// may be nil. An adapter turns the observations into traces and metrics
// (one span per call with a child span per attempt).
//
// The callbacks run on the calling goroutine, inside the call, so they
// must be quick and must not block. Start callbacks return the context the
// call or attempt goes on with: a span put into it is the parent of what
// follows (the attempts of a call, the transport's work in an attempt).
//
// Nothing an Observer receives holds a secret: the URL is redacted (see
// RedactURL), and no header, body or credential is passed, except to
// Inject, which only adds headers.
type Observer struct {
	// CallStart is called once per call, before its first attempt and
	// before the circuit breaker is asked.
	CallStart func(ctx context.Context, c CallInfo) context.Context
	// CallEnd is called once per call with the context CallStart
	// returned, when the call returns.
	CallEnd func(ctx context.Context, c CallInfo, r CallResult)
	// AttemptStart is called before each request is sent, with the
	// call's context.
	AttemptStart func(ctx context.Context, a AttemptInfo) context.Context
	// AttemptEnd is called when the attempt's answer is read (or the
	// attempt failed), with the context AttemptStart returned.
	AttemptEnd func(ctx context.Context, a AttemptInfo, r AttemptResult)
	// Inject, when set, adds headers to each attempt's request, such as
	// trace context for an API that should join the caller's trace. It
	// gets the attempt's context and a copy of the request header that it
	// may only add to. Leave it nil for third-party APIs: they have no
	// business learning the caller's trace identifiers.
	Inject func(ctx context.Context, h http.Header)
	// BreakerChange is called when a host's circuit breaker changes
	// state (see WithCircuitBreaker).
	BreakerChange func(c BreakerChange)
}

// CallInfo describes a call.
type CallInfo struct {
	// Method is the request method, in upper case.
	Method string
	// URL is the request URL redacted by RedactURL: user information and
	// the values of secret query parameters replaced by REDACTED, no
	// fragment.
	URL string
	// Scheme is "http" or "https".
	Scheme string
	// Host is the URL's host, with its port when the URL gives one.
	Host string
}

// CallResult is how a call ended.
type CallResult struct {
	// StatusCode is the status of the last answer; 0 when none came.
	StatusCode int
	// Attempts is how many requests were sent.
	Attempts int
	// Err is the call's error; nil when it returned a *Response.
	Err error
	// ErrorType classifies Err (see AttemptResult.ErrorType); empty when
	// Err is nil.
	ErrorType string
	// Duration is the time the call took, waits between attempts
	// included.
	Duration time.Duration
}

// AttemptInfo describes one attempt.
type AttemptInfo struct {
	// Call is the call the attempt belongs to.
	Call CallInfo
	// Attempt counts attempts from 1; Attempt-1 is the number of resends
	// before this one (OpenTelemetry's http.request.resend_count).
	Attempt int
}

// AttemptResult is how an attempt ended.
type AttemptResult struct {
	// StatusCode is the answer's status; 0 when none came.
	StatusCode int
	// Err is the transport's error (connection refused, timeout); nil
	// when an answer came, whatever its status.
	Err error
	// ErrorType classifies the failure with a fixed word: the status
	// code for an answer of 400 or more ("503"), else "timeout",
	// "canceled", "circuit_open", "response_too_large",
	// "redirect_refused" or "transport"; empty on success.
	ErrorType string
	// Duration is the time the attempt took.
	Duration time.Duration
}

// BreakerChange is a state change of a host's circuit breaker.
type BreakerChange struct {
	// Host is the host the breaker guards.
	Host string
	// From and To are "closed", "half-open" or "open".
	From, To string
}

// WithObserver sets the Observer that receives observations of every call
// and attempt. Without it nothing is observed and nothing is spent on it. A
// nil Observer is a configuration error.
func WithObserver(o *Observer) Option {
	return func(c *config) error {
		if o == nil {
			return configError("WithObserver", "the observer is nil")
		}
		c.observer = o
		return nil
	}
}

// observedRun runs the call through the observer's CallStart and CallEnd.
func (k *call) observedRun(mayRetry bool) (*Response, error) {
	obs := k.c.cfg.observer
	if obs == nil {
		return k.run(mayRetry)
	}
	k.info = k.callInfo()
	if obs.CallStart != nil {
		k.ctx = obs.CallStart(k.ctx, k.info)
	}
	start := time.Now()
	resp, err := k.run(mayRetry)
	if obs.CallEnd != nil {
		r := CallResult{StatusCode: k.lastStatus, Attempts: k.sent, Err: err,
			ErrorType: errorType(err), Duration: time.Since(start)}
		obs.CallEnd(k.ctx, k.info, r)
	}
	return resp, err
}

// observedAttempt sends one attempt through the observer's AttemptStart,
// Inject and AttemptEnd.
func (k *call) observedAttempt(n int) attemptResult {
	obs := k.c.cfg.observer
	if obs == nil {
		return k.attempt(k.ctx, k.header)
	}
	ctx, header := k.ctx, k.header
	a := AttemptInfo{Call: k.info, Attempt: n}
	if obs.AttemptStart != nil {
		ctx = obs.AttemptStart(ctx, a)
	}
	if obs.Inject != nil {
		header = header.Clone()
		obs.Inject(ctx, header)
	}
	start := time.Now()
	res := k.attempt(ctx, header)
	k.sent, k.lastStatus = n, res.status
	if obs.AttemptEnd != nil {
		r := AttemptResult{StatusCode: res.status, Err: res.err, Duration: time.Since(start)}
		switch {
		case res.err != nil:
			r.ErrorType = errorType(res.err)
		case res.status >= 400:
			r.ErrorType = strconv.Itoa(res.status)
		}
		obs.AttemptEnd(ctx, a, r)
	}
	return res
}

// callInfo describes the call for an observer.
func (k *call) callInfo() CallInfo {
	scheme := "http"
	if strings.HasPrefix(k.target.url, "https:") {
		scheme = "https"
	}
	return CallInfo{Method: k.method, URL: k.redacted(), Scheme: scheme, Host: k.target.host}
}

// errorType is the fixed word an Observer gets for err.
func errorType(err error) string {
	var se *StatusError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrCircuitOpen):
		return "circuit_open"
	case errors.Is(err, ErrRedirectRefused):
		return "redirect_refused"
	case errors.As(err, &se):
		return strconv.Itoa(se.StatusCode)
	case errors.Is(err, ErrResponseTooLarge):
		return "response_too_large"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return "timeout"
	}
	return "transport"
}
