package pgstore_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/pgstore"
	"github.com/switchboard-go/switchboard/idempotency/storekit"
	"github.com/switchboard-go/switchboard/idempotency/storetest"
	"github.com/switchboard-go/switchboard/internal/testenv"
)

// isolated returns a pool and a fresh schema name, dropped at cleanup.
func isolated(t *testing.T) (*pgxpool.Pool, string) {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, testenv.PostgresURL(t))
	require.NoError(t, err)
	schema := "idem_test_" + storekit.NewToken()[:12]
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := pool.Exec(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`)
		require.NoError(t, err)
		pool.Close()
	})
	return pool, schema
}

// newStore returns a Store in a fresh schema, on a pool of its own (so
// that a check may close it) and created tables.
func newStore(t *testing.T, opts ...pgstore.Option) *pgstore.Store {
	t.Helper()
	_, schema := isolated(t)
	pool, err := pgxpool.New(context.Background(), testenv.PostgresURL(t))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	s, err := pgstore.New(pool, append([]pgstore.Option{pgstore.WithSchema(schema)}, opts...)...)
	require.NoError(t, err)
	require.NoError(t, s.CreateSchema(context.Background()))
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) idempotency.Store { return newStore(t) },
		InjectError: func(t *testing.T, s idempotency.Store, kind error) bool {
			if kind != idempotency.ErrUnavailable {
				return false
			}
			s.(*pgstore.Store).Pool().Close() // the database goes away under the store
			return true
		},
	})
}

func TestCustomTableName(t *testing.T) {
	s := newStore(t, pgstore.WithTable(`Odd "Name"`))
	require.Contains(t, s.SchemaSQL(), `"Odd ""Name"""`)
	ctx := context.Background()
	c, err := s.Claim(ctx, "k", "fp", time.Minute)
	require.NoError(t, err)
	require.NoError(t, s.Complete(ctx, "k", c.Token, idempotency.Record{Status: 201}, time.Minute))
	c, err = s.Claim(ctx, "k", "fp", time.Minute)
	require.NoError(t, err)
	require.Equal(t, idempotency.Completed, c.State)
	// CreateSchema is idempotent.
	require.NoError(t, s.CreateSchema(ctx))
}

func TestSchemaConstant(t *testing.T) {
	pool, schema := isolated(t)
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	_, err = conn.Exec(ctx, `CREATE SCHEMA "`+schema+`"; SET search_path TO "`+schema+`"`)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, pgstore.Schema)
	require.NoError(t, err)
	var n int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM "`+schema+`".idempotency_keys`).Scan(&n))
	require.Zero(t, n)
}

