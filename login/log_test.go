package login_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/login"
	"github.com/switchboard-go/switchboard/login/logintest"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogsHoldNoSecrets: the Handler's log lines name provider, outcome
// and reason, never a code, a state, a cookie, a client secret or an
// email address.
func TestLogsHoldNoSecrets(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnv(t, envOpts{handler: []login.Option{login.WithLogger(logger)}})
	rec, back, s := e.signIn("google", "/orders")
	require.Equal(t, http.StatusSeeOther, rec.Code)
	rec = e.callback(back, s.cookie) // replayed: refused
	require.Equal(t, http.StatusBadRequest, rec.Code)

	out := buf.String()
	require.Contains(t, out, "provider=google")
	require.Contains(t, out, "outcome=signed_in")
	require.Contains(t, out, "reason=provider_error")
	for _, secret := range []string{
		back.Query().Get("code"), back.Query().Get("state"), s.cookie.Value, e.iss.ClientSecret,
		logintest.DefaultUser().Email, logintest.DefaultUser().Subject,
	} {
		require.NotContains(t, out, secret)
	}
}

// TestSilentByDefault: without WithLogger nothing reaches slog.Default.
func TestSilentByDefault(t *testing.T) {
	var buf syncBuffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(old) })
	e := newEnv(t, envOpts{})
	rec, back, s := e.signIn("google", "")
	require.Equal(t, http.StatusSeeOther, rec.Code)
	e.callback(back, s.cookie)
	require.Empty(t, buf.String())
}
