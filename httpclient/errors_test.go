package httpclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestStatusErrorFields(t *testing.T) {
	big := bytes.Repeat([]byte(`{"error":"invalid card"} `), 5000) // > 64 KiB
	rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Request-Id", "req_ABC")
		w.Header().Set("Retry-After", "4")
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = w.Write(big)
	})
	var s sleeps
	_, err := fastClient(rec, &s).Post(context.Background(), "/v1/charges?client_secret=pi_SECRET&expand=x", "amount=1")
	require.Error(t, err)
	var se *StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, http.StatusUnprocessableEntity, se.StatusCode)
	require.Equal(t, http.MethodPost, se.Method)
	require.Equal(t, rec.srv.URL+"/v1/charges?client_secret=REDACTED&expand=x", se.URL)
	require.Equal(t, "req_ABC", se.RequestID)
	require.Equal(t, 4*time.Second, se.RetryAfter)
	require.Equal(t, "4", se.Header.Get("Retry-After"))
	require.Len(t, se.Body, 64<<10)
	require.Equal(t, big[:64<<10], se.Body)

	msg := se.Error()
	require.True(t, strings.HasPrefix(msg, "httpclient: POST "+rec.srv.URL+"/v1/charges?client_secret=REDACTED&expand=x: 422 Unprocessable Entity (request id req_ABC): {\"error\":"), msg)
	require.Less(t, len(msg), 400, "the body excerpt is capped")
	require.True(t, strings.HasSuffix(msg, "..."))
	require.NotContains(t, msg, "pi_SECRET")
	require.NotContains(t, msg, "\n")
}

func TestStatusErrorIs(t *testing.T) {
	sentinels := []error{ErrRateLimited, ErrServerError, ErrClientError, ErrTimeout, ErrCircuitOpen, ErrRetryAfterTooLong}
	tests := []struct {
		status int
		want   error
	}{
		{400, ErrClientError},
		{401, ErrClientError},
		{403, ErrClientError},
		{404, ErrClientError},
		{408, ErrClientError},
		{409, ErrClientError},
		{422, ErrClientError},
		{429, ErrRateLimited},
		{499, ErrClientError},
		{500, ErrServerError},
		{501, ErrServerError},
		{503, ErrServerError},
		{599, ErrServerError},
		{302, nil},
		{304, nil},
	}
	for _, tt := range tests {
		err := fmt.Errorf("wrapped: %w", &StatusError{StatusCode: tt.status})
		for _, s := range sentinels {
			require.Equal(t, s == tt.want, errors.Is(err, s), "status %d vs %v", tt.status, s)
		}
	}
}

func TestRequestErrorIs(t *testing.T) {
	last := &StatusError{StatusCode: 503, Method: "GET", URL: "http://h/x"}
	tests := []struct {
		name string
		err  error
		want []error
		not  []error
	}{
		{"deadline", &RequestError{Method: "GET", URL: "u", Err: context.DeadlineExceeded, timeout: true},
			[]error{ErrTimeout, context.DeadlineExceeded}, []error{context.Canceled, ErrCircuitOpen}},
		{"canceled after 503", &RequestError{Method: "GET", URL: "u", Attempts: 2, Err: context.Canceled, last: last},
			[]error{context.Canceled, ErrServerError}, []error{ErrTimeout}},
		{"circuit", &RequestError{Method: "GET", URL: "u", Err: fmt.Errorf("%w for host h", ErrCircuitOpen)},
			[]error{ErrCircuitOpen}, []error{ErrTimeout, ErrServerError}},
		{"too long", &retryAfterTooLongError{status: &StatusError{StatusCode: 429, RetryAfter: time.Hour}, limit: time.Minute},
			[]error{ErrRetryAfterTooLong, ErrRateLimited}, []error{ErrServerError, ErrClientError}},
		{"too long 503", &retryAfterTooLongError{status: &StatusError{StatusCode: 503, RetryAfter: time.Hour}, limit: time.Minute},
			[]error{ErrRetryAfterTooLong, ErrServerError}, []error{ErrRateLimited}},
	}
	for _, tt := range tests {
		for _, w := range tt.want {
			require.ErrorIs(t, tt.err, w, tt.name)
		}
		for _, n := range tt.not {
			require.NotErrorIs(t, tt.err, n, tt.name)
		}
		require.NotEmpty(t, tt.err.Error())
	}
	re := &RequestError{Method: "GET", URL: "http://h/x", Attempts: 3, Err: context.Canceled, last: last}
	require.Equal(t, "httpclient: GET http://h/x (after 3 attempts): context canceled; last error: httpclient: GET http://h/x: 503 Service Unavailable", re.Error())
}

func TestCircuitOpenError(t *testing.T) {
	rec := newRecorder(t, statuses(500))
	var s sleeps
	c := fastClient(rec, &s, WithRetries(0), WithCircuitBreaker(WithBreakerFailures(1)))
	_, err := c.Get(context.Background(), "/")
	require.ErrorIs(t, err, ErrServerError)
	_, err = c.Get(context.Background(), "/")
	require.ErrorIs(t, err, ErrCircuitOpen)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	require.Equal(t, 0, re.Attempts)
}

