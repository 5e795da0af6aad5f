package sqlitestore_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/sqlitestore"
	"github.com/switchboard-go/switchboard/idempotency/storetest"
)

func openFile(t *testing.T, opts ...sqlitestore.Option) *sqlitestore.Store {
	t.Helper()
	s, err := sqlitestore.Open(context.Background(), filepath.Join(t.TempDir(), "idem.db"), opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) idempotency.Store { return openFile(t) },
		NewWithClock: func(t *testing.T, now func() time.Time) idempotency.Store {
			return openFile(t, sqlitestore.WithClock(now))
		},
		InjectError: func(t *testing.T, s idempotency.Store, kind error) bool {
			if kind != idempotency.ErrUnavailable {
				return false
			}
			// The database goes away under the store.
			require.NoError(t, s.(*sqlitestore.Store).DB().Close())
			return true
		},
	})
}

func TestMemoryDatabase(t *testing.T) {
	ctx := context.Background()
	s, err := sqlitestore.Open(ctx, ":memory:")
	require.NoError(t, err)
	defer s.Close()
	// Every pooled connection would see its own empty database; Open keeps
	// one connection, so all calls share the data.
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		acquired int
	)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := s.Claim(ctx, "k", "fp", time.Minute)
			if err == nil && c.State == idempotency.Acquired {
				mu.Lock()
				acquired++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Equal(t, 1, acquired)
}

func TestTwoStoresOneFile(t *testing.T) {
	t.Parallel()
	// Two stores with their own pools on one file behave like two
	// processes sharing it: SQLite's locking arbitrates between them.
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	a, err := sqlitestore.Open(ctx, path)
	require.NoError(t, err)
	defer a.Close()
	b, err := sqlitestore.Open(ctx, path)
	require.NoError(t, err)
	defer b.Close()
	stores := []*sqlitestore.Store{a, b}

	const keys, workers = 200, 4
	var (
		mu   sync.Mutex
		runs = map[string]int{}
		wg   sync.WaitGroup
		errs = make(chan error, workers)
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			s := stores[w%2]
			for j := 0; j < keys; j++ {
				key := fmt.Sprintf("k%03d", (j+w*keys/workers)%keys)
				c, err := s.Claim(ctx, key, "fp", time.Minute)
				if err != nil {
					errs <- err
					return
				}
				if c.State != idempotency.Acquired {
					continue
				}
				mu.Lock()
				runs[key]++
				mu.Unlock()
				if err := s.Complete(ctx, key, c.Token, idempotency.Record{Status: 200}, time.Minute); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Len(t, runs, keys)
	for k, n := range runs {
		require.Equal(t, 1, n, k)
	}
}

func TestNewWithCallerDB(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "x.db")+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	require.NoError(t, err)
	defer db.Close()
	s, err := sqlitestore.New(db, sqlitestore.WithTable("my_keys"))
	require.NoError(t, err)
	ctx := context.Background()
	c, err := s.Claim(ctx, "k", "fp", time.Minute)
	require.NoError(t, err)
	require.Equal(t, idempotency.Acquired, c.State)
	require.NoError(t, s.Close())
	// Close leaves the caller's database open.
	var n int
	require.NoError(t, db.QueryRowContext(ctx, `SELECT count(*) FROM my_keys`).Scan(&n))
	require.Equal(t, 1, n)
	_, err = s.Claim(ctx, "k2", "fp", time.Minute)
	require.ErrorIs(t, err, idempotency.ErrClosed)
}

func TestInvalidOptions(t *testing.T) {
	dir := t.TempDir()
	tests := map[string]struct {
		path string
		opt  sqlitestore.Option
		want string
	}{
		"injected table name": {filepath.Join(dir, "x.db"), sqlitestore.WithTable(`x"; DROP TABLE y; --`), "WithTable"},
		"empty table name":    {filepath.Join(dir, "x.db"), sqlitestore.WithTable(""), "WithTable"},
		"nil clock":           {filepath.Join(dir, "x.db"), sqlitestore.WithClock(nil), "WithClock"},
		"negative busy":       {filepath.Join(dir, "x.db"), sqlitestore.WithBusyTimeout(-time.Second), "WithBusyTimeout"},
		"negative reap":       {filepath.Join(dir, "x.db"), sqlitestore.WithReapInterval(-time.Second), "WithReapInterval"},
		"query in path":       {"a?b", nil, "invalid database path"},
		"empty path":          {"", nil, "invalid database path"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := sqlitestore.Open(context.Background(), tc.path, tc.opt)
			require.ErrorIs(t, err, idempotency.ErrInvalidConfig)
			require.ErrorContains(t, err, tc.want)
			require.Nil(t, s)
		})
	}
	_, err := sqlitestore.New(nil)
	require.ErrorIs(t, err, idempotency.ErrInvalidConfig)

	// An option that does not apply to New is an error, not ignored.
	db, err := sql.Open("sqlite", filepath.Join(dir, "y.db"))
	require.NoError(t, err)
	defer db.Close()
	_, err = sqlitestore.New(db, sqlitestore.WithBusyTimeout(time.Second))
	require.ErrorIs(t, err, idempotency.ErrInvalidConfig)
	require.ErrorContains(t, err, "applies to Open only")
}

