package sqlitestore

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-go/switchboard/idempotency/storetest"
)

// BenchmarkClaimComplete measures a Claim and a Complete of a fresh key
// through the Store ("store") and the same two prepared statements issued
// through database/sql directly ("driver"), on one WAL database file.
func BenchmarkClaimComplete(b *testing.B) {
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), WithReapInterval(0))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchClaimComplete(b, s, "driver", func(b *testing.B) storetest.BareOps {
		rec := storetest.BenchRecord()
		hdr, err := json.Marshal(rec.Header)
		if err != nil {
			b.Fatal(err)
		}
		return storetest.BareOps{
			Claim: func(ctx context.Context, key, token string) error {
				now := time.Now()
				var got string
				return s.claimStmt.QueryRowContext(ctx, key, token, "fp", now.UnixNano(), now.Add(storetest.LongLease).UnixNano()).Scan(&got)
			},
			Complete: func(ctx context.Context, key, token string) error {
				now := time.Now()
				_, err := s.completeStmt.ExecContext(ctx, key, token, rec.Status, hdr, rec.Body, now.UnixNano(), now.Add(storetest.LongLease).UnixNano())
				return err
			},
		}
	})
}
