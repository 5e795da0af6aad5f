package idempotency_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
)

// Without WithScope, two clients that happen to send the same key and
// body must never receive each other's stored response.
func TestMiddlewareKeysArePerClientByDefault(t *testing.T) {
	next := &countingHandler{status: http.StatusCreated}
	h := newMW(t, mem(t))(next)

	alice := do(t, h, http.MethodPost, "/transfers", `"k-1"`, `{"amount":1}`, "Authorization", "Bearer alice-token")
	bob := do(t, h, http.MethodPost, "/transfers", `"k-1"`, `{"amount":1}`, "Authorization", "Bearer bob-token")
	require.Equal(t, http.StatusCreated, bob.Code)
	require.Empty(t, bob.Header().Get(idempotency.ReplayedHeader), "bob must not get alice's stored response")
	require.NotEqual(t, alice.Body.String(), bob.Body.String(), "bob must not see alice's body")
	require.Equal(t, "2", bob.Header().Get("X-Run"), "bob must not see alice's headers")
	require.EqualValues(t, 2, next.runs.Load())

	// Each client still gets its own replay.
	again := do(t, h, http.MethodPost, "/transfers", `"k-1"`, `{"amount":1}`, "Authorization", "Bearer alice-token")
	require.Equal(t, "true", again.Header().Get(idempotency.ReplayedHeader))
	require.Equal(t, alice.Body.String(), again.Body.String())
	require.EqualValues(t, 2, next.runs.Load())
}

// With WithScopeCookie, the session cookie scopes the key space.
func TestMiddlewareScopeCookieSeparatesSessions(t *testing.T) {
	next := &countingHandler{status: http.StatusOK}
	h := newMW(t, mem(t), idempotency.WithScopeCookie("sid"))(next)

	a := do(t, h, http.MethodPost, "/", "k", "x", "Cookie", "sid=session-a; theme=dark")
	b := do(t, h, http.MethodPost, "/", "k", "x", "Cookie", "sid=session-b; theme=dark")
	require.Empty(t, b.Header().Get(idempotency.ReplayedHeader))
	require.NotEqual(t, a.Body.String(), b.Body.String())
	// Another cookie does not change the scope.
	again := do(t, h, http.MethodPost, "/", "k", "x", "Cookie", "theme=light; sid=session-a")
	require.Equal(t, "true", again.Header().Get(idempotency.ReplayedHeader))
	// No cookie and no Authorization: the anonymous scope, apart from both.
	anon := do(t, h, http.MethodPost, "/", "k", "x")
	require.Empty(t, anon.Header().Get(idempotency.ReplayedHeader))
	require.EqualValues(t, 3, next.runs.Load())
}

// Requests without credentials share one anonymous key space (documented):
// a second anonymous request with the key is a replay.
func TestMiddlewareAnonymousRequestsShareAScope(t *testing.T) {
	next := &countingHandler{status: http.StatusOK}
	h := newMW(t, mem(t))(next)
	do(t, h, http.MethodPost, "/", "k", "x")
	require.Equal(t, "true", do(t, h, http.MethodPost, "/", "k", "x").Header().Get(idempotency.ReplayedHeader))
	require.EqualValues(t, 1, next.runs.Load())
}

// Reusing a key on another query string or Content-Type is another
// request: 422, never the answer stored for the first.
func TestMiddlewareFingerprintCoversQueryAndContentType(t *testing.T) {
	next := &countingHandler{status: http.StatusOK}
	h := newMW(t, mem(t))(next)
	first := do(t, h, http.MethodPost, "/transfers?to=alice", "k", `{"amount":5}`, "Content-Type", "application/json")
	require.Equal(t, http.StatusOK, first.Code)

	tests := map[string]struct{ path, contentType string }{
		"other query":        {"/transfers?to=bob", "application/json"},
		"no query":           {"/transfers", "application/json"},
		"other content type": {"/transfers?to=alice", "application/x-www-form-urlencoded"},
		"no content type":    {"/transfers?to=alice", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var hdr []string
			if tc.contentType != "" {
				hdr = []string{"Content-Type", tc.contentType}
			}
			w := do(t, h, http.MethodPost, tc.path, "k", `{"amount":5}`, hdr...)
			requireProblem(t, w, http.StatusUnprocessableEntity, "already used")
			require.NotContains(t, w.Body.String(), `"run"`)
		})
	}
	same := do(t, h, http.MethodPost, "/transfers?to=alice", "k", `{"amount":5}`, "Content-Type", "application/json")
	require.Equal(t, "true", same.Header().Get(idempotency.ReplayedHeader))
	require.EqualValues(t, 1, next.runs.Load())
}

// Answers that mean "nothing was done, try again" are released, not
// stored: the retry runs the handler again.
func TestMiddlewareDoesNotStoreRetryableAnswers(t *testing.T) {
	for _, status := range []int{400, 401, 403, 408, 409, 422, 425, 429, 500, 502, 503, 504, 599} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			next := &countingHandler{status: status}
			h := newMW(t, mem(t))(next)
			for i := 1; i <= 2; i++ {
				w := do(t, h, http.MethodPost, "/", "k", "x")
				require.Equal(t, status, w.Code)
				require.Empty(t, w.Header().Get(idempotency.ReplayedHeader), "a %d must not be replayed", status)
			}
			require.EqualValues(t, 2, next.runs.Load())
		})
	}
}

