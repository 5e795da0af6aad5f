package idempotency_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/mock/gomock"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/idempotencymock"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
)

// logSink collects slog records as decoded JSON objects.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *logSink) outcomes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(s.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			out = append(out, fmt.Sprint(m["outcome"]))
		}
	}
	return out
}

// newMW builds the middleware, failing the test on a configuration error.
func newMW(t *testing.T, store idempotency.Store, opts ...idempotency.MiddlewareOption) func(http.Handler) http.Handler {
	t.Helper()
	m, err := idempotency.NewMiddleware(store, opts...)
	require.NoError(t, err)
	return m
}

// mem returns a memory store closed at the end of the test.
func mem(t *testing.T, opts ...memstore.Option) *memstore.Store {
	t.Helper()
	s, err := memstore.New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func newLogger() (*slog.Logger, *logSink) {
	sink := &logSink{}
	return slog.New(slog.NewJSONHandler(sink, &slog.HandlerOptions{Level: slog.LevelDebug})), sink
}

// countingHandler answers with the given status, echoing the body.
type countingHandler struct {
	runs   atomic.Int32
	status int
}

func (h *countingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := h.runs.Add(1)
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Run", fmt.Sprint(n))
	w.Header().Set("Set-Cookie", "session=secret")
	w.WriteHeader(h.status)
	_, _ = fmt.Fprintf(w, `{"run":%d,"echo":%q}`, n, body)
}

func do(t *testing.T, h http.Handler, method, path, key, body string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if key != "" {
		r.Header.Set(idempotency.KeyHeader, key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Add(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func requireProblem(t *testing.T, w *httptest.ResponseRecorder, status int, titlePart string) {
	t.Helper()
	require.Equal(t, status, w.Code)
	require.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
	var p struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
	require.Equal(t, status, p.Status)
	require.Equal(t, "about:blank", p.Type)
	require.Contains(t, p.Title, titlePart)
}

func TestMiddlewareStoresAndReplays(t *testing.T) {
	for _, status := range []int{http.StatusOK, http.StatusCreated, http.StatusAccepted, http.StatusNotFound, http.StatusGone} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			logger, sink := newLogger()
			next := &countingHandler{status: status}
			h := newMW(t, mem(t), idempotency.WithLogger(logger))(next)

			first := do(t, h, http.MethodPost, "/charges", `"k-1"`, `{"amount":100}`)
			require.Equal(t, status, first.Code)
			require.Empty(t, first.Header().Get(idempotency.ReplayedHeader))

			again := do(t, h, http.MethodPost, "/charges", `"k-1"`, `{"amount":100}`)
			require.Equal(t, status, again.Code)
			require.Equal(t, "true", again.Header().Get(idempotency.ReplayedHeader))
			require.Equal(t, first.Body.String(), again.Body.String())
			require.Equal(t, "application/json", again.Header().Get("Content-Type"))
			require.Equal(t, "1", again.Header().Get("X-Run"))
			require.Empty(t, again.Header().Get("Set-Cookie"), "Set-Cookie is not stored by default")
			require.EqualValues(t, 1, next.runs.Load())
			require.Equal(t, []string{"stored", "replayed"}, sink.outcomes())
		})
	}
}

func TestMiddlewareServerErrorReleases(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			next := &countingHandler{status: status}
			h := newMW(t, mem(t))(next)
			for i := 1; i <= 3; i++ {
				w := do(t, h, http.MethodPost, "/x", "k", "body")
				require.Equal(t, status, w.Code)
				require.Empty(t, w.Header().Get(idempotency.ReplayedHeader))
			}
			require.EqualValues(t, 3, next.runs.Load(), "every retry runs the handler")
		})
	}
}

