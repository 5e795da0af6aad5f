package httpclient

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestNewReportsInvalidConfig is the regression test for construction:
// every malformed or out-of-range option value, and every contradiction
// between options, is an error from New wrapping ErrInvalidConfig that
// names the option, never quotes a secret or a URL, and never panics.
func TestNewReportsInvalidConfig(t *testing.T) {
	const secret = "sk_live_must_not_leak"
	rt := roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("unused") })
	tests := []struct {
		name   string
		opts   []Option
		option string // named in the error
	}{
		{"empty base URL", []Option{WithBaseURL("")}, "WithBaseURL"},
		{"relative base URL", []Option{WithBaseURL("api.example.com/v1")}, "WithBaseURL"},
		{"base URL not http", []Option{WithBaseURL("ftp://files.example.com")}, "WithBaseURL"},
		{"base URL without host", []Option{WithBaseURL("https:///v1")}, "WithBaseURL"},
		{"opaque base URL", []Option{WithBaseURL("https:" + secret)}, "WithBaseURL"},
		{"base URL that does not parse", []Option{WithBaseURL("https://api.example.com/%zz" + secret)}, "WithBaseURL"},
		{"base URL with bad port", []Option{WithBaseURL("https://api.example.com:x" + secret)}, "WithBaseURL"},
		{"base URL with empty port", []Option{WithBaseURL("https://api.example.com:")}, "WithBaseURL"},
		{"base URL with user", []Option{WithBaseURL("https://" + secret + "@api.example.com")}, "WithBaseURL"},
		{"base URL with password", []Option{WithBaseURL("https://u:" + secret + "@api.example.com")}, "WithBaseURL"},
		{"base URL with query", []Option{WithBaseURL("https://api.example.com/v1?api_key=" + secret)}, "WithBaseURL"},
		{"base URL with fragment", []Option{WithBaseURL("https://api.example.com/v1#" + secret)}, "WithBaseURL"},
		{"header name with colon", []Option{WithHeader("X-A: b", "c")}, "WithHeader"},
		{"empty header name", []Option{WithHeader("", "c")}, "WithHeader"},
		{"header value with CRLF", []Option{WithHeader("X-Api-Key", secret+"\r\nX-Evil: 1")}, "WithHeader"},
		{"Host header", []Option{WithHeader("Host", "evil.example")}, "WithHeader"},
		{"Content-Length header", []Option{WithHeader("content-length", "1")}, "WithHeader"},
		{"empty bearer token", []Option{WithBearerToken("")}, "WithBearerToken"},
		{"blank bearer token", []Option{WithBearerToken(" \t")}, "WithBearerToken"},
		{"padded bearer token", []Option{WithBearerToken(" " + secret + "\n")}, "WithBearerToken"},
		{"bearer token with space", []Option{WithBearerToken("sk_live must_not_leak")}, "WithBearerToken"},
		{"bearer token with CRLF", []Option{WithBearerToken(secret + "\r\nX-Evil: 1")}, "WithBearerToken"},
		{"empty basic user", []Option{WithBasicAuth("", secret)}, "WithBasicAuth"},
		{"padded basic user", []Option{WithBasicAuth(secret+" ", "")}, "WithBasicAuth"},
		{"basic user with colon", []Option{WithBasicAuth("a:"+secret, "")}, "WithBasicAuth"},
		{"basic password with LF", []Option{WithBasicAuth("user", secret+"\n")}, "WithBasicAuth"},
		{"two sources of Authorization", []Option{WithBearerToken(secret), WithBasicAuth("user", secret)}, "WithBasicAuth"},
		{"Authorization header and token", []Option{WithHeader("Authorization", "Token "+secret), WithBearerToken(secret)}, "WithBearerToken"},
		{"empty user agent", []Option{WithUserAgent("")}, "WithUserAgent"},
		{"user agent with LF", []Option{WithUserAgent("a\nb")}, "WithUserAgent"},
		{"zero timeout", []Option{WithTimeout(0)}, "WithTimeout"},
		{"negative timeout", []Option{WithTimeout(-time.Second)}, "WithTimeout"},
		{"zero connect timeout", []Option{WithConnectTimeout(0)}, "WithConnectTimeout"},
		{"negative TLS timeout", []Option{WithTLSHandshakeTimeout(-1)}, "WithTLSHandshakeTimeout"},
		{"zero header timeout", []Option{WithResponseHeaderTimeout(0)}, "WithResponseHeaderTimeout"},
		{"negative retries", []Option{WithRetries(-1)}, "WithRetries"},
		{"zero backoff", []Option{WithBackoff(0, time.Second)}, "WithBackoff"},
		{"backoff max below base", []Option{WithBackoff(time.Second, time.Millisecond)}, "WithBackoff"},
		{"negative Retry-After cap", []Option{WithMaxRetryAfter(-1)}, "WithMaxRetryAfter"},
		{"zero response body cap", []Option{WithMaxResponseBody(0)}, "WithMaxResponseBody"},
		{"negative redirects", []Option{WithMaxRedirects(-1)}, "WithMaxRedirects"},
		{"zero breaker failures", []Option{WithCircuitBreaker(WithBreakerFailures(0))}, "WithBreakerFailures"},
		{"zero breaker open timeout", []Option{WithCircuitBreaker(WithBreakerOpenTimeout(0))}, "WithBreakerOpenTimeout"},
		{"zero half-open requests", []Option{WithCircuitBreaker(WithBreakerHalfOpenRequests(0))}, "WithBreakerHalfOpenRequests"},
		{"negative breaker interval", []Option{WithCircuitBreaker(WithBreakerInterval(-1))}, "WithBreakerInterval"},
		{"nil logger", []Option{WithLogger(nil)}, "WithLogger"},
		{"nil http client", []Option{WithHTTPClient(nil)}, "WithHTTPClient"},
		{"nil transport", []Option{WithTransport(nil)}, "WithTransport"},
		{"client and transport", []Option{WithHTTPClient(&http.Client{}), WithTransport(rt)}, "WithTransport"},
		{"connect timeout with transport", []Option{WithTransport(rt), WithConnectTimeout(time.Second)}, "WithConnectTimeout"},
		{"TLS timeout with client transport", []Option{WithHTTPClient(&http.Client{Transport: rt}), WithTLSHandshakeTimeout(time.Second)}, "WithTLSHandshakeTimeout"},
		{"header timeout with transport", []Option{WithResponseHeaderTimeout(time.Second), WithTransport(rt)}, "WithResponseHeaderTimeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c *Client
			var err error
			require.NotPanics(t, func() { c, err = New(tt.opts...) })
			require.Nil(t, c)
			require.ErrorIs(t, err, ErrInvalidConfig)
			require.Contains(t, err.Error(), tt.option+":", "the error names the option")
			require.NotContains(t, err.Error(), secret)
			require.NotContains(t, err.Error(), "must_not_leak")
			require.NotContains(t, err.Error(), "evil")
		})
	}
}

