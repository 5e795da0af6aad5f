package login

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func testPolicy() *returnPolicy {
	return &returnPolicy{
		self:    "https://shop.example",
		allowed: map[origin]bool{"https://app.example": true, "http://localhost:3000": true},
		def:     "/",
	}
}

func TestReturnToAccepted(t *testing.T) {
	p := testPolicy()
	for raw, want := range map[string]string{
		"":                                "/",
		"/":                               "/",
		"/orders":                         "/orders",
		"/orders?x=1&y=%2F#frag":          "/orders?x=1&y=%2F#frag",
		"/caf%C3%A9":                      "/caf%C3%A9",
		"/a/../b":                         "/a/../b",
		"https://shop.example/x":          "https://shop.example/x",
		"https://shop.example:443/x":      "https://shop.example:443/x",
		"HTTPS://Shop.Example/x":          "https://Shop.Example/x",
		"https://app.example":             "https://app.example",
		"http://localhost:3000/dashboard": "http://localhost:3000/dashboard",
	} {
		got, err := p.check(raw)
		require.NoError(t, err, "%q must be accepted", raw)
		require.Equal(t, want, got)
	}
}

func TestReturnToRefused(t *testing.T) {
	p := testPolicy()
	for _, raw := range []string{
		"//evil.example", "https://evil.example", "/\\evil.example", "\\/evil.example", "\\\\evil.example",
		"/%5Cevil.example", "/%5cevil.example", "/%2F%2Fevil.example", "%2F%2Fevil.example", "/%2f/evil.example",
		"/%252F%252Fevil.example", "/%25252F%25252Fevil.example", "/%09/evil.example", "/\t/evil.example",
		"/\r\n/evil.example", " /x", "/x y", "/\x00", "/\x7f", "https://evil.example@shop.example/",
		"https://shop.example@evil.example/", "https://shop.example.evil.example/", "http://shop.example/",
		"https://shop.example:8443/", "https:shop.example", "https:/shop.example", "https:///shop.example",
		"javascript:alert(1)", "JavaScript://%0aalert(1)", "data:text/html;base64,PHNjcmlwdD4=",
		"evil.example", "evil.example/x", "./x", "../x", "?next=//evil.example", "#x",
		"/%", "/%zz", "ftp://app.example/", "https://app.example.evil.example", "http://app.example",
		"https://[::1]/", "/" + string(make([]byte, maxReturnTo)),
	} {
		got, err := p.check(raw)
		require.Error(t, err, "%q must be refused (got %q)", raw, got)
	}
}

func TestParseOrigin(t *testing.T) {
	for raw, want := range map[string]origin{
		"https://a.example":       "https://a.example",
		"https://A.Example:443/":  "https://a.example",
		"http://a.example:80":     "http://a.example",
		"http://127.0.0.1:8080":   "http://127.0.0.1:8080",
		"https://[::1]:8443":      "https://[::1]:8443",
		"https://a.example:8443/": "https://a.example:8443",
	} {
		got, err := parseOrigin(raw)
		require.NoError(t, err, raw)
		require.Equal(t, want, got)
	}
	for _, raw := range []string{"a.example", "ftp://a.example", "https://u@a.example", "https://a.example/x", "https://a.example?x", "https://"} {
		_, err := parseOrigin(raw)
		require.Error(t, err, raw)
	}
}