func TestMiddlewareConcurrentRequestsRunOnce(t *testing.T) {
	const n = 16
	var runs atomic.Int32
	release := make(chan struct{})
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runs.Add(1)
		<-release
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, "created once")
	})
	h := newMW(t, mem(t))(next)

	results := make(chan *httptest.ResponseRecorder, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- do(t, h, http.MethodPost, "/orders", `"race"`, `{"sku":1}`)
		}()
	}
	// Every request but the one running the handler is answered at once.
	var conflicts []*httptest.ResponseRecorder
	for i := 0; i < n-1; i++ {
		select {
		case w := <-results:
			conflicts = append(conflicts, w)
		case <-time.After(30 * time.Second):
			t.Fatal("concurrent requests were not answered while the first one ran")
		}
	}
	close(release)
	wg.Wait()
	winner := <-results
	require.Equal(t, http.StatusCreated, winner.Code)
	require.Equal(t, "created once", winner.Body.String())
	for _, w := range conflicts {
		requireProblem(t, w, http.StatusConflict, "outstanding")
		require.Equal(t, "1", w.Header().Get("Retry-After"))
	}
	require.EqualValues(t, 1, runs.Load(), "the handler runs exactly once")

	replayed := do(t, h, http.MethodPost, "/orders", `"race"`, `{"sku":1}`)
	require.Equal(t, http.StatusCreated, replayed.Code)
	require.Equal(t, "true", replayed.Header().Get(idempotency.ReplayedHeader))
	require.EqualValues(t, 1, runs.Load())
}

func TestMiddlewareRaceOverHTTP(t *testing.T) {
	// Many clients retrying at once through a real server: whatever the
	// interleaving, the handler runs once and every answer is the stored
	// response or a 409.
	var runs atomic.Int32
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runs.Add(1)
		time.Sleep(20 * time.Millisecond) // widen the window for overlap
		_, _ = io.WriteString(w, "done")
	})
	srv := httptest.NewServer(newMW(t, mem(t))(next))
	defer srv.Close()
	var wg sync.WaitGroup
	codes := make(chan int, 32)
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/p", strings.NewReader("same"))
			req.Header.Set(idempotency.KeyHeader, `"http-race"`)
			resp, err := srv.Client().Do(req)
			if err != nil {
				codes <- -1
				return
			}
			b, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK && string(b) != "done" {
				codes <- -2
				return
			}
			codes <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		require.Contains(t, []int{http.StatusOK, http.StatusConflict}, c)
	}
	require.EqualValues(t, 1, runs.Load())
}

func TestMiddlewareFingerprintMismatch(t *testing.T) {
	next := &countingHandler{status: http.StatusOK}
	h := newMW(t, mem(t))(next)
	require.Equal(t, http.StatusOK, do(t, h, http.MethodPost, "/a", "k", "one").Code)

	tests := map[string]struct{ method, path, body string }{
		"other body":   {http.MethodPost, "/a", "two"},
		"other path":   {http.MethodPost, "/b", "one"},
		"other method": {http.MethodPatch, "/a", "one"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			w := do(t, h, tc.method, tc.path, "k", tc.body)
			requireProblem(t, w, http.StatusUnprocessableEntity, "already used")
		})
	}
	require.EqualValues(t, 1, next.runs.Load())
}

func TestMiddlewareMismatchWhileInProgress(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
	})
	h := newMW(t, mem(t))(next)
	done := make(chan struct{})
	go func() { defer close(done); do(t, h, http.MethodPost, "/a", "k", "one") }()
	<-started
	requireProblem(t, do(t, h, http.MethodPost, "/a", "k", "two"), http.StatusUnprocessableEntity, "already used")
	requireProblem(t, do(t, h, http.MethodPost, "/a", "k", "one"), http.StatusConflict, "outstanding")
	close(release)
	<-done
}