// Outcomes are stored and replayed.
func TestMiddlewareStoresOutcomes(t *testing.T) {
	for _, status := range []int{200, 201, 202, 204, 301, 303, 402, 404, 410} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			next := &countingHandler{status: status}
			h := newMW(t, mem(t))(next)
			do(t, h, http.MethodPost, "/", "k", "x")
			w := do(t, h, http.MethodPost, "/", "k", "x")
			require.Equal(t, status, w.Code)
			require.Equal(t, "true", w.Header().Get(idempotency.ReplayedHeader))
			require.EqualValues(t, 1, next.runs.Load())
		})
	}
}

// heapInUse returns the bytes of live heap objects after a collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// A thousand keys with large records must not grow the heap without bound:
// the default memory store keeps at most DefaultMaxBytes of records. Under
// the race detector, which makes copying 256 MiB take minutes, the same
// property is checked with a 4 MiB budget and 100 records.
func TestMemoryStoreHeapIsBoundedByDefault(t *testing.T) {
	keys, budget := 1000, memstore.DefaultMaxBytes
	var opts []memstore.Option
	if raceEnabled || testing.Short() {
		keys, budget = 100, 4<<20
		opts = append(opts, memstore.WithMaxBytes(budget))
	}
	ctx := context.Background()
	s := mem(t, opts...)
	body := []byte(strings.Repeat("x", 256<<10))
	before := heapInUse()
	for i := range keys {
		key := fmt.Sprintf("big-%d", i)
		c, err := s.Claim(ctx, key, "fp", time.Minute)
		require.NoError(t, err)
		require.Equal(t, idempotency.Acquired, c.State)
		require.NoError(t, s.Complete(ctx, key, c.Token, idempotency.Record{Status: 200, Body: body}, time.Hour))
	}
	grown := int64(heapInUse()) - int64(before)
	t.Logf("heap grew by %.1f MiB for %d records of 256 KiB (budget %d MiB)", float64(grown)/(1<<20), keys, budget>>20)
	require.LessOrEqual(t, s.Bytes(), budget)
	require.Less(t, grown, budget+16<<20, "the store must stay near its byte budget")
}

// A memory store full of live claims makes the middleware answer 503,
// never grow.
func TestMiddlewareAnswers503WhenTheStoreIsFull(t *testing.T) {
	block := make(chan struct{})
	started := make(chan struct{}, 1)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-block
	})
	h := newMW(t, mem(t, memstore.WithMaxEntries(1)))(next)
	done := make(chan struct{})
	go func() { defer close(done); do(t, h, http.MethodPost, "/", "first", "x") }()
	<-started
	w := do(t, h, http.MethodPost, "/", "second", "x")
	requireProblem(t, w, http.StatusServiceUnavailable, "unavailable")
	require.Equal(t, "1", w.Header().Get("Retry-After"))
	close(block)
	<-done
}

// WithStoredStatus chooses what is stored: here a 422 is an outcome to
// replay, and a 201 is not kept.
func TestMiddlewareStoredStatusOption(t *testing.T) {
	for _, tc := range []struct {
		status int
		stored bool
	}{{http.StatusUnprocessableEntity, true}, {http.StatusCreated, false}, {http.StatusInternalServerError, false}} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			next := &countingHandler{status: tc.status}
			h := newMW(t, mem(t), idempotency.WithStoredStatus(func(status int) bool { return status == http.StatusUnprocessableEntity }))(next)
			do(t, h, http.MethodPost, "/", "k", "x")
			w := do(t, h, http.MethodPost, "/", "k", "x")
			if tc.stored {
				require.Equal(t, "true", w.Header().Get(idempotency.ReplayedHeader))
				require.EqualValues(t, 1, next.runs.Load())
			} else {
				require.Empty(t, w.Header().Get(idempotency.ReplayedHeader))
				require.EqualValues(t, 2, next.runs.Load())
			}
		})
	}
	for status, want := range map[int]bool{200: true, 204: true, 302: true, 402: true, 404: true, 410: true,
		400: false, 401: false, 403: false, 408: false, 409: false, 422: false, 425: false, 429: false, 500: false, 503: false} {
		require.Equal(t, want, idempotency.DefaultStoredStatus(status), "DefaultStoredStatus(%d)", status)
	}
}

// The store key holds a keyed digest of the credentials, never the
// credentials themselves, and the digest depends on WithScopeSecret.
func TestMiddlewareScopeKeepsCredentialsOutOfTheStore(t *testing.T) {
	keyFor := func(opts ...idempotency.MiddlewareOption) string {
		var key string
		store := &keyRecorder{Store: mem(t), key: &key}
		h := newMW(t, store, opts...)(&countingHandler{status: http.StatusOK})
		do(t, h, http.MethodPost, "/", "k", "x", "Authorization", "Basic YWxpY2U6aHVudGVyMg==", "Cookie", "sid=sess-42")
		return key
	}
	plain := keyFor()
	require.NotContains(t, plain, "YWxpY2U6aHVudGVyMg", "the Authorization value is not kept")
	require.Contains(t, plain, ":c:", "a credentials scope")
	withCookie := keyFor(idempotency.WithScopeCookie("sid"))
	require.NotContains(t, withCookie, "sess-42", "the cookie value is not kept")
	require.NotEqual(t, plain, withCookie, "the cookie is part of the scope")
	secret := keyFor(idempotency.WithScopeSecret([]byte("replica-shared-secret")))
	require.NotEqual(t, plain, secret, "the digest is keyed with the secret")
	require.Equal(t, secret, keyFor(idempotency.WithScopeSecret([]byte("replica-shared-secret"))), "replicas sharing the secret agree")
}

// keyRecorder records the key of the last Claim.
type keyRecorder struct {
	idempotency.Store
	key *string
}

func (k *keyRecorder) Claim(ctx context.Context, key, fp string, lease time.Duration) (idempotency.Claim, error) {
	*k.key = key
	return k.Store.Claim(ctx, key, fp, lease)
}
