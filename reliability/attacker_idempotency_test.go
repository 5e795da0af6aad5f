package reliability

// The attacker tests try the Idempotency-Key middleware the way a hostile
// or careless client would, over HTTP, against every store backend:
//
//   - TestAttackerSharedKeyReplay: a second client reuses another client's
//     key and body, hoping to be served the first client's stored answer.
//   - TestAttackerQueryStringReplay: a key reused on another query string
//     (?to=bob after ?to=alice) must not replay the first answer.
//   - TestAttacker429NotReplayed: a rate-limit answer must not stick to the
//     key, or one 429 would lock the client out for the whole TTL.
//   - TestAttackerMemoryExhaustion: many keys with large answers must not
//     grow the memory store without bound; a store full of live claims
//     answers 503 in both the middleware and the webhook handler.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
	"github.com/switchboard-go/switchboard/webhooks"
)

// idemServer serves next behind the Idempotency-Key middleware on store.
func idemServer(t *testing.T, store idempotency.Store, next http.Handler, opts ...idempotency.MiddlewareOption) (string, *http.Client) {
	t.Helper()
	sink := newLogSink(t)
	m, err := idempotency.NewMiddleware(store, append([]idempotency.MiddlewareOption{idempotency.WithLogger(sink.logger())}, opts...)...)
	require.NoError(t, err)
	srv, client := serve(t, m(next))
	return srv.URL, client
}

// post sends a POST with an Idempotency-Key and returns the status, the
// replay marker and the body.
func post(t *testing.T, c *http.Client, url, key, body string, hdr ...string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set(idempotency.KeyHeader, key)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, res.Header.Get(idempotency.ReplayedHeader), string(b)
}

// accountHandler answers with the caller's account, read from its bearer
// token, and the transfer's recipient: an answer private to the caller.
func accountHandler(runs *atomic.Int32) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := runs.Add(1)
		account := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Account", account)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"transfer":%d,"account":%q,"to":%q}`, n, account, r.URL.Query().Get("to"))
	})
}

func TestAttackerSharedKeyReplay(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			var runs atomic.Int32
			url, c := idemServer(t, b.open(t), accountHandler(&runs))
			const key, body = `"2f1c7a4e-shared"`, `{"amount":100}`

			status, replayed, victim := post(t, c, url+"/transfers", key, body, "Authorization", "Bearer victim-token")
			require.Equal(t, http.StatusCreated, status)
			require.Empty(t, replayed)

			// The attacker learned the key (a log, a shared proxy) and
			// sends it with its own credentials and the same body.
			status, replayed, got := post(t, c, url+"/transfers", key, body, "Authorization", "Bearer attacker-token")
			require.Equal(t, http.StatusCreated, status)
			require.Empty(t, replayed, "the attacker must not be served a stored answer")
			require.NotContains(t, got, "victim-token", "the attacker must not see the victim's answer")
			require.Contains(t, got, "attacker-token")
			require.EqualValues(t, 2, runs.Load())

			// Without credentials at all it is another scope again.
			status, replayed, got = post(t, c, url+"/transfers", key, body)
			require.Equal(t, http.StatusCreated, status)
			require.Empty(t, replayed)
			require.NotContains(t, got, "victim-token")

			// The victim's own retry is still a replay.
			status, replayed, again := post(t, c, url+"/transfers", key, body, "Authorization", "Bearer victim-token")
			require.Equal(t, http.StatusCreated, status)
			require.Equal(t, "true", replayed)
			require.Equal(t, victim, again)
			require.EqualValues(t, 3, runs.Load())
		})
	}
}

func TestAttackerQueryStringReplay(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			var runs atomic.Int32
			url, c := idemServer(t, b.open(t), accountHandler(&runs))
			auth := []string{"Authorization", "Bearer client-token"}
			status, _, _ := post(t, c, url+"/transfers?to=alice", `"k-query"`, `{"amount":100}`, auth...)
			require.Equal(t, http.StatusCreated, status)

			status, replayed, got := post(t, c, url+"/transfers?to=bob", `"k-query"`, `{"amount":100}`, auth...)
			require.Equal(t, http.StatusUnprocessableEntity, status, "a key reused on another query is another request")
			require.Empty(t, replayed)
			require.NotContains(t, got, "alice")
			require.EqualValues(t, 1, runs.Load(), "the handler must not run for the reused key")
		})
	}
}

