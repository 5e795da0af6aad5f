package webhooks

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
)

// storeFactories lists the stores the handler tests run against. Shared
// backends append themselves here from their own test files.
var storeFactories = []struct {
	name string
	open func(t *testing.T) idempotency.Store
}{
	{"memory", func(t *testing.T) idempotency.Store {
		return memStore(t)
	}},
}

// memStore returns a memory store closed at the end of the test.
func memStore(t *testing.T) *memstore.Store {
	t.Helper()
	s, err := memstore.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// githubDelivery returns a signed GitHub request for one event.
func githubRequest(t testing.TB, secret, deliveryID, event string, body []byte) *http.Request {
	t.Helper()
	// GitHub de-duplicates on the body: give each delivery ID its own.
	if t := bytes.TrimSpace(body); len(t) > 1 && t[0] == '{' {
		sep := ","
		if bytes.Equal(bytes.TrimSpace(t[1:]), []byte("}")) {
			sep = ""
		}
		body = append([]byte(`{"test_delivery":"`+deliveryID+`"`+sep), t[1:]...)
	}
	r := httptest.NewRequest(http.MethodPost, "/webhooks/github", bytes.NewReader(body))
	h := signedHeaders("github", secret, time.Now(), body)
	h.Set("X-GitHub-Delivery", deliveryID)
	h.Set("X-GitHub-Event", event)
	r.Header = h
	return r
}

func newGitHubHandler(t *testing.T, store idempotency.Store, opts ...HandlerOption) (*Handler, string) {
	t.Helper()
	secret := testSecret("github")
	v, err := NewGitHub(secret)
	require.NoError(t, err)
	opts = append([]HandlerOption{WithStore(store), WithLogger(quietLogger())}, opts...)
	h, err := NewHandler(v, opts...)
	require.NoError(t, err)
	return h, secret
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestHandlerConcurrentDeliveriesRunOnce(t *testing.T) {
	for _, sf := range storeFactories {
		t.Run(sf.name, func(t *testing.T) {
			h, secret := newGitHubHandler(t, sf.open(t))
			var runs atomic.Int32
			release := make(chan struct{})
			h.On("repository", func(ctx context.Context, e *Event) error {
				runs.Add(1)
				<-release // hold the claim while the other deliveries arrive
				return nil
			})
			body := []byte(`{"ref":"refs/heads/main"}`)
			id := fmt.Sprintf("concurrent-%d", time.Now().UnixNano())
			const n = 100
			codes := make([]int, n)
			var wg sync.WaitGroup
			var answered atomic.Int32
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					codes[i] = serve(h, githubRequest(t, secret, id, "repository", body)).Code
					answered.Add(1)
				}(i)
			}
			// Every delivery but the one holding the claim answers first.
			require.Eventually(t, func() bool { return answered.Load() == n-1 }, 30*time.Second, 5*time.Millisecond)
			close(release)
			wg.Wait()
			require.Equal(t, int32(1), runs.Load())
			ok := 0
			for _, c := range codes {
				require.Contains(t, []int{http.StatusOK, http.StatusConflict}, c)
				if c == http.StatusOK {
					ok++
				}
			}
			require.Equal(t, 1, ok, "only the delivery that ran the function answers 200 while it runs")
			// A later redelivery is acknowledged without running again.
			require.Equal(t, http.StatusOK, serve(h, githubRequest(t, secret, id, "repository", body)).Code)
			require.Equal(t, int32(1), runs.Load())
		})
	}
}

func TestHandlerFailingFunctionRetried(t *testing.T) {
	for _, sf := range storeFactories {
		t.Run(sf.name, func(t *testing.T) {
			h, secret := newGitHubHandler(t, sf.open(t))
			var runs atomic.Int32
			h.On("repository", func(ctx context.Context, e *Event) error {
				if runs.Add(1) == 1 {
					return errors.New("database down")
				}
				return nil
			})
			body := []byte(`{"ref":"x"}`)
			id := fmt.Sprintf("retry-%d", time.Now().UnixNano())
			w := serve(h, githubRequest(t, secret, id, "repository", body))
			require.Equal(t, http.StatusInternalServerError, w.Code)
			require.NotContains(t, w.Body.String(), "database down", "internal errors stay in logs")
			require.Equal(t, http.StatusOK, serve(h, githubRequest(t, secret, id, "repository", body)).Code)
			require.Equal(t, http.StatusOK, serve(h, githubRequest(t, secret, id, "repository", body)).Code)
			require.Equal(t, int32(2), runs.Load())
		})
	}
}

