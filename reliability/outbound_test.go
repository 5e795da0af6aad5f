package reliability

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/httpclient"
)

// resetConn hijacks the connection of w and closes it with a TCP reset.
func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("response writer cannot hijack")
	}
	c, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

// flakyUpstream answers at random: 503, a connection reset after reading
// the request, a response slower than the client's timeout, or 200. It
// counts every request it read, by request id and by idempotency key.
type flakyUpstream struct {
	mu   sync.Mutex
	rnd  *rand.Rand
	byID map[string]int
	keys map[string]map[string]bool // request id -> idempotency keys seen
}

func newFlakyUpstream(seed uint64) *flakyUpstream {
	return &flakyUpstream{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		byID: make(map[string]int), keys: make(map[string]map[string]bool)}
}

func (f *flakyUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ID string `json:"id"`
	}
	raw, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(raw, &body)
	id := body.ID
	if id == "" {
		id = r.URL.Query().Get("id")
	}
	f.mu.Lock()
	f.byID[id]++
	if k := r.Header.Get("Idempotency-Key"); k != "" {
		if f.keys[id] == nil {
			f.keys[id] = make(map[string]bool)
		}
		f.keys[id][k] = true
	}
	roll := f.rnd.IntN(100)
	f.mu.Unlock()
	switch {
	case roll < 30:
		w.Header().Set("Retry-After", "0")
		http.Error(w, `{"error":"unavailable"}`, http.StatusServiceUnavailable)
	case roll < 45:
		resetConn(w)
	case roll < 55:
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
		w.WriteHeader(http.StatusOK)
	default:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}
}

func (f *flakyUpstream) count(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.byID[id]
}

func (f *flakyUpstream) keysOf(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.keys[id])
}

// TestFlakyUpstream sends calls to an upstream that fails at random:
// a POST without an idempotency key reaches it at most once whatever
// happens, while GETs and keyed POSTs are retried (proving the failures
// are real) and a keyed POST always carries the same key.
func TestFlakyUpstream(t *testing.T) {
	calls := size(200, 60)
	const workers = 8
	up := newFlakyUpstream(42)
	srv := httptest.NewServer(up)
	t.Cleanup(srv.Close)
	sink := newLogSink(t)
	const token = "sk_live_reliability_bearer_token_51H"
	sink.secret(token)
	c := mustClient(t,
		httpclient.WithBaseURL(srv.URL),
		httpclient.WithBearerToken(token),
		httpclient.WithRetries(4),
		httpclient.WithBackoff(time.Millisecond, 5*time.Millisecond),
		httpclient.WithTimeout(3*time.Second),
		httpclient.WithResponseHeaderTimeout(150*time.Millisecond),
		httpclient.WithLogger(sink.logger()),
	)
	ctx := context.Background()

	type call struct {
		kind string
		id   string
	}
	jobs := make(chan call, calls*3)
	for i := range calls {
		jobs <- call{"post", fmt.Sprintf("post-%04d", i)}
		jobs <- call{"keyed", fmt.Sprintf("keyed-%04d", i)}
		jobs <- call{"get", fmt.Sprintf("get-%04d", i)}
	}
	close(jobs)
	var wg sync.WaitGroup
	var postOK, keyedOK, getOK atomic.Int64
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				var err error
				switch j.kind {
				case "post":
					_, err = c.Post(ctx, "/v1/charges", map[string]string{"id": j.id})
					if err == nil {
						postOK.Add(1)
					}
				case "keyed":
					_, err = c.Post(ctx, "/v1/charges", map[string]string{"id": j.id},
						httpclient.WithIdempotencyKey("idem-"+j.id))
					if err == nil {
						keyedOK.Add(1)
					}
				case "get":
					_, err = c.Get(ctx, "/v1/charges/x?id="+j.id)
					if err == nil {
						getOK.Add(1)
					}
				}
				sink.err(err)
			}
		}()
	}
	wg.Wait()

	retried := 0
	for i := range calls {
		id := fmt.Sprintf("post-%04d", i)
		require.LessOrEqual(t, up.count(id), 1, "POST %s without a key reached the upstream %d times", id, up.count(id))
		kid := fmt.Sprintf("keyed-%04d", i)
		if up.count(kid) > 0 {
			require.Equal(t, 1, up.keysOf(kid), "every attempt of %s carries the same key", kid)
		}
		if up.count(kid) > 1 || up.count(fmt.Sprintf("get-%04d", i)) > 1 {
			retried++
		}
	}
	require.Positive(t, retried, "the upstream's failures must have caused retries")
	t.Logf("%d calls each: POST ok %d, keyed POST ok %d, GET ok %d; %d ids retried",
		calls, postOK.Load(), keyedOK.Load(), getOK.Load(), retried)
}

// TestBreakerCapsDeadHost calls a host that resets every connection and
// one that refuses them: the breaker opens after the configured number of
// failures and no further attempt reaches the host.
func TestBreakerCapsDeadHost(t *testing.T) {
	const failures = 3
	var hits atomic.Int64
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		resetConn(w)
	}))
	t.Cleanup(dead.Close)
	sink := newLogSink(t)
	const key = "reliability-api-key-7c1e0b"
	sink.secret(key)
	newClient := func(base string) *httpclient.Client {
		return mustClient(t,
			httpclient.WithBaseURL(base),
			httpclient.WithHeader("X-Api-Key", key),
			httpclient.WithRetries(2),
			httpclient.WithBackoff(time.Millisecond, 2*time.Millisecond),
			httpclient.WithCircuitBreaker(httpclient.WithBreakerFailures(failures), httpclient.WithBreakerOpenTimeout(time.Minute)),
			httpclient.WithLogger(sink.logger()),
		)
	}

	c := newClient(dead.URL)
	var open int
	for range 20 {
		_, err := c.Get(context.Background(), "/v1/ping?api_key="+key)
		require.Error(t, err)
		sink.err(err)
		if errors.Is(err, httpclient.ErrCircuitOpen) {
			open++
		}
	}
	require.EqualValues(t, failures, hits.Load(), "the breaker must cap attempts at the dead host")
	require.GreaterOrEqual(t, open, 18, "later calls fail fast with ErrCircuitOpen")

	// A port nobody listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	refused := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())
	c = newClient(refused)
	start := time.Now()
	open = 0
	for range 20 {
		_, err := c.Post(context.Background(), "/v1/charges", map[string]string{"id": "x"})
		require.Error(t, err)
		sink.err(err)
		if errors.Is(err, httpclient.ErrCircuitOpen) {
			open++
		}
	}
	require.Equal(t, 20-failures, open, "after %d refused connections the breaker opens", failures)
	require.Less(t, time.Since(start), 10*time.Second)
}

// mustClient builds an httpclient.Client from options the test knows to be
// valid.
func mustClient(t *testing.T, opts ...httpclient.Option) *httpclient.Client {
	t.Helper()
	c, err := httpclient.New(opts...)
	require.NoError(t, err)
	return c
}
