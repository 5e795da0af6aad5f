package sqlitestore

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
)

var benchRecord = idempotency.Record{
	Status: 200,
	Header: http.Header{"Content-Type": {"application/json"}},
	Body:   []byte(`{"id":"ch_3MmlLrLkdIwHu7ix0snN0B15","object":"charge","amount":1099}`),
}

// BenchmarkClaimComplete measures a Claim and a Complete of a fresh key
// through the Store ("store") and the same two prepared statements issued
// through database/sql directly ("driver"), on one WAL database file.
func BenchmarkClaimComplete(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"), WithReapInterval(0))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.Run("store", func(b *testing.B) {
		run := idempotency.NewToken()[:8] + ":"
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			key := "store:" + run + strconv.Itoa(i)
			c, err := s.Claim(ctx, key, "fp", time.Minute)
			if err != nil || c.State != idempotency.Acquired {
				b.Fatal(c.State, err)
			}
			if err := s.Complete(ctx, key, c.Token, benchRecord, time.Minute); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("driver", func(b *testing.B) {
		hdr, _ := json.Marshal(benchRecord.Header)
		run := idempotency.NewToken()[:8] + ":"
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			key := "driver:" + run + strconv.Itoa(i)
			tok := idempotency.NewToken()
			now := time.Now()
			var got string
			if err := s.claimStmt.QueryRowContext(ctx, key, tok, "fp", now.UnixNano(), now.Add(time.Minute).UnixNano()).Scan(&got); err != nil {
				b.Fatal(err)
			}
			if _, err := s.completeStmt.ExecContext(ctx, key, tok, 200, hdr, benchRecord.Body, now.UnixNano(), now.Add(time.Minute).UnixNano()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
