package idempotency_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
	"github.com/switchboard-go/switchboard/idempotency/storekit"
	"github.com/switchboard-go/switchboard/idempotency/storetest"
)

var benchRecord = storetest.BenchRecord()

// BenchmarkClaimComplete measures a Claim and a Complete of a fresh key on
// the memory store ("store"), against a bare mutex-guarded map doing the
// same bookkeeping ("baseline").
func BenchmarkClaimComplete(b *testing.B) {
	s, err := memstore.New()
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchClaimComplete(b, s, "baseline", func(*testing.B) storetest.BareOps {
		type entry struct {
			token   string
			done    bool
			rec     idempotency.Record
			expires time.Time
		}
		var mu sync.Mutex
		m := map[string]*entry{}
		return storetest.BareOps{
			Claim: func(_ context.Context, key, token string) error {
				mu.Lock()
				defer mu.Unlock()
				m[key] = &entry{token: token, expires: time.Now().Add(storetest.LongLease)}
				return nil
			},
			Complete: func(_ context.Context, key, token string) error {
				mu.Lock()
				defer mu.Unlock()
				e := m[key]
				if e == nil || e.token != token {
					return idempotency.ErrLeaseLost
				}
				e.done, e.rec, e.expires = true, benchRecord, time.Now().Add(storetest.LongLease)
				return nil
			},
		}
	})
}

// BenchmarkMiddleware measures a request through Middleware on the memory
// store, first run and replay, against the bare handler.
func BenchmarkMiddleware(b *testing.B) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(benchRecord.Body)
	})
	run := func(b *testing.B, h http.Handler, key func(i int) string) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			r, _ := http.NewRequest(http.MethodPost, "/charges", nil)
			r.Header.Set(idempotency.KeyHeader, key(i))
			r.Header.Set("Authorization", "Bearer bench-client-token")
			h.ServeHTTP(discardWriter{h: http.Header{}}, r)
		}
	}
	b.Run("bare", func(b *testing.B) { run(b, next, func(int) string { return `"k"` }) })
	newHandler := func(b *testing.B) http.Handler {
		s, err := memstore.New()
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		m, err := idempotency.NewMiddleware(s)
		if err != nil {
			b.Fatal(err)
		}
		return m(next)
	}
	b.Run("first", func(b *testing.B) { run(b, newHandler(b), func(i int) string { return strconv.Itoa(i) }) })
	b.Run("replay", func(b *testing.B) { run(b, newHandler(b), func(int) string { return `"k"` }) })
}

type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d discardWriter) WriteHeader(int)             {}

// BenchmarkRunner measures Runner.Do over the memory store against the
// Claim and Complete it wraps, called on the store directly ("store"): the
// cost of the store timeout, the detached context and panic recovery.
func BenchmarkRunner(b *testing.B) {
	ctx := context.Background()
	s, err := memstore.New()
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	r, err := idempotency.NewRunner(s)
	if err != nil {
		b.Fatal(err)
	}
	work := func(context.Context) (idempotency.Record, error) { return benchRecord, nil }
	b.Run("store", func(b *testing.B) {
		run := storekit.NewToken()[:8] // keys unique to each run of the function
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			key := run + "s" + strconv.Itoa(i)
			c, err := s.Claim(ctx, key, "fp", idempotency.DefaultLease)
			if err != nil {
				b.Fatal(err)
			}
			rec, _ := work(ctx)
			if err := s.Complete(ctx, key, c.Token, rec, idempotency.DefaultTTL); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("runner", func(b *testing.B) {
		run := storekit.NewToken()[:8]
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			res, err := r.Do(ctx, run+"r"+strconv.Itoa(i), "fp", work)
			if err != nil || res.StoreErr != nil {
				b.Fatal(err, res.StoreErr)
			}
		}
	})
}