func TestMiddlewareMissingAndInvalidKeys(t *testing.T) {
	next := &countingHandler{status: http.StatusOK}
	required := newMW(t, mem(t), idempotency.WithKeyRequired(true))(next)
	optional := newMW(t, mem(t))(next)

	requireProblem(t, do(t, required, http.MethodPost, "/", "", "x"), http.StatusBadRequest, "is missing")
	require.EqualValues(t, 0, next.runs.Load())

	// Without the option a request without a key passes through unprotected.
	require.Equal(t, http.StatusOK, do(t, optional, http.MethodPost, "/", "", "x").Code)
	require.Equal(t, http.StatusOK, do(t, optional, http.MethodPost, "/", "", "x").Code)
	require.EqualValues(t, 2, next.runs.Load())

	invalid := map[string]string{
		"unterminated":    `"abc`,
		"bad escape":      `"a\b"`,
		"empty string":    `""`,
		"space in token":  `a b`,
		"control char":    "\"a\x01b\"",
		"trailing junk":   `"abc" x`,
		"too long":        `"` + strings.Repeat("k", idempotency.MaxKeyLen+1) + `"`,
		"non-ASCII token": "clé",
	}
	for name, v := range invalid {
		t.Run(name, func(t *testing.T) {
			requireProblem(t, do(t, optional, http.MethodPost, "/", v, "x"), http.StatusBadRequest, "is invalid")
		})
	}
	t.Run("two headers", func(t *testing.T) {
		requireProblem(t, do(t, optional, http.MethodPost, "/", `"a"`, "x", idempotency.KeyHeader, `"b"`), http.StatusBadRequest, "is invalid")
	})
	require.EqualValues(t, 2, next.runs.Load())
}

func TestMiddlewareQuotedAndBareKeysAreTheSame(t *testing.T) {
	next := &countingHandler{status: http.StatusOK}
	h := newMW(t, mem(t))(next)
	do(t, h, http.MethodPost, "/", `"8e03978e-40d5-43e8-bc93-6894a57f9324"`, "x")
	w := do(t, h, http.MethodPost, "/", `8e03978e-40d5-43e8-bc93-6894a57f9324`, "x")
	require.Equal(t, "true", w.Header().Get(idempotency.ReplayedHeader))
	w = do(t, h, http.MethodPost, "/", `"8e03978e-40d5-43e8-bc93-6894a57f9324";p=1`, "x")
	require.Equal(t, "true", w.Header().Get(idempotency.ReplayedHeader), "parameters are ignored")
	require.EqualValues(t, 1, next.runs.Load())
}

func TestMiddlewareMethods(t *testing.T) {
	next := &countingHandler{status: http.StatusOK}
	h := newMW(t, mem(t))(next)
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		do(t, h, m, "/", "k-"+m, "")
		w := do(t, h, m, "/", "k-"+m, "")
		require.Empty(t, w.Header().Get(idempotency.ReplayedHeader), m)
	}
	require.EqualValues(t, 6, next.runs.Load(), "methods other than POST and PATCH pass through")
	do(t, h, http.MethodPatch, "/", "k-patch", "")
	require.Equal(t, "true", do(t, h, http.MethodPatch, "/", "k-patch", "").Header().Get(idempotency.ReplayedHeader))

	put := newMW(t, mem(t), idempotency.WithMethods("put"))(next)
	do(t, put, http.MethodPut, "/", "k", "")
	require.Equal(t, "true", do(t, put, http.MethodPut, "/", "k", "").Header().Get(idempotency.ReplayedHeader))
	before := next.runs.Load()
	do(t, put, http.MethodPost, "/", "k", "")
	do(t, put, http.MethodPost, "/", "k", "")
	require.Equal(t, before+2, next.runs.Load())
}

func TestMiddlewareScopePerClient(t *testing.T) {
	next := &countingHandler{status: http.StatusCreated}
	h := newMW(t, mem(t),
		idempotency.WithScope(func(r *http.Request) string { return r.Header.Get("X-User") }))(next)
	a := do(t, h, http.MethodPost, "/", "shared-key", "x", "X-User", "alice")
	b := do(t, h, http.MethodPost, "/", "shared-key", "x", "X-User", "bob")
	require.Empty(t, b.Header().Get(idempotency.ReplayedHeader), "bob never sees alice's response")
	require.NotEqual(t, a.Body.String(), b.Body.String())
	// Scope and key are delimited so that they cannot be shifted into each other.
	c := do(t, h, http.MethodPost, "/", "y:shared-key", "x", "X-User", "alice:")
	require.Empty(t, c.Header().Get(idempotency.ReplayedHeader))
	again := do(t, h, http.MethodPost, "/", "shared-key", "x", "X-User", "alice")
	require.Equal(t, "true", again.Header().Get(idempotency.ReplayedHeader))
	require.Equal(t, a.Body.String(), again.Body.String())
	require.EqualValues(t, 3, next.runs.Load())

	// A long scope and key still map to a valid store key.
	long := strings.Repeat("u", 300)
	do(t, h, http.MethodPost, "/", strings.Repeat("k", 255), "x", "X-User", long)
	require.Equal(t, "true", do(t, h, http.MethodPost, "/", strings.Repeat("k", 255), "x", "X-User", long).Header().Get(idempotency.ReplayedHeader))
}

