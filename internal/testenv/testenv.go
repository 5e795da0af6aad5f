package testenv

import (
	"net/url"
	"os"
	"strings"
	"testing"
)

// Environment variables read by this package.
const (
	EnvRequire     = "SWITCHBOARD_REQUIRE_SERVICES"
	EnvPostgres    = "SWITCHBOARD_TEST_POSTGRES_URL"
	EnvRedis       = "SWITCHBOARD_TEST_REDIS_URL"
	EnvStripeMock  = "SWITCHBOARD_TEST_STRIPE_MOCK_URL"
	EnvMailpit     = "SWITCHBOARD_TEST_MAILPIT_URL"
	EnvMailpitSMTP = "SWITCHBOARD_TEST_MAILPIT_SMTP"
	EnvChromium    = "SWITCHBOARD_TEST_CHROMIUM"
)

// Required reports whether missing services must fail tests rather than
// skip them.
func Required() bool { return os.Getenv(EnvRequire) == "1" }

// Lookup returns the value of the environment variable name. When it is
// unset or empty, Lookup skips the test (or fails it when Required).
func Lookup(tb testing.TB, name string) string {
	tb.Helper()
	v := strings.TrimSpace(os.Getenv(name))
	if v != "" {
		return v
	}
	if Required() {
		tb.Fatalf("%s is not set but %s=1: the service this test needs was not provided", name, EnvRequire)
	}
	tb.Skipf("skipping: set %s to run this test against a real service", name)
	return ""
}

// PostgresURL returns the PostgreSQL connection URL for tests,
// for example postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
func PostgresURL(tb testing.TB) string { tb.Helper(); return Lookup(tb, EnvPostgres) }

// RedisURL returns the Redis URL for tests, for example redis://127.0.0.1:6379/0.
func RedisURL(tb testing.TB) string { tb.Helper(); return Lookup(tb, EnvRedis) }

// StripeMockURL returns the base URL of a running stripe-mock server,
// for example http://127.0.0.1:12111.
func StripeMockURL(tb testing.TB) string { tb.Helper(); return Lookup(tb, EnvStripeMock) }

// Chromium returns the path of the Chromium (or Chrome) executable the
// browser tests drive headless, for example /usr/bin/chromium.
func Chromium(tb testing.TB) string { tb.Helper(); return Lookup(tb, EnvChromium) }

// Mailpit returns the base URL of mailpit's HTTP API (for example
// http://127.0.0.1:8025) and the host:port of its SMTP listener. The SMTP
// address comes from SWITCHBOARD_TEST_MAILPIT_SMTP, or defaults to the API
// host on port 1025.
func Mailpit(tb testing.TB) (apiURL, smtpAddr string) {
	tb.Helper()
	apiURL = Lookup(tb, EnvMailpit)
	smtpAddr = strings.TrimSpace(os.Getenv(EnvMailpitSMTP))
	if smtpAddr == "" {
		host := "127.0.0.1"
		if u, err := url.Parse(apiURL); err == nil && u.Hostname() != "" {
			host = u.Hostname()
		}
		smtpAddr = host + ":1025"
	}
	return apiURL, smtpAddr
}
