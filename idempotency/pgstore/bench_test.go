package pgstore

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/internal/testenv"
)

var benchRecord = idempotency.Record{
	Status: 200,
	Header: http.Header{"Content-Type": {"application/json"}},
	Body:   []byte(`{"id":"ch_3MmlLrLkdIwHu7ix0snN0B15","object":"charge","amount":1099}`),
}

// BenchmarkClaimComplete measures a Claim and a Complete of a fresh key
// through the Store ("store") and the same two statements issued through
// the bare pgxpool ("driver"), in a schema of its own, with
// synchronous_commit off for the benchmark's connections.
func BenchmarkClaimComplete(b *testing.B) {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(testenv.PostgresURL(b))
	if err != nil {
		b.Fatal(err)
	}
	// Both sub-benchmarks measure the statements, not the disk: without a
	// flush per commit the comparison is not drowned in fsync latency.
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	schema := "idem_bench_" + idempotency.NewToken()[:12]
	s, err := New(pool, WithSchema(schema), WithReapInterval(0))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	defer func() { _, _ = pool.Exec(context.Background(), `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`) }()
	if err := s.CreateSchema(ctx); err != nil {
		b.Fatal(err)
	}
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
			var (
				acquired, completed bool
				got                 string
				fp, h, body         []byte
				status              int32
			)
			if err := pool.QueryRow(ctx, s.claimSQL, key, tok, []byte("fp"), int64(60e6)).
				Scan(&acquired, &got, &fp, &completed, &status, &h, &body); err != nil {
				b.Fatal(err)
			}
			if _, err := pool.Exec(ctx, s.completeSQL, key, tok, int32(200), hdr, benchRecord.Body, int64(60e6)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
