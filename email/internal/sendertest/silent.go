package sendertest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// CaptureDefaultLogs points slog.Default (and with it the log package) and
// os.Stderr at a buffer until the test ends, and returns a function that
// restores them and returns what reached the buffer. Tests using it must
// not run in parallel.
func CaptureDefaultLogs(t testing.TB) func() string {
	t.Helper()
	var mu sync.Mutex
	var buf bytes.Buffer
	lw := lockedWriter{&mu, &buf}
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelDebug})))
	r, w, err := os.Pipe()
	require.NoError(t, err)
	stderr := os.Stderr
	os.Stderr = w
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(lw, r)
	}()
	var once sync.Once
	restore := func() {
		once.Do(func() {
			os.Stderr = stderr
			_ = w.Close()
			<-done
			slog.SetDefault(prev)
		})
	}
	t.Cleanup(restore)
	return func() string {
		restore()
		mu.Lock()
		defer mu.Unlock()
		return buf.String()
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// RunSilentByDefault checks that a sender built without WithLogger logs
// nowhere (not through slog.Default, the log package or standard error)
// when a send succeeds, when the API refuses it, and when the API cannot
// be reached.
func RunSilentByDefault(t *testing.T, setup Setup) {
	t.Helper()
	logs := CaptureDefaultLogs(t)
	s, srv := setup.Start(t, nil)
	_, err := s.Send(context.Background(), setup.message())
	require.NoError(t, err)
	srv.Respond(http.StatusServiceUnavailable, "")
	_, err = s.Send(context.Background(), setup.message())
	require.Error(t, err)
	srv.Close()
	_, err = s.Send(context.Background(), setup.message())
	require.Error(t, err)
	require.Empty(t, logs(), "a sender without WithLogger must log nowhere")
}