func TestMiddlewareLargeResponseNotStored(t *testing.T) {
	var runs atomic.Int32
	big := strings.Repeat("z", 2048)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runs.Add(1)
		for i := 0; i < 4; i++ {
			_, _ = io.WriteString(w, big[:512])
		}
	})
	logger, sink := newLogger()
	h := newMW(t, mem(t), idempotency.WithMaxResponseBytes(1024), idempotency.WithLogger(logger))(next)
	for i := 0; i < 2; i++ {
		w := do(t, h, http.MethodPost, "/", "k", "x")
		require.Equal(t, http.StatusOK, w.Code)
		require.Equal(t, big, w.Body.String(), "the client gets the whole response")
		require.Empty(t, w.Header().Get(idempotency.ReplayedHeader))
	}
	require.EqualValues(t, 2, runs.Load(), "the key was released, so the retry ran")
	require.Equal(t, []string{"response_too_large", "response_too_large"}, sink.outcomes())
}

func TestMiddlewareLargeRequestRejected(t *testing.T) {
	next := &countingHandler{status: http.StatusOK}
	h := newMW(t, mem(t), idempotency.WithMaxBodyBytes(8))(next)
	requireProblem(t, do(t, h, http.MethodPost, "/", "k", "123456789"), http.StatusRequestEntityTooLarge, "too large")
	require.Equal(t, http.StatusOK, do(t, h, http.MethodPost, "/", "k", "12345678").Code)
	require.EqualValues(t, 1, next.runs.Load())
}

func TestMiddlewareCustomFingerprint(t *testing.T) {
	next := &countingHandler{status: http.StatusOK}
	h := newMW(t, mem(t),
		idempotency.WithFingerprint(func(r *http.Request, body []byte) string { return r.URL.Path }))(next)
	do(t, h, http.MethodPost, "/p", "k", "one")
	w := do(t, h, http.MethodPost, "/p", "k", "two")
	require.Equal(t, "true", w.Header().Get(idempotency.ReplayedHeader), "the body is not part of this fingerprint")
	require.EqualValues(t, 1, next.runs.Load())
}

func TestMiddlewareHandlerSeesBody(t *testing.T) {
	next := &countingHandler{status: http.StatusOK}
	h := newMW(t, mem(t))(next)
	w := do(t, h, http.MethodPost, "/", "k", "payload")
	require.Contains(t, w.Body.String(), `"echo":"payload"`)
}

func TestMiddlewareEmptyResponseStored(t *testing.T) {
	var runs atomic.Int32
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { runs.Add(1) })
	h := newMW(t, mem(t))(next)
	require.Equal(t, http.StatusOK, do(t, h, http.MethodPost, "/", "k", "").Code)
	w := do(t, h, http.MethodPost, "/", "k", "")
	require.Equal(t, http.StatusOK, w.Code)
	require.Empty(t, w.Body.String())
	require.Equal(t, "true", w.Header().Get(idempotency.ReplayedHeader))
	require.EqualValues(t, 1, runs.Load())
}

func TestMiddlewarePanicReleases(t *testing.T) {
	var runs atomic.Int32
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if runs.Add(1) == 1 {
			panic(http.ErrAbortHandler)
		}
		_, _ = io.WriteString(w, "ok")
	})
	h := newMW(t, mem(t))(next)
	require.PanicsWithValue(t, http.ErrAbortHandler, func() { do(t, h, http.MethodPost, "/", "k", "") })
	w := do(t, h, http.MethodPost, "/", "k", "")
	require.Equal(t, "ok", w.Body.String())
	require.EqualValues(t, 2, runs.Load())
}