func TestExcerpt(t *testing.T) {
	require.Equal(t, "", excerpt(nil))
	require.Equal(t, "a b c", excerpt([]byte("a\n b\r\n\tc")))
	long := strings.Repeat("é", 150) // 300 bytes
	ex := excerpt([]byte(long))
	require.True(t, strings.HasSuffix(ex, "..."))
	require.Equal(t, strings.Repeat("é", 100)+"...", ex)
	require.Equal(t, "a?b", excerpt([]byte("a\xffb")))
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://api.x.com/v1/a", "https://api.x.com/v1/a"},
		{"https://api.x.com/a?api_key=s3cr3t&page=2", "https://api.x.com/a?api_key=REDACTED&page=2"},
		{"https://h/a?API_KEY=1&Access_Token=2&token=3", "https://h/a?API_KEY=REDACTED&Access_Token=REDACTED&token=REDACTED"},
		{"https://h/a?client_secret=1&Password=2&passwd=3", "https://h/a?client_secret=REDACTED&Password=REDACTED&passwd=REDACTED"},
		{"https://h/a?X-Amz-Signature=abc&X-Amz-Credential=def&X-Amz-Date=1", "https://h/a?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&X-Amz-Date=1"},
		{"https://h/a?sig=1&key=2&apikey=3&q=4", "https://h/a?sig=REDACTED&key=REDACTED&apikey=REDACTED&q=4"},
		{"https://h/a?pass=1&jwt=2&private=3&auth=4&signature=5", "https://h/a?pass=REDACTED&jwt=REDACTED&private=REDACTED&auth=REDACTED&signature=REDACTED"},
		{"https://h/a?api%5Fkey=1", "https://h/a?api%5Fkey=REDACTED"},
		{"https://h/a?token", "https://h/a?token"},
		{"https://h/a?a=1&&b=2", "https://h/a?a=1&&b=2"},
		{"https://h/a?a=1;token=2;b=3", "https://h/a?a=1;token=REDACTED;b=3"},
		{"https://h/a?code=xyz&state=1#frag", "https://h/a?code=REDACTED&state=1"},
		// User information is a credential, the user name alone included.
		{"https://user:pw@h/a", "https://REDACTED@h/a"},
		{"https://sk_live_x@h/a", "https://REDACTED@h/a"},
		{"https://:pw@h/a", "https://REDACTED@h/a"},
		{"https://@h/a", "https://REDACTED@h/a"},
		// An opaque URL hides its body.
		{"https:sk_live_x@h/a?token=1", "https:REDACTED?token=REDACTED"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.in)
		require.NoError(t, err)
		require.Equal(t, tt.want, RedactURL(u), tt.in)
		require.Equal(t, tt.want, RedactURLString(tt.in), tt.in)
	}
	require.Equal(t, "", RedactURL(nil))
}

// TestRedactURLNeverEchoesUnparsableURLs is the regression test for URLs
// that do not parse: they used to be returned up to their first "?", user
// information included.
func TestRedactURLNeverEchoesUnparsableURLs(t *testing.T) {
	for _, in := range []string{
		"http://h/\x7f?token=x",
		"https://sk_live_abc@host/%zz",
		"https://user:pw-secret@host:port/",
		" https://sk_live_abc@host/",
		"https://sk_live_abc@[::1/",
		"postgres://u:pw-secret@host/db?sslmode=disable\n",
	} {
		_, err := url.Parse(in)
		require.Error(t, err, in)
		require.Equal(t, "(invalid URL)", RedactURLString(in), in)
	}
}

// TestRedactURLHidesUserName is the regression test for a credential given
// as the user name alone (https://sk_live_x@host), which used to be kept.
func TestRedactURLHidesUserName(t *testing.T) {
	u, err := url.Parse("https://sk_live_51Habc@api.stripe.com/v1/charges")
	require.NoError(t, err)
	require.NotContains(t, RedactURL(u), "sk_live")
	require.NotContains(t, RedactURLString(u.String()), "sk_live")
}

func TestIsSecretParam(t *testing.T) {
	for _, n := range []string{"key", "api_key", "apiKey", "apikey", "X-API-KEY", "token", "access_token", "refresh_token",
		"secret", "client_secret", "password", "passwd", "pass", "pwd", "signature", "sig", "X-Goog-Signature",
		"auth", "authorization", "session_id", "code", "jwt", "id_jwt", "private", "private_key", "credential", "otp"} {
		require.True(t, IsSecretParam(n), n)
	}
	for _, n := range []string{"page", "limit", "q", "currency", "email", "status", "expand"} {
		require.False(t, IsSecretParam(n), n)
	}
}

// TestRequestURLParseErrorsNeverEchoed: net/url's errors quote parts of
// the URL (a port, an escape); the client's error names the problem only.
func TestRequestURLParseErrorsNeverEchoed(t *testing.T) {
	c := mustNew(t, WithBaseURL("http://127.0.0.1:1"))
	for in, problem := range map[string]string{
		"http://127.0.0.1:sk-port-secret/x":    "an invalid port",
		"/v1/%zsk-escape-secret":               "an invalid percent-escape",
		"/v1/\x7fsk-ctl-secret":                "a control character",
		"http://[::1/sk-ip-secret":             "a malformed IP literal",
		"http://u:sk-user-secret@h:sk-port2/x": "an invalid port",
		"http://h/\x00?token=sk-q-secret":      "a control character",
		"1http://sk-scheme-secret@host/":       "a malformed scheme",
		"http://sk-host-secret%zz.example/":    "an invalid percent-escape",
		"http://sk host2-secret.example/":      "an invalid character in the host",
		"http://[fe80::1%sk-zone-secret]:x/":   "an invalid port",
	} {
		_, err := c.Get(context.Background(), in)
		require.Error(t, err, in)
		require.NotContains(t, err.Error(), "sk-", in)
		_, perr := url.Parse(in)
		require.Error(t, perr, "%q must not parse", in)
		require.Contains(t, err.Error(), "does not parse: "+problem, in)
	}
}
