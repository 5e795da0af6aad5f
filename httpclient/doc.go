// Package httpclient makes outbound HTTP calls to third-party APIs safely.
//
// It is built on github.com/go-resty/resty/v2 and adds what a production
// integration needs and resty v2 does not give by default:
//
//   - Timeouts that are always set: connect, TLS handshake, response header,
//     and a whole-request deadline (default 10 s) that spans every attempt.
//     A deadline on the caller's context replaces the client's default for
//     that call.
//   - Retries (default 2, so up to 3 attempts) on connection errors and on
//     408, 429, 500, 502, 503 and 504, never on 501 and never when the
//     caller's context was cancelled or its deadline passed. Waits use capped
//     exponential backoff with full jitter and sleep on a timer the context
//     cancels.
//   - Retry-After, in seconds or as an HTTP date, honoured on 429 and 503.
//     A Retry-After beyond WithMaxRetryAfter (or beyond the time left before
//     the deadline) is not waited for: the error is returned at once and
//     matches ErrRetryAfterTooLong.
//   - Only safe and idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE) are
//     retried, plus any request that carries an idempotency key
//     (WithIdempotencyKey, or WithAutoIdempotencyKeys for POST and PATCH).
//     The Idempotency-Key header and the request body are byte-identical on
//     every attempt, whatever type the body was given as.
//   - An optional circuit breaker per host (github.com/sony/gobreaker/v2):
//     while it is open, calls fail at once with ErrCircuitOpen.
//   - Redirects that never carry credentials or a body to another origin
//     (see below).
//   - Typed errors: a non-2xx answer is a *StatusError (status, method,
//     redacted URL, a capped body, the provider's request id,
//     Retry-After), and errors.Is works with ErrRateLimited,
//     ErrServerError, ErrClientError, ErrTimeout, ErrCircuitOpen,
//     ErrRetryAfterTooLong and ErrRedirectRefused. Transport failures are
//     returned as *RequestError, which still unwraps to the underlying net
//     error.
//   - Logging through log/slog with method, host, path, status, attempt and
//     duration, and only when WithLogger is given: without it the client
//     logs nowhere (not through slog.Default, and resty's own logger is
//     silenced). Headers, credentials and the query string are never
//     logged.
//   - Observation through WithObserver: a callback before and after each
//     call and each attempt (the attempt number gives
//     http.request.resend_count), and one per circuit breaker state
//     change, with the redacted URL and fixed error words, never a header
//     or a body. The otelobserve package turns them into OpenTelemetry
//     spans and metrics. Trace context is added to requests only by an
//     Observer's Inject, so nothing reaches a third-party API unasked.
//
// # Configuration
//
// New checks every option when the Client is built: a malformed base URL
// (not an absolute http or https URL, or one with user information, a
// query or a fragment), a duration or count out of its range, an empty or
// padded credential, a header that would split the request, two sources
// of Authorization, or options that contradict each other (WithTransport
// with WithHTTPClient, a transport timeout with a transport of the
// caller's) make New return an error wrapping ErrInvalidConfig that names
// the option. New never panics, and never quotes a credential or a URL in
// its error.
//
// # Redirects
//
// A Client with a base URL talks to one API and follows no redirect by
// default: an API that answers 3xx is misconfigured or compromised, and
// following would send the request where it was not configured to go. A
// Client without a base URL follows up to DefaultMaxRedirects. Either way
// WithMaxRedirects sets the limit (zero turns redirects off), and one rule
// always holds: a redirect to another origin (another scheme, host or
// port, so https to http as well) is never followed when the request
// carries credentials or a body. Credentials are an Authorization header,
// any header given with WithHeader or WithRequestHeader other than
// content-negotiation and caching headers, an Idempotency-Key, a Cookie,
// user information in the URL, and a query parameter IsSecretParam names.
// A redirect that is not followed ends the call with an error matching
// ErrRedirectRefused, naming the refused target (redacted) and the reason,
// that unwraps to the *StatusError of the 3xx answer.
//
// # Redaction
//
// URLs pass through RedactURL before they reach an error or a log line:
// user information (a user name alone included) becomes REDACTED, so do
// the values of secret query parameters (IsSecretParam) and the body of
// an opaque URL, and the fragment is dropped. A URL that does not parse is
// never echoed. Paths are kept as they are, so secrets belong in headers
// or the query, never in a path.
//
// # Why the retry loop lives here and not in resty
//
// resty v2 (v2.17.2, retry.go and middleware.go) retries whatever method
// the request has, POST included, on any error once a retry count is set;
// it ignores Retry-After unless a callback is installed, and then clamps the
// callback's answer into its own [wait, max wait] window instead of failing
// fast; its retry-on-error default is lost as soon as any retry condition is
// added; and it streams an io.Reader body once, so later attempts send an
// empty body. This package therefore sets resty's retry count to zero and
// runs its own loop: every attempt is one resty Execute call with the body
// already buffered as []byte, and the policy (which method, which status,
// which error, how long to wait, whether the breaker allows it) is decided
// in one place, where the tests drive it through an injectable clock and
// sleep.
package httpclient
