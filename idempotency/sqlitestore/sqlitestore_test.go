package sqlitestore_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/sqlitestore"
	"github.com/switchboard-go/switchboard/idempotency/storetest"
)

func TestConformanceFile(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) idempotency.Store {
		s, err := sqlitestore.Open(context.Background(), filepath.Join(t.TempDir(), "idem.db"))
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, s.Close()) })
		return s
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
	require.ErrorIs(t, err, sqlitestore.ErrClosed)
}

func TestInvalidOptions(t *testing.T) {
	_, err := sqlitestore.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"), sqlitestore.WithTable(`x"; DROP TABLE y; --`))
	require.Error(t, err)
	_, err = sqlitestore.New(nil)
	require.Error(t, err)
	_, err = sqlitestore.Open(context.Background(), "a?b")
	require.Error(t, err)
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

func TestUnwritableFileErrors(t *testing.T) {
	_, err := sqlitestore.Open(context.Background(), filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"))
	require.Error(t, err)
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

	_, err = idempotency.Open(ctx, "sqlite://")
	require.Error(t, err)
	require.Contains(t, idempotency.Schemes(), "sqlite")
}

// A failed Open returns a nil Store interface, never one holding a nil
// pointer, so a deferred Close on the result cannot be reached by mistake.
func TestOpenFailureReturnsNilStore(t *testing.T) {
	s, err := idempotency.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"))
	require.Error(t, err)
	require.True(t, s == nil, "Open must return a nil interface, got %#v", s)
}
