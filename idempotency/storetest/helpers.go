package storetest

import (
	"net"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

// ClosedPort returns a loopback address ("127.0.0.1:port") that nothing
// listens on, for tests of a store whose server is down.
func ClosedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// ErrorHidesSecret asserts that err is not nil and that its text contains
// secret in none of its forms: as is, path-escaped or query-escaped (the
// ways a password stands in a connection URL).
func ErrorHidesSecret(t testing.TB, err error, secret string) {
	t.Helper()
	require.Error(t, err)
	for _, form := range []string{secret, url.PathEscape(secret), url.QueryEscape(secret)} {
		require.NotContains(t, err.Error(), form)
	}
}