func TestMiddlewareTTL(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	next := &countingHandler{status: http.StatusOK}
	h := newMW(t, mem(t, memstore.WithClock(clk.Now)),
		idempotency.WithTTL(time.Hour))(next)
	do(t, h, http.MethodPost, "/", "k", "")
	clk.Advance(59 * time.Minute)
	require.Equal(t, "true", do(t, h, http.MethodPost, "/", "k", "").Header().Get(idempotency.ReplayedHeader))
	clk.Advance(time.Minute)
	require.Empty(t, do(t, h, http.MethodPost, "/", "k", "").Header().Get(idempotency.ReplayedHeader))
	require.EqualValues(t, 2, next.runs.Load())
}

func TestMiddlewarePassesLeaseTTLAndRecordToStore(t *testing.T) {
	ctrl := gomock.NewController(t)
	store := idempotencymock.NewMockStore(ctrl)
	gomock.InOrder(
		store.EXPECT().Claim(gomock.Any(), "http:6:s:acme:k", gomock.Any(), 3*time.Second).
			Return(idempotency.Claim{State: idempotency.Acquired, Token: "tok"}, nil),
		store.EXPECT().Complete(gomock.Any(), "http:6:s:acme:k", "tok", gomock.Any(), 7*time.Hour).
			DoAndReturn(func(ctx context.Context, key, token string, rec idempotency.Record, ttl time.Duration) error {
				require.NoError(t, ctx.Err())
				require.Equal(t, http.StatusAccepted, rec.Status)
				require.Equal(t, `{"run":1,"echo":"b"}`, string(rec.Body))
				require.Equal(t, "1", rec.Header.Get("X-Run"))
				require.Empty(t, rec.Header.Values("X-Other"), "only the selected headers are stored")
				return nil
			}),
	)
	next := &countingHandler{status: http.StatusAccepted}
	h := newMW(t, store,
		idempotency.WithLease(3*time.Second), idempotency.WithTTL(7*time.Hour),
		idempotency.WithStoredHeaders("x-run", "content-type"),
		idempotency.WithScope(func(*http.Request) string { return "acme" }))(next)
	w := do(t, h, http.MethodPost, "/", "k", "b")
	require.Equal(t, http.StatusAccepted, w.Code)
}

func TestMiddlewareStoreDown(t *testing.T) {
	ctrl := gomock.NewController(t)
	store := idempotencymock.NewMockStore(ctrl)
	store.EXPECT().Claim(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).
		Return(idempotency.Claim{}, errors.New("dial tcp: connection refused"))
	next := &countingHandler{status: http.StatusOK}
	logger, sink := newLogger()
	h := newMW(t, store, idempotency.WithLogger(logger))(next)
	w := do(t, h, http.MethodPost, "/", "k", "")
	requireProblem(t, w, http.StatusServiceUnavailable, "unavailable")
	require.EqualValues(t, 0, next.runs.Load(), "the handler never runs without a claim")
	require.Equal(t, []string{"store_error"}, sink.outcomes())
}

func TestMiddlewareLeaseLostOnComplete(t *testing.T) {
	ctrl := gomock.NewController(t)
	store := idempotencymock.NewMockStore(ctrl)
	store.EXPECT().Claim(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).
		Return(idempotency.Claim{State: idempotency.Acquired, Token: "tok"}, nil)
	store.EXPECT().Complete(gomock.Any(), gomock.Any(), "tok", gomock.Any(), gomock.Any()).Return(idempotency.ErrLeaseLost)
	logger, sink := newLogger()
	next := &countingHandler{status: http.StatusOK}
	h := newMW(t, store, idempotency.WithLogger(logger))(next)
	w := do(t, h, http.MethodPost, "/", "k", "")
	require.Equal(t, http.StatusOK, w.Code, "the client still gets its response")
	require.Equal(t, []string{"store_failed"}, sink.outcomes())
}

func TestMiddlewareClientGoneStillCompletes(t *testing.T) {
	store := mem(t)
	ctx, cancel := context.WithCancel(context.Background())
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cancel() // the client hangs up while the handler runs
		_, _ = io.WriteString(w, "done")
	})
	h := newMW(t, store)(next)
	r := httptest.NewRequest(http.MethodPost, "/", nil).WithContext(ctx)
	r.Header.Set(idempotency.KeyHeader, "k")
	h.ServeHTTP(httptest.NewRecorder(), r)
	w := do(t, h, http.MethodPost, "/", "k", "")
	require.Equal(t, "true", w.Header().Get(idempotency.ReplayedHeader))
	require.Equal(t, "done", w.Body.String())
}

