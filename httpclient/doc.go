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
//   - Typed errors: a non-2xx answer is a *StatusError (status, method, URL
//     with query-string secrets redacted, a capped body, the provider's
//     request id, Retry-After), and errors.Is works with ErrRateLimited,
//     ErrServerError, ErrClientError, ErrTimeout, ErrCircuitOpen and
//     ErrRetryAfterTooLong. Transport failures are returned as *RequestError,
//     which still unwraps to the underlying net error.
//   - Logging through log/slog with method, host, path, status, attempt and
//     duration. Headers, credentials and the query string are never logged.
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
