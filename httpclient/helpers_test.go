package httpclient

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// seen is one request as the test server received it.
type seen struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

// recorder is a test server that records every request and answers with
// the handler's choice for the n-th request (n starts at 1).
type recorder struct {
	t   *testing.T
	srv *httptest.Server
	mu  sync.Mutex
	got []seen
}

func newRecorder(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request)) *recorder {
	t.Helper()
	rec := &recorder{t: t}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		rec.mu.Lock()
		rec.got = append(rec.got, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
		n := len(rec.got)
		rec.mu.Unlock()
		answer(n, w, r)
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (r *recorder) requests() []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]seen(nil), r.got...)
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// statuses answers the n-th request with codes[n-1], and the last code
// after that.
func statuses(codes ...int) func(int, http.ResponseWriter, *http.Request) {
	return func(n int, w http.ResponseWriter, _ *http.Request) {
		i := min(n-1, len(codes)-1)
		w.WriteHeader(codes[i])
		_, _ = io.WriteString(w, `{"n":`+string(rune('0'+n%10))+`}`)
	}
}

// sleeps records backoff waits instead of spending them.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// fastClient returns a client for rec whose waits are recorded in s, not
// slept.
func fastClient(rec *recorder, s *sleeps, opts ...Option) *Client {
	base := []Option{WithBaseURL(rec.srv.URL), withClock(nil, s.sleep, nil)}
	return mustNew(rec.t, append(base, opts...)...)
}

func requireSameBodies(t *testing.T, reqs []seen, want []byte) {
	t.Helper()
	for i, r := range reqs {
		require.Equal(t, string(want), string(r.Body), "attempt %d body", i+1)
	}
}

// mustNew is New for a configuration the test knows to be valid.
func mustNew(tb testing.TB, opts ...Option) *Client {
	tb.Helper()
	c, err := New(opts...)
	require.NoError(tb, err)
	return c
}

// captureDefaultLogs points slog.Default (and with it the log package) and
// os.Stderr at buffers until the test ends, and returns what reached them.
// Tests using it must not run in parallel.
func captureDefaultLogs(t *testing.T) func() string {
	t.Helper()
	var mu sync.Mutex
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{Level: slog.LevelDebug})))
	r, w, err := os.Pipe()
	require.NoError(t, err)
	stderr := os.Stderr
	os.Stderr = w
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(lockedWriter{&mu, &buf}, r)
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
