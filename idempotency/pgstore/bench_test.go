package pgstore_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/switchboard-go/switchboard/idempotency/pgstore"
	"github.com/switchboard-go/switchboard/idempotency/storekit"
	"github.com/switchboard-go/switchboard/idempotency/storetest"
	"github.com/switchboard-go/switchboard/internal/testenv"
)

// BenchmarkClaimComplete measures a Claim and a Complete of a fresh key
// through the Store ("store") and the same two statements issued through
// the bare pgxpool ("driver", the Store's Statements), in a schema of its own, with
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
	schema := "idem_bench_" + storekit.NewToken()[:12]
	s, err := pgstore.New(pool, pgstore.WithSchema(schema), pgstore.WithReapInterval(0))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	defer func() { _, _ = pool.Exec(context.Background(), `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`) }()
	if err := s.CreateSchema(ctx); err != nil {
		b.Fatal(err)
	}
	storetest.BenchClaimComplete(b, s, "driver", func(b *testing.B) storetest.BareOps {
		rec := storetest.BenchRecord()
		hdr, err := storekit.EncodeHeader(rec.Header)
		if err != nil {
			b.Fatal(err)
		}
		ttl := storetest.LongLease.Microseconds()
		st := s.Statements()
		return storetest.BareOps{
			Claim: func(ctx context.Context, key, token string) error {
				var (
					acquired, completed bool
					got                 string
					fp, h, body         []byte
					status              int32
				)
				return pool.QueryRow(ctx, st.Claim, key, token, []byte("fp"), ttl).
					Scan(&acquired, &got, &fp, &completed, &status, &h, &body)
			},
			Complete: func(ctx context.Context, key, token string) error {
				_, err := pool.Exec(ctx, st.Complete, key, token, int32(rec.Status), hdr, rec.Body, ttl)
				return err
			},
		}
	})
}
