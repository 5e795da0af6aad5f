package httpclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// retryableMethod reports whether a request with this method may be sent
// again without an idempotency key: the safe and idempotent methods of
// RFC 9110 section 9.2 other than TRACE.
func retryableMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// retryableStatus reports whether an answer with this status is worth
// another attempt: 408, 429 and the transient 5xx (not 501, which will not
// change).
func retryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests,
		http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// honoursRetryAfter reports whether Retry-After is obeyed for this status.
func honoursRetryAfter(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable
}

// retryableError reports whether a transport error (one the caller's
// context did not cause) is a connection-level failure worth another
// attempt. Certificate problems, redirect-policy errors and unsupported
// schemes are not: they fail the same way every time.
func retryableError(err error) bool {
	if err == nil {
		return false
	}
	var (
		unknownAuth *x509.UnknownAuthorityError
		hostname    x509.HostnameError
		invalid     x509.CertificateInvalidError
		verify      *tls.CertificateVerificationError
		record      tls.RecordHeaderError
	)
	if errors.As(err, &unknownAuth) || errors.As(err, &hostname) || errors.As(err, &invalid) ||
		errors.As(err, &verify) || errors.As(err, &record) {
		return false
	}
	// *url.Error implements net.Error itself, so look beneath it.
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		inner = ue.Err
	}
	if errors.Is(inner, io.EOF) || errors.Is(inner, io.ErrUnexpectedEOF) ||
		errors.Is(inner, syscall.ECONNRESET) || errors.Is(inner, syscall.ECONNREFUSED) ||
		errors.Is(inner, syscall.ECONNABORTED) || errors.Is(inner, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	return errors.As(inner, &ne)
}

// isTimeout reports whether err is a timeout of any kind.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

// ParseRetryAfter parses a Retry-After header value (RFC 9110 section
// 10.2.3): either a number of seconds or an HTTP date, which is turned into
// a wait relative to now. It returns false for an empty or malformed value.
// A date in the past gives a zero wait; a number of seconds too large for a
// time.Duration gives the largest Duration.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if isDigits(v) {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n > int64(math.MaxInt64/time.Second) {
			// All digits, so the only failure is overflow.
			return time.Duration(math.MaxInt64), true
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		d = 0
	}
	return d, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// backoff returns the wait before retry number n (0 for the first retry):
// a random duration in [0, min(max, base*2^n)), "full jitter" in the terms
// of the AWS Architecture Blog's "Exponential Backoff And Jitter".
func backoff(base, max time.Duration, n int, rnd func(int64) int64) time.Duration {
	ceil := max
	if n < 62 {
		if d := base << uint(n); d > 0 && d < max && d>>uint(n) == base {
			ceil = d
		}
	}
	if ceil <= 0 {
		return 0
	}
	return time.Duration(rnd(int64(ceil)))
}

// sleepCtx waits for d on a timer that ctx cancels.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
