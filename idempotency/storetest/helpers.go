package storetest

import (
	"context"
	"net"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
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

// ClosedStore closes s twice, which must succeed both times, and then
// checks that the closed store refuses work: ErrorIsNotAcquired holds, and
// Claim fails with an error that matches errClosed under errors.Is.
func ClosedStore(t *testing.T, s idempotency.Store, errClosed error) {
	t.Helper()
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")
	ErrorIsNotAcquired(t, s)
	c, err := s.Claim(context.Background(), "closed/"+idempotency.NewToken(), "fp", LongLease)
	require.ErrorIs(t, err, errClosed)
	require.Empty(t, c.Token)
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