func TestHandlerPanicReleases(t *testing.T) {
	h, secret := newGitHubHandler(t, memStore(t))
	var runs atomic.Int32
	h.On("repository", func(ctx context.Context, e *Event) error {
		if runs.Add(1) == 1 {
			panic("boom")
		}
		return nil
	})
	body := []byte(`{}`)
	require.Equal(t, http.StatusInternalServerError, serve(h, githubRequest(t, secret, "p1", "repository", body)).Code)
	require.Equal(t, http.StatusOK, serve(h, githubRequest(t, secret, "p1", "repository", body)).Code)
	require.Equal(t, int32(2), runs.Load())
}

func TestHandlerStatuses(t *testing.T) {
	secret := testSecret("github")
	body := []byte(`{"zen":"Keep it logically awesome."}`)
	tests := []struct {
		name     string
		opts     []HandlerOption
		setup    func(h *Handler)
		req      func() *http.Request
		want     int
		wantBody string
		header   map[string]string
	}{
		{
			name: "unhandled type is acknowledged",
			req:  func() *http.Request { return githubRequest(t, secret, "u1", "ping", body) },
			want: http.StatusOK, wantBody: `{"status":"ok"}`,
		},
		{
			name: "fallback runs for other types",
			setup: func(h *Handler) {
				h.Fallback(func(context.Context, *Event) error { return errors.New("fallback ran") })
			},
			req:  func() *http.Request { return githubRequest(t, secret, "f1", "ping", body) },
			want: http.StatusInternalServerError,
		},
		{
			name: "oversized body",
			opts: []HandlerOption{WithMaxBodyBytes(16)},
			req:  func() *http.Request { return githubRequest(t, secret, "o1", "ping", body) },
			want: http.StatusRequestEntityTooLarge, wantBody: `{"error":"body too large"}`,
		},
		{
			name: "body at the limit",
			opts: []HandlerOption{WithMaxBodyBytes(int64(len(body) + len(`"test_delivery":"o2",`)))},
			req:  func() *http.Request { return githubRequest(t, secret, "o2", "ping", body) },
			want: http.StatusOK,
		},
		{
			name: "bad signature",
			req: func() *http.Request {
				r := githubRequest(t, secret, "b1", "ping", body)
				r.Header.Set("X-Hub-Signature-256", "sha256="+strings.Repeat("0", 64))
				return r
			},
			want: http.StatusBadRequest, wantBody: `{"error":"invalid signature"}`,
		},
		{
			name: "missing signature",
			req: func() *http.Request {
				r := githubRequest(t, secret, "b2", "ping", body)
				r.Header.Del("X-Hub-Signature-256")
				return r
			},
			want: http.StatusBadRequest, wantBody: `{"error":"missing signature"}`,
		},
		{
			name: "GET is not allowed",
			req:  func() *http.Request { return httptest.NewRequest(http.MethodGet, "/", nil) },
			want: http.StatusMethodNotAllowed, header: map[string]string{"Allow": "POST"},
		},
		{
			name: "HEAD is not allowed without a probing provider",
			req:  func() *http.Request { return httptest.NewRequest(http.MethodHead, "/", nil) },
			want: http.StatusMethodNotAllowed, header: map[string]string{"Allow": "POST"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newGitHubHandler(t, memStore(t), tt.opts...)
			h.On("push", func(context.Context, *Event) error { return nil })
			if tt.setup != nil {
				tt.setup(h)
			}
			w := serve(h, tt.req())
			require.Equal(t, tt.want, w.Code, w.Body.String())
			if tt.wantBody != "" {
				require.JSONEq(t, tt.wantBody, w.Body.String())
			}
			for k, v := range tt.header {
				require.Equal(t, v, w.Header().Get(k))
			}
		})
	}
}

// failingStore cannot be reached.
type failingStore struct{ claims atomic.Int32 }

