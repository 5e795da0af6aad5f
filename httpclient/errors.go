package httpclient

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrRateLimited matches a 429 Too Many Requests answer.
	ErrRateLimited = errors.New("httpclient: rate limited")
	// ErrServerError matches a 5xx answer.
	ErrServerError = errors.New("httpclient: server error")
	// ErrClientError matches a 4xx answer other than 429 (which is
	// ErrRateLimited).
	ErrClientError = errors.New("httpclient: client error")
	// ErrTimeout matches a call that ran out of time: the whole-request
	// deadline or the caller's context deadline (then context.DeadlineExceeded
	// matches too), or a connect, TLS-handshake or response-header timeout.
	ErrTimeout = errors.New("httpclient: timeout")
	// ErrCircuitOpen matches a call refused because the host's circuit
	// breaker is open (or half-open and already probing).
	ErrCircuitOpen = errors.New("httpclient: circuit breaker open")
	// ErrRetryAfterTooLong matches a 429 or 503 whose Retry-After asked for a
	// longer wait than WithMaxRetryAfter allows or than the deadline leaves.
	// The error also matches ErrRateLimited or ErrServerError, and errors.As
	// finds the *StatusError.
	ErrRetryAfterTooLong = errors.New("httpclient: Retry-After exceeds the allowed wait")
	// ErrResponseTooLarge matches a response whose body is larger than
	// WithMaxResponseBody allows. It is not retried.
	ErrResponseTooLarge = errors.New("httpclient: response body too large")
)

// maxErrorBody is how much of a non-2xx response body a StatusError keeps.
const maxErrorBody = 64 << 10

// maxExcerpt is how much of the body StatusError.Error shows.
const maxExcerpt = 200

// requestIDHeaders are the headers providers use for a request id, in the
// order they are looked up.
var requestIDHeaders = []string{
	"Request-Id",
	"X-Request-Id",
	"X-Amzn-Requestid",
	"X-Amz-Request-Id",
	"X-Correlation-Id",
}

// StatusError is the error for a non-2xx answer (one not listed with
// WithAllowedStatus).
type StatusError struct {
	// StatusCode is the HTTP status of the last attempt.
	StatusCode int
	// Method is the request method.
	Method string
	// URL is the request URL with query-string secrets and passwords
	// redacted.
	URL string
	// Header is the response header.
	Header http.Header
	// Body holds up to 64 KiB of the response body, for parsing a provider's
	// error document.
	Body []byte
	// RequestID is the provider's request id (Request-Id, X-Request-Id and
	// similar headers), empty when there is none.
	RequestID string
	// RetryAfter is the wait the response's Retry-After header asked for,
	// zero when there is none.
	RetryAfter time.Duration
}

// Error returns a one-line summary: method, redacted URL, status, request id
// and a short excerpt of the body. The body of a 3xx answer is left out:
// it usually repeats the Location, which the error shows redacted.
func (e *StatusError) Error() string {
	var b strings.Builder
	b.WriteString("httpclient: ")
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.URL)
	b.WriteString(": ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteByte(' ')
		b.WriteString(t)
	}
	if e.RequestID != "" {
		b.WriteString(" (request id ")
		b.WriteString(e.RequestID)
		b.WriteByte(')')
	}
	if e.StatusCode >= 300 && e.StatusCode <= 399 {
		return b.String()
	}
	if ex := excerpt(e.Body); ex != "" {
		b.WriteString(": ")
		b.WriteString(ex)
	}
	return b.String()
}

// Is reports whether target is the sentinel for the error's status class.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServerError:
		return e.StatusCode >= 500 && e.StatusCode <= 599
	case ErrClientError:
		return e.StatusCode >= 400 && e.StatusCode <= 499 && e.StatusCode != http.StatusTooManyRequests
	}
	return false
}

// excerpt returns at most maxExcerpt bytes of body on one line, cut on a
// rune boundary.
func excerpt(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	cut := body
	truncated := false
	if len(cut) > maxExcerpt {
		cut = cut[:maxExcerpt]
		for len(cut) > 0 && !utf8.Valid(cut) {
			cut = cut[:len(cut)-1]
		}
		truncated = true
	}
	s := strings.Join(strings.Fields(string(cut)), " ")
	s = strings.ToValidUTF8(s, "?")
	if truncated {
		s += "..."
	}
	return s
}

func requestID(h http.Header) string {
	for _, k := range requestIDHeaders {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}

// RequestError is returned when a call ends without an HTTP answer: a
// transport failure after the last attempt, a timeout, the caller's
// cancellation, an open circuit breaker, or a request that could not be
// built. errors.Is and errors.As see through it to the underlying error
// (a *net.OpError, context.Canceled, context.DeadlineExceeded...), and to
// ErrTimeout for a timeout.
type RequestError struct {
	// Method is the request method.
	Method string
	// URL is the request URL with query-string secrets redacted.
	URL string
	// Attempts is how many attempts were sent.
	Attempts int
	// Err is the cause.
	Err error

	timeout bool
	last    error // the previous attempt's error, when the call stopped early
}

// Error describes the failure without credentials or query-string secrets.
func (e *RequestError) Error() string {
	var b strings.Builder
	b.WriteString("httpclient: ")
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.URL)
	if e.Attempts > 1 {
		b.WriteString(" (after ")
		b.WriteString(strconv.Itoa(e.Attempts))
		b.WriteString(" attempts)")
	}
	b.WriteString(": ")
	if e.timeout && !errors.Is(e.Err, ErrTimeout) {
		b.WriteString("timeout: ")
	}
	b.WriteString(e.Err.Error())
	if e.last != nil {
		b.WriteString("; last error: ")
		b.WriteString(e.last.Error())
	}
	return b.String()
}

// Unwrap returns the cause, ErrTimeout when the call timed out, and the
// previous attempt's error when the call stopped early.
func (e *RequestError) Unwrap() []error {
	errs := make([]error, 0, 3)
	errs = append(errs, e.Err)
	if e.timeout {
		errs = append(errs, ErrTimeout)
	}
	if e.last != nil {
		errs = append(errs, e.last)
	}
	return errs
}

// retryAfterTooLongError wraps the StatusError of a 429 or 503 whose
// Retry-After is beyond the allowed wait.
type retryAfterTooLongError struct {
	status *StatusError
	limit  time.Duration
}

func (e *retryAfterTooLongError) Error() string {
	return "httpclient: Retry-After " + e.status.RetryAfter.String() +
		" exceeds the allowed wait " + e.limit.String() + ": " + e.status.Error()
}

func (e *retryAfterTooLongError) Unwrap() []error {
	return []error{ErrRetryAfterTooLong, e.status}
}
