package storetest

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/storekit"
)

// BenchRecord returns the record BenchClaimComplete completes keys with: a
// small JSON response, the size of a typical payment API answer. Each call
// returns a fresh copy, so a benchmark may encode it as it likes.
func BenchRecord() idempotency.Record {
	return idempotency.Record{
		Status: http.StatusOK,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   []byte(`{"id":"ch_3MmlLrLkdIwHu7ix0snN0B15","object":"charge","amount":1099}`),
	}
}

// BareOps is the baseline BenchClaimComplete measures a Store against: the
// same two operations done without the Store, typically the statements or
// scripts the Store issues, sent through the bare driver.
type BareOps struct {
	// Claim claims the fresh key for token, for a lease of LongLease.
	Claim func(ctx context.Context, key, token string) error
	// Complete completes key, held by token, with BenchRecord for a TTL of
	// LongLease.
	Complete func(ctx context.Context, key, token string) error
}

// BenchClaimComplete runs two sub-benchmarks side by side, both with
// b.ReportAllocs: "store" claims a fresh key on s and completes it with
// BenchRecord, and the sub-benchmark called baseline does the same through
// the BareOps that bare returns. bare is called once, inside the baseline
// sub-benchmark, so its setup (loading scripts, encoding the record) runs
// there and is not timed. Every iteration uses a key of its own, starting
// with the sub-benchmark's name and a random run prefix; BareOps that
// bypass a key prefix of the store add it themselves.
//
// A backend's benchmark is then
//
//	func BenchmarkClaimComplete(b *testing.B) {
//		s := newBenchStore(b)
//		storetest.BenchClaimComplete(b, s, "driver", func(b *testing.B) storetest.BareOps {
//			return storetest.BareOps{Claim: ..., Complete: ...}
//		})
//	}
func BenchClaimComplete(b *testing.B, s idempotency.Store, baseline string, bare func(b *testing.B) BareOps) {
	b.Helper()
	ctx := context.Background()
	b.Run("store", func(b *testing.B) {
		rec := BenchRecord()
		run := "store:" + storekit.NewToken()[:8] + ":"
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			key := run + strconv.Itoa(i)
			c, err := s.Claim(ctx, key, "fp", LongLease)
			if err != nil || c.State != idempotency.Acquired {
				b.Fatal(c.State, err)
			}
			if err := s.Complete(ctx, key, c.Token, rec, LongLease); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(baseline, func(b *testing.B) {
		ops := bare(b)
		run := baseline + ":" + storekit.NewToken()[:8] + ":"
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			key := run + strconv.Itoa(i)
			tok := storekit.NewToken()
			if err := ops.Claim(ctx, key, tok); err != nil {
				b.Fatal("claim: ", err)
			}
			if err := ops.Complete(ctx, key, tok); err != nil {
				b.Fatal("complete: ", err)
			}
		}
	})
}
