package webhooks

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/pgstore"
	"github.com/switchboard-go/switchboard/idempotency/redisstore"
	"github.com/switchboard-go/switchboard/idempotency/sqlitestore"
	"github.com/switchboard-go/switchboard/internal/testenv"
)

// The other backends join the handler tests' store list. The tests that
// use the list put the time in their event IDs, so runs sharing a database
// never see each other's keys.
func init() {
	storeFactories = append(storeFactories,
		struct {
			name string
			open func(t *testing.T) idempotency.Store
		}{"sqlite", func(t *testing.T) idempotency.Store {
			s, err := sqlitestore.Open(context.Background(), filepath.Join(t.TempDir(), "idem.db"))
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		}},
		struct {
			name string
			open func(t *testing.T) idempotency.Store
		}{"postgres", func(t *testing.T) idempotency.Store {
			url := testenv.PostgresURL(t)
			table := "webhooks_handler_test"
			s, err := pgstore.Open(context.Background(), url, pgstore.WithTable(table))
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		}},
		struct {
			name string
			open func(t *testing.T) idempotency.Store
		}{"redis", func(t *testing.T) idempotency.Store {
			url := testenv.RedisURL(t)
			s, err := redisstore.Open(context.Background(), url, redisstore.WithPrefix("webhooks-handler-test:"))
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		}},
	)
}
