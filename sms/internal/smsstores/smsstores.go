// Package smsstores lists the idempotency store backends the at-most-once
// checks of package smstest run against in this module's tests: memory,
// SQLite (a file per test), PostgreSQL and Redis (through
// internal/testenv, which skips, or fails under
// SWITCHBOARD_REQUIRE_SERVICES=1, when their variables are unset).
package smsstores

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
	"github.com/switchboard-go/switchboard/sms/smstest"
)

// All returns the four backends. The suite's keys are random, so runs
// sharing a database or a Redis never see each other's keys.
func All() []smstest.Store {
	return []smstest.Store{
		smstest.MemoryStore(),
		{Name: "sqlite", Open: func(t *testing.T) idempotency.Store {
			s, err := sqlitestore.Open(context.Background(), filepath.Join(t.TempDir(), "idem.db"))
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		}},
		{Name: "postgres", Open: func(t *testing.T) idempotency.Store {
			s, err := pgstore.Open(context.Background(), testenv.PostgresURL(t), pgstore.WithTable("sms_conformance"))
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		}},
		{Name: "redis", Open: func(t *testing.T) idempotency.Store {
			s, err := redisstore.Open(context.Background(), testenv.RedisURL(t), redisstore.WithPrefix("sms-conformance:"))
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		}},
	}
}