func (s *failingStore) Claim(context.Context, string, string, time.Duration) (idempotency.Claim, error) {
	s.claims.Add(1)
	return idempotency.Claim{}, errors.New("dial tcp 10.0.0.1:5432: connection refused")
}
func (s *failingStore) Complete(context.Context, string, string, idempotency.Record, time.Duration) error {
	return errors.New("unreachable")
}
func (s *failingStore) Release(context.Context, string, string) error {
	return errors.New("unreachable")
}
func (s *failingStore) Close() error { return nil }

func TestHandlerStoreUnavailable(t *testing.T) {
	store := &failingStore{}
	h, secret := newGitHubHandler(t, store)
	ran := false
	h.On("repository", func(context.Context, *Event) error { ran = true; return nil })
	w := serve(h, githubRequest(t, secret, "s1", "repository", []byte(`{}`)))
	require.Equal(t, http.StatusServiceUnavailable, w.Code)
	require.NotEmpty(t, w.Header().Get("Retry-After"))
	require.False(t, ran)
	require.Equal(t, int32(1), store.claims.Load())
}

func TestHandlerInProgressElsewhere(t *testing.T) {
	store := memStore(t)
	h, secret := newGitHubHandler(t, store)
	ran := false
	h.On("repository", func(context.Context, *Event) error { ran = true; return nil })
	held := githubRequest(t, secret, "held", "repository", []byte(`{}`))
	body, _ := io.ReadAll(held.Body)
	sum := sha256.Sum256(body)
	key := "github:sha256:" + hex.EncodeToString(sum[:])
	c, err := store.Claim(context.Background(), key, "", time.Minute)
	require.NoError(t, err)
	require.Equal(t, idempotency.Acquired, c.State)
	w := serve(h, githubRequest(t, secret, "held", "repository", []byte(`{}`)))
	require.Equal(t, http.StatusConflict, w.Code)
	require.False(t, ran)
	// Once the other holder releases, a retry runs.
	require.NoError(t, store.Release(context.Background(), key, c.Token))
	require.Equal(t, http.StatusOK, serve(h, githubRequest(t, secret, "held", "repository", []byte(`{}`))).Code)
	require.True(t, ran)
}

// batchVerifier accepts any delivery whose body is a JSON array of
// {"id","type"} objects, like SendGrid's and Mandrill's batches.
type batchVerifier struct{ probes bool }

func (batchVerifier) Provider() string { return "batch" }
func (batchVerifier) Verify(d *Delivery) ([]Event, error) {
	var items []struct{ ID, Type string }
	if err := json.Unmarshal(d.Body, &items); err != nil {
		return nil, fmt.Errorf("%w: not an array", ErrMalformedBody)
	}
	out := make([]Event, len(items))
	for i, it := range items {
		out[i] = Event{Provider: "batch", ID: it.ID, Type: it.Type, Delivery: d}
	}
	return out, nil
}
func (b batchVerifier) ProbesWithHead() bool { return b.probes }

// claimStore fails Claim for one key and records releases.
type claimStore struct {
	idempotency.Store
	failKey  string
	released []string
	mu       sync.Mutex
}

func (s *claimStore) Claim(ctx context.Context, key, fp string, lease time.Duration) (idempotency.Claim, error) {
	if key == s.failKey {
		return idempotency.Claim{}, errors.New("timeout")
	}
	return s.Store.Claim(ctx, key, fp, lease)
}

func (s *claimStore) Release(ctx context.Context, key, token string) error {
	s.mu.Lock()
	s.released = append(s.released, key)
	s.mu.Unlock()
	return s.Store.Release(ctx, key, token)
}