func TestAttacker429NotReplayed(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			var runs atomic.Int32
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if runs.Add(1) == 1 {
					w.Header().Set("Retry-After", "1")
					http.Error(w, "slow down", http.StatusTooManyRequests)
					return
				}
				w.WriteHeader(http.StatusCreated)
				_, _ = io.WriteString(w, "created")
			})
			url, c := idemServer(t, b.open(t), next)
			status, _, _ := post(t, c, url, `"k-429"`, `{}`)
			require.Equal(t, http.StatusTooManyRequests, status)
			status, replayed, got := post(t, c, url, `"k-429"`, `{}`)
			require.Equal(t, http.StatusCreated, status, "the retry after a 429 must run")
			require.Empty(t, replayed)
			require.Equal(t, "created", got)
			status, replayed, _ = post(t, c, url, `"k-429"`, `{}`)
			require.Equal(t, http.StatusCreated, status)
			require.Equal(t, "true", replayed, "the outcome is what is stored")
			require.EqualValues(t, 2, runs.Load())
		})
	}
}

// heapAlloc returns the bytes of live heap objects after a collection.
func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func TestAttackerMemoryExhaustion(t *testing.T) {
	t.Run("large answers", func(t *testing.T) {
		// Under the race detector, which makes copying 256 MiB take
		// minutes, the same property is checked with 100 answers of
		// 64 KiB and a 1 MiB budget.
		keys, answer, budget := 1000, 256<<10, memstore.DefaultMaxBytes
		var opts []memstore.Option
		if raceEnabled || testing.Short() {
			keys, answer, budget = 100, 64<<10, 1<<20
			opts = append(opts, memstore.WithMaxBytes(budget))
		}
		store := memStore(t, opts...)
		big := strings.Repeat("z", answer)
		next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, big) })
		url, c := idemServer(t, store, next)
		before := heapAlloc()
		for i := range keys {
			status, _, _ := post(t, c, url, fmt.Sprintf(`"flood-%d"`, i), `{}`)
			require.Equal(t, http.StatusOK, status)
		}
		grown := int64(heapAlloc()) - int64(before)
		t.Logf("%d answers of %d KiB: heap grew by %.1f MiB, store holds %d keys, %.1f MiB",
			keys, answer>>10, float64(grown)/(1<<20), store.Len(), float64(store.Bytes())/(1<<20))
		require.LessOrEqual(t, store.Bytes(), budget)
		require.Less(t, grown, budget+16<<20, "the heap must stay near the store's byte budget")
	})

	t.Run("full of live claims", func(t *testing.T) {
		store := memStore(t, memstore.WithMaxEntries(4))
		ctx := context.Background()
		for i := range 4 {
			_, err := store.Claim(ctx, fmt.Sprintf("held-%d", i), "fp", time.Hour)
			require.NoError(t, err)
		}
		var runs atomic.Int32
		url, c := idemServer(t, store, accountHandler(&runs))
		status, _, _ := post(t, c, url, `"k-full"`, `{}`)
		require.Equal(t, http.StatusServiceUnavailable, status, "the middleware answers 503, never unbounded memory")
		require.Zero(t, runs.Load())

		sink := newLogSink(t)
		h := stripeHandler(t, sink, webhooks.WithStore(store))
		var processed atomic.Int32
		h.On("invoice.paid", func(context.Context, *webhooks.Event) error {
			processed.Add(1)
			return nil
		})
		srv, client := serve(t, h)
		status, err := send(client, signedStripe(t, sink, srv.URL, stripeEvent("evt_store_full")))
		require.NoError(t, err)
		require.Equal(t, http.StatusServiceUnavailable, status, "the webhook handler answers 503, so the provider retries")
		require.Zero(t, processed.Load())
	})
}
