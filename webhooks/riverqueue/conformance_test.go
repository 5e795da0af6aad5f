package riverqueue_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
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
	proxies := map[webhooks.Queue]*cutProxy{}
	var mu = make(chan struct{}, 1)
	lock := func() func() { mu <- struct{}{}; return func() { <-mu } }
	queuetest.Run(t, queuetest.Harness{
		New: func(t *testing.T, o queuetest.Options) webhooks.Queue {
			schema := pgSchema(t, url)
			p := newCutProxy(t, url)
			q, err := riverqueue.Open(context.Background(), p.url, options(o, riverqueue.WithSchema(schema), riverqueue.WithMigrate())...)
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
		InjectError: func(t *testing.T, q webhooks.Queue, kind error) func() {
			unlock := lock()
			p := proxies[q]
			unlock()
			p.cut(true)
			return func() { p.cut(false) }
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

// cutProxy forwards TCP connections to PostgreSQL until cut, when it
// closes every connection and refuses new ones: the database unreachable.
type cutProxy struct {
	url    string
	target string
	ln     net.Listener
	down   atomic.Bool
	conns  chan net.Conn
}

func newCutProxy(t *testing.T, pgURL string) *cutProxy {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(pgURL)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &cutProxy{target: fmt.Sprintf("%s:%d", cfg.ConnConfig.Host, cfg.ConnConfig.Port), ln: ln, conns: make(chan net.Conn, 1024)}
	p.url = strings.Replace(pgURL, fmt.Sprintf("%s:%d", cfg.ConnConfig.Host, cfg.ConnConfig.Port), ln.Addr().String(), 1)
	if !strings.Contains(p.url, ln.Addr().String()) {
		t.Skip("the PostgreSQL URL does not name host:port")
	}
	t.Cleanup(func() { _ = ln.Close(); p.cut(true) })
	go p.serve()
	return p
}

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.down.Load() {
			_ = c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		select {
		case p.conns <- c:
		default:
		}
		select {
		case p.conns <- s:
		default:
		}
		go pipe(c, s)
		go pipe(s, c)
	}
}

func pipe(a, b net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := a.Read(buf)
		if n > 0 {
			if _, werr := b.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	_ = a.Close()
	_ = b.Close()
}

func (p *cutProxy) cut(down bool) {
	p.down.Store(down)
	if !down {
		return
	}
	for {
		select {
		case c := <-p.conns:
			_ = c.Close()
		default:
			return
		}
	}
}
