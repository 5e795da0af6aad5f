package riverqueue_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	neturl "net/url"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/internal/testenv"
	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/queuetest"
	"github.com/switchboard-go/switchboard/webhooks/riverqueue"
)

func options(o queuetest.Options, extra ...riverqueue.Option) []riverqueue.Option {
	return append([]riverqueue.Option{
		riverqueue.WithMaxAttempts(o.MaxAttempts),
		riverqueue.WithBackoff(func(int) time.Duration { return o.Backoff }),
		riverqueue.WithShutdownTimeout(o.ShutdownTimeout),
		riverqueue.WithPollInterval(20 * time.Millisecond),
	}, extra...)
}

var schemaSeq atomic.Int64

// pgSchema returns a schema of the test's own, dropped at its end.
func pgSchema(t *testing.T, url string) string {
	t.Helper()
	schema := fmt.Sprintf("rq_%d_%d", time.Now().UnixNano()%1e9, schemaSeq.Add(1))
	pool, err := pgxpool.New(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	_, err = pool.Exec(context.Background(), `CREATE SCHEMA "`+schema+`"`)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = pool.Exec(context.Background(), `DROP SCHEMA "`+schema+`" CASCADE`) })
	return schema
}

func TestConformancePostgres(t *testing.T) {
	url := testenv.PostgresURL(t)
	schemas := map[webhooks.Queue]string{}
	proxies := map[webhooks.Queue]*testenv.Proxy{}
	var mu = make(chan struct{}, 1)
	lock := func() func() { mu <- struct{}{}; return func() { <-mu } }
	queuetest.Run(t, queuetest.Harness{
		New: func(t *testing.T, o queuetest.Options) webhooks.Queue {
			schema := pgSchema(t, url)
			p, purl := pgProxy(t, url)
			q, err := riverqueue.Open(context.Background(), purl, options(o, riverqueue.WithSchema(schema), riverqueue.WithMigrate())...)
			require.NoError(t, err)
			defer lock()()
			schemas[q], proxies[q] = schema, p
			return q
		},
		Replica: func(t *testing.T, q webhooks.Queue, o queuetest.Options) webhooks.Queue {
			unlock := lock()
			schema := schemas[q]
			unlock()
			q2, err := riverqueue.Open(context.Background(), url, options(o, riverqueue.WithSchema(schema))...)
			require.NoError(t, err)
			return q2
		},
		InjectError: func(t *testing.T, q webhooks.Queue, kind error) bool {
			unlock := lock()
			p := proxies[q]
			unlock()
			if kind == nil {
				p.Restore()
				return true
			}
			if !errors.Is(kind, webhooks.ErrQueueUnavailable) {
				return false
			}
			p.Cut()
			t.Cleanup(p.Restore)
			return true
		},
	})
}

func TestConformanceSQLite(t *testing.T) {
	queuetest.Run(t, queuetest.Harness{
		New: func(t *testing.T, o queuetest.Options) webhooks.Queue {
			path := filepath.Join(t.TempDir(), "queue.db")
			q, err := riverqueue.Open(context.Background(), "sqlite://"+path, options(o, riverqueue.WithMigrate())...)
			require.NoError(t, err)
			return q
		},
	})
}

func TestMigrationsNeverRunUnasked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "queue.db")
	_, err := riverqueue.Open(context.Background(), "sqlite://"+path)
	require.ErrorIs(t, err, riverqueue.ErrMigrationsPending)
	q, err := riverqueue.Open(context.Background(), "sqlite://"+path, riverqueue.WithMigrate())
	require.NoError(t, err)
	require.NoError(t, q.Close())
	q, err = riverqueue.Open(context.Background(), "sqlite://"+path)
	require.NoError(t, err, "once migrated, the queue opens")
	require.NoError(t, q.Close())
}

func TestOptionsRejectBadValues(t *testing.T) {
	path := "sqlite://" + filepath.Join(t.TempDir(), "queue.db")
	for name, o := range map[string]riverqueue.Option{
		"WithQueueName":       riverqueue.WithQueueName("Bad Name"),
		"WithWorkers":         riverqueue.WithWorkers(0),
		"WithMaxAttempts":     riverqueue.WithMaxAttempts(0),
		"WithBackoff":         riverqueue.WithBackoff(nil),
		"WithJobTimeout":      riverqueue.WithJobTimeout(0),
		"WithRescueAfter":     riverqueue.WithRescueAfter(-time.Second),
		"WithShutdownTimeout": riverqueue.WithShutdownTimeout(0),
		"WithRetention":       riverqueue.WithRetention(0),
		"WithFailedRetention": riverqueue.WithFailedRetention(0),
		"WithSchema":          riverqueue.WithSchema("x; drop"),
		"WithLogger":          riverqueue.WithLogger(nil),
		"WithPollInterval":    riverqueue.WithPollInterval(0),
	} {
		_, err := riverqueue.Open(context.Background(), path, o)
		require.ErrorIs(t, err, webhooks.ErrInvalidConfig, name)
		require.ErrorContains(t, err, name)
	}
	_, err := riverqueue.Open(context.Background(), path, riverqueue.WithSchema("s"))
	require.ErrorIs(t, err, webhooks.ErrInvalidConfig, "a schema does not apply to SQLite")
	_, err = riverqueue.Open(context.Background(), path, riverqueue.WithJobTimeout(2*time.Hour))
	require.ErrorIs(t, err, webhooks.ErrInvalidConfig, "the rescue delay must exceed the job timeout")
	_, err = riverqueue.Open(context.Background(), "postgres://user:hunter2@127.0.0.1:1/db?sslmode=disable&connect_timeout=1")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "hunter2", "errors never quote the password")
}

// pgProxy returns a proxy in front of the PostgreSQL server of pgURL and
// the URL that goes through it.
func pgProxy(t *testing.T, pgURL string) (*testenv.Proxy, string) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(pgURL)
	require.NoError(t, err)
	target := net.JoinHostPort(cfg.ConnConfig.Host, fmt.Sprint(cfg.ConnConfig.Port))
	u, err := neturl.Parse(pgURL)
	require.NoError(t, err)
	p := testenv.NewProxy(t, target)
	u.Host = p.Addr()
	return p, u.String()
}