func TestHandlerBatch(t *testing.T) {
	post := func(body string) *http.Request {
		return httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	}
	t.Run("one failure answers 500, completed events stay completed", func(t *testing.T) {
		h, err := NewHandler(batchVerifier{}, WithLogger(quietLogger()))
		require.NoError(t, err)
		runs := map[string]int{}
		var mu sync.Mutex
		failB := true
		h.On("t", func(_ context.Context, e *Event) error {
			mu.Lock()
			defer mu.Unlock()
			runs[e.ID]++
			if e.ID == "b" && failB {
				return errors.New("b failed")
			}
			return nil
		})
		body := `[{"ID":"a","Type":"t"},{"ID":"b","Type":"t"},{"ID":"c","Type":"other"},{"ID":"a","Type":"t"}]`
		require.Equal(t, http.StatusInternalServerError, serve(h, post(body)).Code)
		failB = false
		require.Equal(t, http.StatusOK, serve(h, post(body)).Code)
		require.Equal(t, map[string]int{"a": 1, "b": 2}, runs)
	})
	t.Run("store failure on a later event runs nothing", func(t *testing.T) {
		store := &claimStore{Store: memStore(t), failKey: "batch:b"}
		h, err := NewHandler(batchVerifier{}, WithStore(store), WithLogger(quietLogger()))
		require.NoError(t, err)
		ran := 0
		h.On("t", func(context.Context, *Event) error { ran++; return nil })
		require.Equal(t, http.StatusServiceUnavailable, serve(h, post(`[{"ID":"a","Type":"t"},{"ID":"b","Type":"t"}]`)).Code)
		require.Zero(t, ran)
		require.Equal(t, []string{"batch:a"}, store.released, "the claim already made is released")
	})
	t.Run("empty batch", func(t *testing.T) {
		h, err := NewHandler(batchVerifier{}, WithLogger(quietLogger()))
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, serve(h, post(`[]`)).Code)
	})
	t.Run("event without id", func(t *testing.T) {
		h, err := NewHandler(batchVerifier{}, WithLogger(quietLogger()))
		require.NoError(t, err)
		require.Equal(t, http.StatusBadRequest, serve(h, post(`[{"Type":"t"}]`)).Code)
	})
	t.Run("HEAD probe", func(t *testing.T) {
		h, err := NewHandler(batchVerifier{probes: true}, WithLogger(quietLogger()))
		require.NoError(t, err)
		w := serve(h, httptest.NewRequest(http.MethodHead, "/", nil))
		require.Equal(t, http.StatusOK, w.Code)
		w = serve(h, httptest.NewRequest(http.MethodPut, "/", nil))
		require.Equal(t, http.StatusMethodNotAllowed, w.Code)
		require.Equal(t, "POST, HEAD", w.Header().Get("Allow"))
	})
}