func TestReap(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }

	s, err := sqlitestore.Open(ctx, filepath.Join(t.TempDir(), "reap.db"), sqlitestore.WithClock(clock), sqlitestore.WithReapInterval(time.Hour))
	require.NoError(t, err)
	defer s.Close()
	count := func() int {
		var n int
		require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM idempotency_keys`).Scan(&n))
		return n
	}
	for _, k := range []string{"a", "b", "c"} {
		c, err := s.Claim(ctx, k, "fp", time.Second)
		require.NoError(t, err)
		if k == "a" {
			require.NoError(t, s.Complete(ctx, k, c.Token, idempotency.Record{Status: 200}, time.Minute))
		}
	}
	_, err = s.Claim(ctx, "long", "fp", 2*time.Hour)
	require.NoError(t, err)
	require.Equal(t, 4, count())

	advance(2 * time.Second) // b and c leases expired
	n, err := s.Reap(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	require.Equal(t, 2, count())

	// The opportunistic reap inside Claim runs once the interval passed.
	advance(time.Hour)
	_, err = s.Claim(ctx, "new", "fp", 2*time.Hour)
	require.NoError(t, err)
	require.Equal(t, 2, count(), "a (TTL) was reaped, long and new remain")
}

func TestClosedDatabaseErrors(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "closed.db"))
	require.NoError(t, err)
	s, err := sqlitestore.New(db)
	require.NoError(t, err)
	require.NoError(t, db.Close())
	storetest.ErrorIsNotAcquired(t, s)
}

// A database in a directory that does not exist is a configuration error
// naming the directory, whether given to Open or in a URL.
func TestMissingDirectoryIsNamed(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no", "such", "dir")
	_, err := sqlitestore.Open(context.Background(), filepath.Join(missing, "x.db"))
	require.ErrorIs(t, err, idempotency.ErrInvalidConfig)
	require.ErrorContains(t, err, "the directory "+missing+" of database "+filepath.Join(missing, "x.db")+" does not exist")

	_, err = idempotency.Open(context.Background(), "sqlite://"+filepath.Join(missing, "x.db"))
	require.ErrorIs(t, err, idempotency.ErrInvalidConfig)
	require.ErrorContains(t, err, missing)
}

func TestOpenURL(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	abs := filepath.Join(dir, "url.db")
	for _, raw := range []string{"sqlite://" + abs, "sqlite://:memory:", "SQLITE://:memory:"} {
		s, err := idempotency.Open(ctx, raw)
		require.NoError(t, err, raw)
		c, err := s.Claim(ctx, "k", "fp", time.Minute)
		require.NoError(t, err)
		require.Equal(t, idempotency.Acquired, c.State)
		require.NoError(t, s.Close())
	}
	t.Chdir(dir)
	s, err := idempotency.Open(ctx, "sqlite://rel.db")
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.FileExists(t, filepath.Join(dir, "rel.db"))
	require.Contains(t, idempotency.Schemes(), "sqlite")

	// Query parameters map to options.
	s, err = idempotency.Open(ctx, "sqlite://"+abs+"?table=url_keys&busy_timeout=2s&reap_interval=0s")
	require.NoError(t, err)
	c, err := s.Claim(ctx, "k", "fp", time.Minute)
	require.NoError(t, err)
	var n int
	require.NoError(t, s.(*sqlitestore.Store).DB().QueryRowContext(ctx, `SELECT count(*) FROM url_keys`).Scan(&n))
	require.Equal(t, 1, n, "table maps to WithTable")
	require.NoError(t, s.Complete(ctx, "k", c.Token, idempotency.Record{Status: 200}, time.Minute))
	require.NoError(t, s.Close())

	bad := map[string]string{
		"sqlite://":                           "names no database file",
		"sqlite://" + abs + "?tabel=x":        `unknown URL parameter "tabel" (known: table, busy_timeout, reap_interval)`,
		"sqlite://" + abs + "?busy_timeout=5": `"busy_timeout" must be a duration`,
		"sqlite://" + abs + "?table=a-b":      "WithTable",
		"sqlite://u:hunter2@" + abs:           "takes no user or password",
	}
	for raw, want := range bad {
		t.Run(raw, func(t *testing.T) {
			s, err := idempotency.Open(ctx, raw)
			require.ErrorIs(t, err, idempotency.ErrInvalidConfig)
			require.ErrorContains(t, err, want)
			require.NotContains(t, err.Error(), "hunter2")
			require.True(t, s == nil)
		})
	}
}

// The store logs nowhere by default, and reap trouble through WithLogger.
func TestLogging(t *testing.T) {
	ctx := context.Background()
	var buf, def bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&def, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(old) })

	clock, advance := manualClock()
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	stores := []*sqlitestore.Store{
		openFile(t, sqlitestore.WithClock(clock), sqlitestore.WithReapInterval(time.Minute)),
		openFile(t, sqlitestore.WithClock(clock), sqlitestore.WithReapInterval(time.Minute), sqlitestore.WithLogger(logger)),
	}
	for _, s := range stores {
		_, err := s.Claim(ctx, "short", "fp", time.Second)
		require.NoError(t, err)
	}
	advance(2 * time.Minute)
	for _, s := range stores {
		_, err := s.Claim(ctx, "next", "fp", time.Second) // reaps "short" first
		require.NoError(t, err)
	}
	require.Contains(t, buf.String(), "idempotency reaped expired keys")
	require.Contains(t, buf.String(), "deleted=1")
	require.Empty(t, def.String(), "nothing goes to slog.Default")
}

func manualClock() (func() time.Time, func(time.Duration)) {
	var mu sync.Mutex
	now := time.Unix(1_700_000_000, 0)
	return func() time.Time { mu.Lock(); defer mu.Unlock(); return now },
		func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
}

// A failed Open returns a nil Store interface, never one holding a nil
// pointer, so a deferred Close on the result cannot be reached by mistake.
func TestOpenFailureReturnsNilStore(t *testing.T) {
	s, err := idempotency.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"))
	require.Error(t, err)
	require.True(t, s == nil, "Open must return a nil interface, got %#v", s)
}
