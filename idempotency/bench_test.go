package idempotency_test

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
)

var benchRecord = idempotency.Record{
	Status: 200,
	Header: http.Header{"Content-Type": {"application/json"}},
	Body:   []byte(`{"id":"ch_3MmlLrLkdIwHu7ix0snN0B15","object":"charge","amount":1099}`),
}

// BenchmarkClaimComplete measures a Claim and a Complete of a fresh key on
// the memory store ("store"), against a bare mutex-guarded map doing the
// same bookkeeping ("baseline").
func BenchmarkClaimComplete(b *testing.B) {
	ctx := context.Background()
	b.Run("store", func(b *testing.B) {
		s := idempotency.NewMemoryStore()
		defer s.Close()
		run := idempotency.NewToken()[:8] + ":"
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			key := "bench:" + run + strconv.Itoa(i)
			c, err := s.Claim(ctx, key, "fp", time.Minute)
			if err != nil || c.State != idempotency.Acquired {
				b.Fatal(c.State, err)
			}
			if err := s.Complete(ctx, key, c.Token, benchRecord, time.Minute); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline", func(b *testing.B) {
		type entry struct {
			token   string
			done    bool
			rec     idempotency.Record
			expires time.Time
		}
		var mu sync.Mutex
		m := map[string]*entry{}
		run := idempotency.NewToken()[:8] + ":"
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			key := "bench:" + run + strconv.Itoa(i)
			mu.Lock()
			e := &entry{token: idempotency.NewToken(), expires: time.Now().Add(time.Minute)}
			m[key] = e
			mu.Unlock()
			mu.Lock()
			e.done, e.rec, e.expires = true, benchRecord, time.Now().Add(time.Minute)
			mu.Unlock()
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
			h.ServeHTTP(discardWriter{h: http.Header{}}, r)
		}
	}
	b.Run("bare", func(b *testing.B) { run(b, next, func(int) string { return `"k"` }) })
	b.Run("first", func(b *testing.B) {
		h := idempotency.Middleware(idempotency.NewMemoryStore(), idempotency.WithLogger(slog.New(slog.DiscardHandler)))(next)
		run(b, h, func(i int) string { return strconv.Itoa(i) })
	})
	b.Run("replay", func(b *testing.B) {
		h := idempotency.Middleware(idempotency.NewMemoryStore(), idempotency.WithLogger(slog.New(slog.DiscardHandler)))(next)
		run(b, h, func(int) string { return `"k"` })
	})
}

type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d discardWriter) WriteHeader(int)             {}