func TestReap(t *testing.T) {
	s := newStore(t, pgstore.WithReapInterval(0))
	ctx := context.Background()
	short, err := s.Claim(ctx, "short", "fp", 10*time.Millisecond)
	require.NoError(t, err)
	done, err := s.Claim(ctx, "done", "fp", time.Minute)
	require.NoError(t, err)
	require.NoError(t, s.Complete(ctx, "done", done.Token, idempotency.Record{Status: 200}, 10*time.Millisecond))
	_, err = s.Claim(ctx, "long", "fp", time.Hour)
	require.NoError(t, err)
	require.NotEmpty(t, short.Token)

	time.Sleep(50 * time.Millisecond) // a lower bound: both short rows are expired after it
	n, err := s.Reap(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	n, err = s.Reap(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	c, err := s.Claim(ctx, "long", "fp", time.Hour)
	require.NoError(t, err)
	require.Equal(t, idempotency.InProgress, c.State)
}

func TestBackgroundReaper(t *testing.T) {
	s := newStore(t, pgstore.WithReapInterval(20*time.Millisecond))
	ctx := context.Background()
	_, err := s.Claim(ctx, "short", "fp", time.Millisecond)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM `+tableOf(s)).Scan(&n))
		return n == 0
	}, 10*time.Second, 20*time.Millisecond)
}

func tableOf(s *pgstore.Store) string {
	ddl := s.SchemaSQL()
	i := strings.Index(ddl, "TABLE IF NOT EXISTS ")
	rest := ddl[i+len("TABLE IF NOT EXISTS "):]
	return rest[:strings.Index(rest, " (")]
}

func TestOpenErrorsHidePassword(t *testing.T) {
	addr := storetest.ClosedPort(t)
	const plain, escaping = "s3cret-Passw0rd", "p@ss w/rd&?+%"
	tests := []struct {
		name   string
		secret string
		conn   string
	}{
		{"unreachable", plain, "postgres://idem:" + plain + "@" + addr + "/test?sslmode=disable&connect_timeout=2"},
		{"unreachable, escaped password", escaping, "postgres://idem:" + url.PathEscape(escaping) + "@" + addr + "/test?sslmode=disable&connect_timeout=2"},
		{"password parameter", escaping, "postgres://idem@" + addr + "/test?sslmode=disable&connect_timeout=2&password=" + url.QueryEscape(escaping)},
		{"bad option", escaping, "postgres://idem:" + url.PathEscape(escaping) + "@" + addr + "/test?sslmode=bogus"},
		{"bad port", escaping, "postgres://idem:" + url.PathEscape(escaping) + "@127.0.0.1:99999/test"},
		{"keyword/value", plain, "host=127.0.0.1 port=1 user=idem password='" + plain + "' sslmode=bogus"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pgstore.Open(context.Background(), tc.conn)
			storetest.ErrorHidesSecret(t, err, tc.secret)
			// Not even the part of an escaped password after its "@".
			for _, fragment := range []string{"w%2Frd", "w/rd", "ss%20w", "ss w"} {
				require.NotContains(t, err.Error(), fragment)
			}
		})
	}
}

func TestDownDatabaseErrors(t *testing.T) {
	const secret = "s3cret-Passw0rd"
	url := "postgres://idem:" + secret + "@" + storetest.ClosedPort(t) + "/test?sslmode=disable&connect_timeout=2"

	// Open checks the connection, so it fails without leaking the password.
	_, err := pgstore.Open(context.Background(), url)
	storetest.ErrorHidesSecret(t, err, secret)
	_, err = idempotency.Open(context.Background(), url)
	storetest.ErrorHidesSecret(t, err, secret)

	// A store whose pool points at a closed port answers with errors.
	pool, err := pgxpool.New(context.Background(), url)
	require.NoError(t, err)
	defer pool.Close()
	s, err := pgstore.New(pool, pgstore.WithReapInterval(0))
	require.NoError(t, err)
	defer s.Close()
	storetest.ErrorIsNotAcquired(t, s, secret)
}

func TestOpenURL(t *testing.T) {
	base := testenv.PostgresURL(t)
	ctx := context.Background()
	pool, schema := isolated(t)
	_, err := pool.Exec(ctx, `CREATE SCHEMA "`+schema+`"`)
	require.NoError(t, err)
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	// The URL's search_path (a server setting passed on by pgx) puts the
	// default table in the test's schema.
	for _, raw := range []string{base + sep + "search_path=" + schema, strings.Replace(base, "postgres://", "postgresql://", 1) + sep + "search_path=" + schema} {
		s, err := idempotency.Open(ctx, raw)
		require.NoError(t, err)
		c, err := s.Claim(ctx, "url-"+storekit.NewToken(), "fp", time.Minute)
		require.NoError(t, err)
		require.Equal(t, idempotency.Acquired, c.State)
		require.NoError(t, s.Close())
	}
	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM "`+schema+`".idempotency_keys`).Scan(&n))
	require.Equal(t, 2, n)
	require.Contains(t, idempotency.Schemes(), "postgres")
	require.Contains(t, idempotency.Schemes(), "postgresql")

	// schema, table and reap_interval map to options.
	s, err := idempotency.Open(ctx, base+sep+"schema="+schema+"&table=url_keys&reap_interval=0s")
	require.NoError(t, err)
	_, err = s.Claim(ctx, "k", "fp", time.Minute)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM "`+schema+`".url_keys`).Scan(&n))
	require.Equal(t, 1, n, "schema and table map to WithSchema and WithTable")

	// An unknown parameter is an error naming it, whether this package,
	// pgx or the server refuses it.
	for raw, want := range map[string]string{
		base + sep + "tabel=x":           `"tabel"`,
		base + sep + "reap_interval=5":   `"reap_interval" must be a duration`,
		base + sep + "schema=a&schema=b": `"schema" is given 2 times`,
		base + sep + "table=":            "WithTable",
		base + sep + "pool_max_conns=0":  "pool_max_conns",
	} {
		t.Run(raw, func(t *testing.T) {
			s, err := idempotency.Open(ctx, raw)
			require.ErrorIs(t, err, idempotency.ErrInvalidConfig)
			require.ErrorContains(t, err, want)
			require.True(t, s == nil)
		})
	}
}

func TestInvalidOptions(t *testing.T) {
	_, err := pgstore.New(nil)
	require.ErrorIs(t, err, idempotency.ErrInvalidConfig)
	pool, _ := isolated(t)
	for name, opt := range map[string]pgstore.Option{
		"WithTable":        pgstore.WithTable(""),
		"WithSchema":       pgstore.WithSchema(strings.Repeat("s", 64)),
		"WithReapInterval": pgstore.WithReapInterval(-time.Second),
	} {
		_, err = pgstore.New(pool, opt)
		require.ErrorIs(t, err, idempotency.ErrInvalidConfig, name)
		require.ErrorContains(t, err, name)
	}
	_, err = pgstore.Open(context.Background(), "postgres://u:hunter2@[bad")
	require.ErrorIs(t, err, idempotency.ErrInvalidConfig)
	require.NotContains(t, err.Error(), "hunter2")
}

// The store logs nowhere unless given WithLogger: it must not fall back
// to slog.Default.
func TestSilentByDefault(t *testing.T) {
	var def, buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&def, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(old) })
	ctx := context.Background()
	logged := newStore(t, pgstore.WithReapInterval(20*time.Millisecond),
		pgstore.WithLogger(slog.New(slog.NewTextHandler(&syncWriter{w: &buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	silent := newStore(t, pgstore.WithReapInterval(20*time.Millisecond))
	for _, s := range []*pgstore.Store{logged, silent} {
		_, err := s.Claim(ctx, "short", "fp", time.Millisecond)
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, silent.Pool().QueryRow(ctx, `SELECT count(*) FROM `+tableOf(silent)).Scan(&n))
		return n == 0
	}, 10*time.Second, 20*time.Millisecond)
	require.NoError(t, logged.Close())
	require.Contains(t, buf.String(), "idempotency reaped expired keys")
	require.Empty(t, def.String(), "nothing goes to slog.Default")
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// A failed Open returns a nil Store interface, never one holding a nil
// pointer.
func TestOpenFailureReturnsNilStore(t *testing.T) {
	s, err := idempotency.Open(context.Background(), "postgres://idem@"+storetest.ClosedPort(t)+"/test?sslmode=disable&connect_timeout=2")
	require.Error(t, err)
	require.True(t, s == nil, "Open must return a nil interface, got %#v", s)
}