func TestMiddlewareFlushAndController(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "part")
		require.NoError(t, http.NewResponseController(w).Flush())
		w.(http.Flusher).Flush()
	})
	h := newMW(t, mem(t))(next)
	w := do(t, h, http.MethodPost, "/", "k", "")
	require.True(t, w.Flushed)
	require.Equal(t, "part", do(t, h, http.MethodPost, "/", "k", "").Body.String())
}

func TestNewMiddlewareRejectsBadConfig(t *testing.T) {
	store := mem(t)
	tests := map[string]struct {
		store idempotency.Store
		opt   idempotency.MiddlewareOption
		want  string
	}{
		"nil store":             {nil, nil, "a Store is required"},
		"typed nil store":       {(*memstore.Store)(nil), nil, "a Store is required"},
		"zero lease":            {store, idempotency.WithLease(0), "WithLease"},
		"negative ttl":          {store, idempotency.WithTTL(-time.Second), "WithTTL"},
		"zero store timeout":    {store, idempotency.WithStoreTimeout(0), "WithStoreTimeout"},
		"no methods":            {store, idempotency.WithMethods(), "WithMethods"},
		"bad method":            {store, idempotency.WithMethods("PO ST"), "WithMethods"},
		"empty key header":      {store, idempotency.WithKeyHeader(""), "WithKeyHeader"},
		"nil fingerprint":       {store, idempotency.WithFingerprint(nil), "WithFingerprint"},
		"nil scope":             {store, idempotency.WithScope(nil), "WithScope"},
		"empty scope cookie":    {store, idempotency.WithScopeCookie(""), "WithScopeCookie"},
		"empty scope secret":    {store, idempotency.WithScopeSecret(nil), "WithScopeSecret"},
		"padded scope secret":   {store, idempotency.WithScopeSecret([]byte(" s3cret")), "WithScopeSecret"},
		"nil stored status":     {store, idempotency.WithStoredStatus(nil), "WithStoredStatus"},
		"zero body limit":       {store, idempotency.WithMaxBodyBytes(0), "WithMaxBodyBytes"},
		"negative response cap": {store, idempotency.WithMaxResponseBytes(-1), "WithMaxResponseBytes"},
		"bad stored header":     {store, idempotency.WithStoredHeaders("X Bad"), "WithStoredHeaders"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m, err := idempotency.NewMiddleware(tc.store, tc.opt)
			require.ErrorIs(t, err, idempotency.ErrInvalidConfig)
			require.Contains(t, err.Error(), tc.want)
			require.NotContains(t, err.Error(), "s3cret", "a secret never appears in an error")
			require.Nil(t, m)
		})
	}
	m, err := idempotency.NewMiddleware(store, nil, idempotency.WithLogger(nil))
	require.NoError(t, err, "a nil option is skipped and a nil logger logs nowhere")
	require.NotNil(t, m)
}

func TestMiddlewareCompletedWithoutRecord(t *testing.T) {
	ctrl := gomock.NewController(t)
	store := idempotencymock.NewMockStore(ctrl)
	store.EXPECT().Claim(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).
		Return(idempotency.Claim{State: idempotency.Completed}, nil)
	next := &countingHandler{status: http.StatusOK}
	h := newMW(t, store)(next)
	requireProblem(t, do(t, h, http.MethodPost, "/", "k", ""), http.StatusServiceUnavailable, "unavailable")
	require.EqualValues(t, 0, next.runs.Load())
}

// The middleware is silent without WithLogger: it must not fall back to
// slog.Default.
func TestMiddlewareIsSilentByDefault(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(old) })
	h := newMW(t, mem(t))(&countingHandler{status: http.StatusOK})
	do(t, h, http.MethodPost, "/", "k", "x")
	do(t, h, http.MethodPost, "/", "k", "x")
	do(t, h, http.MethodPost, "/", "", "x")
	require.Empty(t, buf.String())
}