// TestNewAcceptsValidConfig checks the edges of the ranges: zero retries,
// zero redirects, a zero Retry-After cap, an empty Basic password (an API
// key as user name), the transport timeouts with a client that has no
// transport of its own, and nil options, which are skipped.
func TestNewAcceptsValidConfig(t *testing.T) {
	for name, opts := range map[string][]Option{
		"zero retries":         {WithRetries(0)},
		"zero redirects":       {WithMaxRedirects(0)},
		"zero Retry-After cap": {WithMaxRetryAfter(0)},
		"key as basic user":    {WithBasicAuth("sk_test_123", "")},
		"timeouts with bare client": {WithHTTPClient(&http.Client{Timeout: time.Second}),
			WithConnectTimeout(time.Second), WithTLSHandshakeTimeout(time.Second), WithResponseHeaderTimeout(time.Second)},
		"nil option":            {nil, WithRetries(1)},
		"base URL with path":    {WithBaseURL("https://api.example.com/v3/")},
		"breaker with defaults": {WithCircuitBreaker(nil, WithBreakerInterval(0))},
		"custom authorization":  {WithHeader("Authorization", "Token abc")},
	} {
		c, err := New(opts...)
		require.NoError(t, err, name)
		require.NotNil(t, c, name)
	}
	c := mustNew(t, WithBaseURL("https://api.example.com/v3/"))
	require.Equal(t, "https://api.example.com/v3", c.BaseURL())
	require.Empty(t, mustNew(t).BaseURL())
}
