package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
)

// profileSeq makes every key of every run unique.
var profileSeq atomic.Int64

// BenchmarkMemoryClaimComplete is the memory row of the store group, for
// profiling with go test -cpuprofile.
func BenchmarkMemoryClaimComplete(b *testing.B) {
	ctx := context.Background()
	rows := []struct {
		name string
		run  func(i int) error
	}{}
	mem, err := memstore.New()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = mem.Close() })
	bare, _ := bareMemory(ctx, nil, "")
	rows = append(rows,
		struct {
			name string
			run  func(i int) error
		}{"store", func(i int) error {
			k := fmt.Sprintf("k-%d", i)
			c, err := mem.Claim(ctx, k, benchFP, benchLease)
			if err != nil {
				return err
			}
			return mem.Complete(ctx, k, c.Token, idempotency.Record{Status: http.StatusOK}, benchTTL)
		}},
		struct {
			name string
			run  func(i int) error
		}{"bare", func(i int) error { return bare.claimComplete(ctx, fmt.Sprintf("k-%d", i)) }},
	)
	for _, r := range rows {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := r.run(int(profileSeq.Add(1))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHandlerServeHTTP is the handler row without the network: the
// Handler with the memory store and the bare handler, called directly,
// for profiling with go test -cpuprofile.
func BenchmarkHandlerServeHTTP(b *testing.B) {
	var processed atomic.Int64
	mem, err := memstore.New()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = mem.Close() })
	h, err := switchboardHandler(mem, &processed)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"switchboard", h}, {"bare", bareHandler(benchStripeSecret)}} {
		b.Run(c.name, func(b *testing.B) {
			ds := prepareDeliveries(c.name+fmt.Sprint(profileSeq.Add(1)), b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				req := httptest.NewRequest(http.MethodPost, "http://hooks.example.com/", bytes.NewReader(ds[i].body))
				req.Header = http.Header{"Content-Type": {"application/json"}, "Stripe-Signature": {ds[i].sig}}
				rec := httptest.NewRecorder()
				c.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