func TestHandlerSlackChallenge(t *testing.T) {
	secret := testSecret("slack")
	v, err := NewSlack(secret)
	require.NoError(t, err)
	h, err := NewHandler(v, WithLogger(quietLogger()))
	require.NoError(t, err)
	ran := false
	h.Fallback(func(context.Context, *Event) error { ran = true; return nil })
	body := []byte(`{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
	r := httptest.NewRequest(http.MethodPost, "/slack/events", bytes.NewReader(body))
	r.Header = signedHeaders("slack", secret, time.Now(), body)
	w := serve(h, r)
	require.Equal(t, http.StatusOK, w.Code)
	require.Equal(t, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", w.Body.String())
	require.False(t, ran)

	// An unsigned challenge is refused like any other delivery.
	r = httptest.NewRequest(http.MethodPost, "/slack/events", bytes.NewReader(body))
	require.Equal(t, http.StatusBadRequest, serve(h, r).Code)

	// An event callback dispatches on the inner event type.
	body = []byte(`{"type":"event_callback","event_id":"Ev9","event_time":1700000000,"event":{"type":"app_mention","text":"hi"}}`)
	r = httptest.NewRequest(http.MethodPost, "/slack/events", bytes.NewReader(body))
	r.Header = signedHeaders("slack", secret, time.Now(), body)
	var got *Event
	h.On("app_mention", func(_ context.Context, e *Event) error { got = e; return nil })
	require.Equal(t, http.StatusOK, serve(h, r).Code)
	require.NotNil(t, got)
	require.Equal(t, "Ev9", got.ID)
}

func TestHandlerLogs(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: &buf, mu: &mu}, nil))
	secret := testSecret("github")
	v, err := NewGitHub(secret)
	require.NoError(t, err)
	h, err := NewHandler(v, WithLogger(logger))
	require.NoError(t, err)
	h.On("repository", func(context.Context, *Event) error { return nil })
	r := githubRequest(t, secret, "log-1", "repository", []byte(`{}`))
	sig := r.Header.Get("X-Hub-Signature-256")
	require.Equal(t, http.StatusOK, serve(h, r).Code)
	bad := githubRequest(t, secret, "log-2", "repository", []byte(`{}`))
	bad.Header.Set("X-Hub-Signature-256", "sha256="+strings.Repeat("a", 64))
	require.Equal(t, http.StatusBadRequest, serve(h, bad).Code)

	mu.Lock()
	out := buf.String()
	mu.Unlock()
	require.Contains(t, out, `"provider":"github"`)
	require.Contains(t, out, `"event_id":"log-1"`)
	require.Contains(t, out, `"type":"repository"`)
	require.Contains(t, out, `"outcome":"processed"`)
	require.Contains(t, out, `"outcome":"rejected"`)
	require.Contains(t, out, `"duration"`)
	require.NotContains(t, out, secret)
	require.NotContains(t, out, strings.TrimPrefix(sig, "sha256="))
	require.NotContains(t, out, strings.Repeat("a", 64))
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// urlVerifier records the Delivery it saw.
type urlVerifier struct{ got chan *Delivery }

func (urlVerifier) Provider() string { return "url" }
func (u urlVerifier) Verify(d *Delivery) ([]Event, error) {
	u.got <- d
	return nil, nil
}

func TestHandlerDeliveryURL(t *testing.T) {
	tests := []struct {
		name, public, target, want string
	}{
		{"from the request", "", "http://internal:8080/hooks/twilio?bodySHA256=ab", "http://internal:8080/hooks/twilio?bodySHA256=ab"},
		{"public base", "https://api.example.com", "http://internal:8080/hooks/twilio?a=1", "https://api.example.com/hooks/twilio?a=1"},
		{"public base with prefix", "https://example.com/svc/", "http://internal/hooks", "https://example.com/svc/hooks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			uv := urlVerifier{got: make(chan *Delivery, 1)}
			var opts []HandlerOption
			if tt.public != "" {
				opts = append(opts, WithPublicURL(tt.public))
			}
			now := time.Unix(1700000000, 0)
			opts = append(opts, WithLogger(quietLogger()), WithClock(func() time.Time { return now }))
			h, err := NewHandler(uv, opts...)
			require.NoError(t, err)
			r := httptest.NewRequest(http.MethodPost, tt.target, strings.NewReader("x"))
			r.Header.Set("X-Forwarded-Proto", "https")
			require.Equal(t, http.StatusOK, serve(h, r).Code)
			d := <-uv.got
			require.Equal(t, tt.want, d.URL.String())
			require.Equal(t, []byte("x"), d.Body)
			require.True(t, d.ReceivedAt.Equal(now))
		})
	}
	_, err := NewHandler(urlVerifier{}, WithPublicURL("/relative"))
	require.ErrorIs(t, err, ErrInvalidConfig, "a relative public URL")
	_, err = NewHandler(nil)
	require.ErrorIs(t, err, ErrInvalidConfig, "a nil verifier")
	for _, bad := range []HandlerOption{WithMaxBodyBytes(0), WithTTL(0), WithLease(-1), WithLogger(nil), WithStore(nil), WithNamespace(""), WithNamespace("a:b"), WithClock(nil)} {
		_, err = NewHandler(urlVerifier{}, bad)
		require.ErrorIs(t, err, ErrInvalidConfig)
	}
}

func TestHandlerMounting(t *testing.T) {
	secret := testSecret("github")
	v, err := NewGitHub(secret)
	require.NoError(t, err)
	h, err := NewHandler(v, WithLogger(quietLogger()))
	require.NoError(t, err)
	var runs atomic.Int32
	h.On("repository", func(context.Context, *Event) error { runs.Add(1); return nil })

	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/github", h)
	r := chi.NewRouter()
	r.Method(http.MethodPost, "/webhooks/github", h)

	for name, router := range map[string]http.Handler{"servemux": mux, "chi": r} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(router)
			defer srv.Close()
			body := []byte(`{"ref":"main"}`)
			req := githubRequest(t, secret, "mount-"+name, "repository", body)
			req.RequestURI = ""
			req.URL, _ = req.URL.Parse(srv.URL + "/webhooks/github")
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
		})
	}
	require.Equal(t, int32(2), runs.Load())
}

func TestIdempotencyKey(t *testing.T) {
	h := &Handler{keyPrefix: "stripe:"}
	key := func(id string) string { return h.idempotencyKey(&Event{ID: id}) }
	require.Equal(t, "stripe:evt_1", key("evt_1"))
	require.Equal(t, "stripe:sha256:ab", h.idempotencyKey(&Event{ID: "evt_1", DedupKey: "sha256:ab"}), "DedupKey wins over ID")
	long := strings.Repeat("x", 300)
	k := key(long)
	require.NoError(t, idempotency.ValidateKey(k))
	require.True(t, strings.HasPrefix(k, "stripe:sha256:"))
	require.Equal(t, k, key(long), "stable")
	require.NotEqual(t, k, key(long+"y"))
	require.NoError(t, idempotency.ValidateKey(key("a\x00b")))
	ns := &Handler{keyPrefix: "acct-b:stripe:"}
	require.Equal(t, "acct-b:stripe:evt_1", ns.idempotencyKey(&Event{ID: "evt_1"}))
}

func TestHandlerClientGone(t *testing.T) {
	h, secret := newGitHubHandler(t, memStore(t))
	ran := false
	h.On("repository", func(context.Context, *Event) error { ran = true; return nil })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := githubRequest(t, secret, "gone", "repository", []byte(`{}`)).WithContext(ctx)
	require.Equal(t, http.StatusServiceUnavailable, serve(h, r).Code)
	require.False(t, ran)
	// The provider's next attempt runs the event.
	require.Equal(t, http.StatusOK, serve(h, githubRequest(t, secret, "gone", "repository", []byte(`{}`))).Code)
	require.True(t, ran)
}

// Silent by default: a Handler given no logger writes nothing through
// slog.Default, even for the deliveries it rejects.
func TestHandlerSilentByDefault(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(old) })

	v, err := NewGitHub(testSecret("github"))
	require.NoError(t, err)
	h, err := NewHandler(v)
	require.NoError(t, err)
	h.On("ping", func(context.Context, *Event) error { return errors.New("fails") })
	body := []byte(`{"zen":"z"}`)
	serve(h, githubRequest(t, testSecret("github"), "s1", "ping", body))
	bad := githubRequest(t, testSecret("github"), "s2", "ping", body)
	bad.Header.Set("X-Hub-Signature-256", "sha256="+strings.Repeat("0", 64))
	serve(h, bad)
	require.Empty(t, buf.String())
}

// A store that cannot take a new key (the bounded memory store when full)
// answers 503 like a store that is down, and runs nothing.
func TestHandlerStoreFullAnswers503(t *testing.T) {
	store, err := memstore.New(memstore.WithMaxEntries(1))
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	h, secret := newGitHubHandler(t, store)
	release := make(chan struct{})
	var runs atomic.Int32
	h.On("repository", func(context.Context, *Event) error {
		if runs.Add(1) == 1 {
			<-release // hold the only entry the store has
		}
		return nil
	})
	done := make(chan int)
	go func() { done <- serve(h, githubRequest(t, secret, "full-1", "repository", []byte(`{}`))).Code }()
	require.Eventually(t, func() bool { return runs.Load() == 1 }, 10*time.Second, time.Millisecond)
	w := serve(h, githubRequest(t, secret, "full-2", "repository", []byte(`{}`)))
	require.Equal(t, http.StatusServiceUnavailable, w.Code, "a full store is unavailable")
	require.NotEmpty(t, w.Header().Get("Retry-After"))
	require.Equal(t, int32(1), runs.Load(), "nothing runs without a claim")
	close(release)
	require.Equal(t, http.StatusOK, <-done)
}

// A panicking function is logged as failed and its key released, so the
// provider's retry runs it.
func TestHandlerPanicLoggedAsFailed(t *testing.T) {
	var buf bytes.Buffer
	h, secret := newGitHubHandler(t, memStore(t), WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
	h.On("repository", func(context.Context, *Event) error { panic("boom") })
	require.Equal(t, http.StatusInternalServerError, serve(h, githubRequest(t, secret, "p2", "repository", []byte(`{}`))).Code)
	require.Contains(t, buf.String(), `"outcome":"failed"`)
	require.Contains(t, buf.String(), "boom")
	require.NotContains(t, buf.String(), `"outcome":"store_error"`, "the release succeeded")
}
