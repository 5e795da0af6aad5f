package testenv

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// recorder is a testing.TB that records Skipf and Fatalf instead of
// stopping the goroutine.
type recorder struct {
	testing.TB
	calls []string
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(format string, args ...any) {
	r.calls = append(r.calls, "skip: "+fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.calls = append(r.calls, "fatal: "+fmt.Sprintf(format, args...))
}

func TestLookup(t *testing.T) {
	t.Run("set", func(t *testing.T) {
		t.Setenv(EnvRedis, " redis://127.0.0.1:6379/0 ")
		r := &recorder{TB: t}
		require.Equal(t, "redis://127.0.0.1:6379/0", RedisURL(r))
		require.Empty(t, r.calls)
	})
	t.Run("unset skips naming the variable", func(t *testing.T) {
		t.Setenv(EnvRedis, "")
		t.Setenv(EnvRequire, "")
		r := &recorder{TB: t}
		require.Empty(t, RedisURL(r))
		require.Len(t, r.calls, 1)
		require.Contains(t, r.calls[0], "skip: ")
		require.Contains(t, r.calls[0], EnvRedis)
	})
	t.Run("unset while required fails", func(t *testing.T) {
		t.Setenv(EnvPostgres, "")
		t.Setenv(EnvRequire, "1")
		r := &recorder{TB: t}
		PostgresURL(r)
		require.NotEmpty(t, r.calls)
		require.Contains(t, r.calls[0], "fatal: ")
		require.Contains(t, r.calls[0], EnvPostgres)
	})
}

func TestMailpitSMTPAddress(t *testing.T) {
	t.Setenv(EnvMailpit, "http://127.0.0.5:8025")
	t.Setenv(EnvMailpitSMTP, "")
	api, smtp := Mailpit(&recorder{TB: t})
	require.Equal(t, "http://127.0.0.5:8025", api)
	require.Equal(t, "127.0.0.5:1025", smtp)

	t.Setenv(EnvMailpitSMTP, "127.0.0.1:2525")
	_, smtp = Mailpit(&recorder{TB: t})
	require.Equal(t, "127.0.0.1:2525", smtp)
}
