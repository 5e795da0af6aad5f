package sqlitestore_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-go/switchboard/idempotency/sqlitestore"
	"github.com/switchboard-go/switchboard/idempotency/storekit"
	"github.com/switchboard-go/switchboard/idempotency/storetest"
)

// BenchmarkClaimComplete measures a Claim and a Complete of a fresh key
// through the Store ("store") and the same two statements (Statements),
// prepared and issued through database/sql directly ("driver"), on one WAL
// database file.
func BenchmarkClaimComplete(b *testing.B) {
	s, err := sqlitestore.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), sqlitestore.WithReapInterval(0))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchClaimComplete(b, s, "driver", func(b *testing.B) storetest.BareOps {
		rec := storetest.BenchRecord()
		hdr, err := storekit.EncodeHeader(rec.Header)
		if err != nil {
			b.Fatal(err)
		}
		st := s.Statements()
		claim, err := s.DB().PrepareContext(context.Background(), st.Claim)
		if err != nil {
			b.Fatal(err)
		}
		complete, err := s.DB().PrepareContext(context.Background(), st.Complete)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = claim.Close(); _ = complete.Close() })
		return storetest.BareOps{
			Claim: func(ctx context.Context, key, token string) error {
				now := time.Now()
				var got string
				return claim.QueryRowContext(ctx, key, token, "fp", now.UnixNano(), now.Add(storetest.LongLease).UnixNano()).Scan(&got)
			},
			Complete: func(ctx context.Context, key, token string) error {
				now := time.Now()
				_, err := complete.ExecContext(ctx, key, token, rec.Status, hdr, rec.Body, now.UnixNano(), now.Add(storetest.LongLease).UnixNano())
				return err
			},
		}
	})
}
