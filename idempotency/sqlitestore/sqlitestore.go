package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/switchboard-go/switchboard/idempotency"
)

func init() {
	idempotency.Register("sqlite", func(ctx context.Context, u *url.URL) (idempotency.Store, error) {
		path, err := pathFromURL(u)
		if err != nil {
			return nil, err
		}
		s, err := Open(ctx, path)
		if err != nil {
			return nil, err
		}
		return s, nil
	})
}

// DefaultTable is the table name unless WithTable is given.
const DefaultTable = "idempotency_keys"

// DefaultBusyTimeout is how long Open makes a connection wait for a lock
// held by another connection or process before failing.
const DefaultBusyTimeout = 5 * time.Second

// DefaultReapInterval is how often, at most, a Claim deletes expired rows.
const DefaultReapInterval = time.Minute

// reapBatch bounds the rows one opportunistic reap deletes.
const reapBatch = 1000

// ErrClosed is returned by a Store used after Close.
var ErrClosed = errors.New("sqlitestore: store is closed")

// Option configures a Store.
type Option func(*config)

type config struct {
	table       string
	now         func() time.Time
	busyTimeout time.Duration
	reapEvery   time.Duration
}

// WithTable sets the table name (DefaultTable unless set). The name must
// be a plain SQL identifier: letters, digits and underscores.
func WithTable(name string) Option { return func(c *config) { c.table = name } }

// WithClock makes the store read the time from now instead of time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// WithBusyTimeout sets the busy timeout Open configures on its
// connections (DefaultBusyTimeout unless set). New leaves the caller's
// *sql.DB as it is.
func WithBusyTimeout(d time.Duration) Option { return func(c *config) { c.busyTimeout = d } }

// WithReapInterval sets how often, at most, a Claim deletes expired rows;
// zero or negative turns opportunistic reaping off (call Reap yourself).
func WithReapInterval(d time.Duration) Option { return func(c *config) { c.reapEvery = d } }

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// Store is an idempotency.Store on a SQLite database.
type Store struct {
	db    *sql.DB
	owned bool
	cfg   config

	claimSQL, selectSQL, completeSQL, releaseSQL, reapSQL, schemaSQL string

	claimStmt, selectStmt, completeStmt, releaseStmt, reapStmt *sql.Stmt

	mu       sync.Mutex // serialises writes from this Store
	ready    bool       // schema created
	lastReap time.Time
	closed   bool
}

var _ idempotency.Store = (*Store)(nil)

func newConfig(opts []Option) (config, error) {
	cfg := config{table: DefaultTable, now: time.Now, busyTimeout: DefaultBusyTimeout, reapEvery: DefaultReapInterval}
	for _, o := range opts {
		o(&cfg)
	}
	if !identRE.MatchString(cfg.table) {
		return cfg, fmt.Errorf("sqlitestore: invalid table name %q", cfg.table)
	}
	return cfg, nil
}

// Open opens (creating it when absent) the SQLite database at path and
// returns a Store that owns it: Close closes the database. path is a file
// path or ":memory:" for a private in-memory database (one connection,
// gone on Close). It must not contain '?'.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("sqlitestore: invalid database path %q", path)
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", cfg.busyTimeout.Milliseconds()))
	memory := path == ":memory:"
	if !memory {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
	}
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open: %w", err)
	}
	if memory {
		// Each connection to ":memory:" is its own database: keep one.
		db.SetMaxOpenConns(1)
	}
	s := build(db, cfg)
	s.owned = true
	if err := s.init(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// New returns a Store on an open database. The table is created on first
// use. The caller keeps ownership of db (Close does not close it) and
// should open it with a busy timeout and WAL, for example with the DSN
// "file.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)".
func New(db *sql.DB, opts ...Option) (*Store, error) {
	if db == nil {
		return nil, errors.New("sqlitestore: nil *sql.DB")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return build(db, cfg), nil
}

func build(db *sql.DB, cfg config) *Store {
	t := `"` + cfg.table + `"`
	s := &Store{db: db, cfg: cfg, lastReap: cfg.now()}
	s.schemaSQL = `CREATE TABLE IF NOT EXISTS ` + t + ` (
	key         TEXT    NOT NULL PRIMARY KEY,
	token       TEXT    NOT NULL,
	fingerprint TEXT    NOT NULL,
	completed   INTEGER NOT NULL DEFAULT 0,
	status      INTEGER NOT NULL DEFAULT 0,
	header      BLOB,
	body        BLOB,
	expires_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS "` + cfg.table + `_expires_at" ON ` + t + ` (expires_at);`
	// ?1 key, ?2 token, ?3 fingerprint, ?4 now, ?5 lease end (unix ns).
	s.claimSQL = `INSERT INTO ` + t + ` (key, token, fingerprint, completed, status, header, body, expires_at)
VALUES (?1, ?2, ?3, 0, 0, NULL, NULL, ?5)
ON CONFLICT (key) DO UPDATE SET
	token = excluded.token, fingerprint = excluded.fingerprint, completed = 0,
	status = 0, header = NULL, body = NULL, expires_at = excluded.expires_at
WHERE ` + t + `.expires_at <= ?4
RETURNING token`
	s.selectSQL = `SELECT fingerprint, completed, status, header, body FROM ` + t + ` WHERE key = ?1 AND expires_at > ?2`
	s.completeSQL = `UPDATE ` + t + ` SET completed = 1, status = ?3, header = ?4, body = ?5, expires_at = ?7
WHERE key = ?1 AND token = ?2 AND completed = 0 AND expires_at > ?6`
	s.releaseSQL = `DELETE FROM ` + t + ` WHERE key = ?1 AND token = ?2 AND completed = 0 AND expires_at > ?3`
	s.reapSQL = `DELETE FROM ` + t + ` WHERE rowid IN (SELECT rowid FROM ` + t + ` WHERE expires_at <= ?1 LIMIT ?2)`
	return s
}

// init creates the schema once; callers hold s.mu or own s exclusively.
func (s *Store) init(ctx context.Context) error {
	if s.ready {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, s.schemaSQL); err != nil {
		return fmt.Errorf("sqlitestore: create schema: %w", err)
	}
	stmts := []struct {
		dst **sql.Stmt
		sql string
	}{
		{&s.claimStmt, s.claimSQL}, {&s.selectStmt, s.selectSQL}, {&s.completeStmt, s.completeSQL},
		{&s.releaseStmt, s.releaseSQL}, {&s.reapStmt, s.reapSQL},
	}
	for _, st := range stmts {
		p, err := s.db.PrepareContext(ctx, st.sql)
		if err != nil {
			s.closeStmts()
			return fmt.Errorf("sqlitestore: prepare: %w", err)
		}
		*st.dst = p
	}
	s.ready = true
	return nil
}

func (s *Store) closeStmts() {
	for _, st := range []**sql.Stmt{&s.claimStmt, &s.selectStmt, &s.completeStmt, &s.releaseStmt, &s.reapStmt} {
		if *st != nil {
			_ = (*st).Close()
			*st = nil
		}
	}
}

// lock takes the write lock and makes sure the store is usable.
func (s *Store) lock(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if err := s.init(ctx); err != nil {
		s.mu.Unlock()
		return err
	}
	return nil
}

// Claim implements idempotency.Store.
func (s *Store) Claim(ctx context.Context, key, fingerprint string, lease time.Duration) (idempotency.Claim, error) {
	if err := idempotency.ValidateKey(key); err != nil {
		return idempotency.Claim{}, err
	}
	if err := idempotency.ValidateDuration("lease", lease); err != nil {
		return idempotency.Claim{}, err
	}
	if err := s.lock(ctx); err != nil {
		return idempotency.Claim{}, err
	}
	defer s.mu.Unlock()

	now := s.cfg.now()
	if s.cfg.reapEvery > 0 && now.Sub(s.lastReap) >= s.cfg.reapEvery {
		s.lastReap = now
		if _, err := s.reapOnce(ctx, now, reapBatch); err != nil {
			return idempotency.Claim{}, err
		}
	}
	token := idempotency.NewToken()
	// Another process may change the row between the upsert and the
	// select; the loop then runs again. Within this process s.mu rules it out.
	for attempt := 0; attempt < 5; attempt++ {
		var got string
		err := s.claimStmt.QueryRowContext(ctx, key, token, fingerprint, now.UnixNano(), now.Add(lease).UnixNano()).Scan(&got)
		switch {
		case err == nil:
			if got != token {
				return idempotency.Claim{}, errors.New("sqlitestore: claim returned a foreign token")
			}
			return idempotency.Claim{State: idempotency.Acquired, Token: token}, nil
		case !errors.Is(err, sql.ErrNoRows):
			return idempotency.Claim{}, fmt.Errorf("sqlitestore: claim: %w", err)
		}
		var (
			fp        string
			completed bool
			status    int
			hdr, body []byte
		)
		err = s.selectStmt.QueryRowContext(ctx, key, now.UnixNano()).Scan(&fp, &completed, &status, &hdr, &body)
		if errors.Is(err, sql.ErrNoRows) {
			now = s.cfg.now()
			continue
		}
		if err != nil {
			return idempotency.Claim{}, fmt.Errorf("sqlitestore: claim: %w", err)
		}
		if !completed {
			return idempotency.Claim{State: idempotency.InProgress, Fingerprint: fp}, nil
		}
		rec := idempotency.Record{Status: status, Body: body, Fingerprint: fp, Header: http.Header{}}
		if rec.Body == nil {
			rec.Body = []byte{}
		}
		if len(hdr) > 0 {
			if err := json.Unmarshal(hdr, &rec.Header); err != nil {
				return idempotency.Claim{}, fmt.Errorf("sqlitestore: decode stored header: %w", err)
			}
		}
		return idempotency.Claim{State: idempotency.Completed, Record: &rec, Fingerprint: fp}, nil
	}
	return idempotency.Claim{}, errors.New("sqlitestore: claim: key kept changing under concurrent writers")
}

// Complete implements idempotency.Store.
func (s *Store) Complete(ctx context.Context, key, token string, rec idempotency.Record, ttl time.Duration) error {
	if err := idempotency.ValidateKey(key); err != nil {
		return err
	}
	if err := idempotency.ValidateDuration("ttl", ttl); err != nil {
		return err
	}
	hdr, err := json.Marshal(rec.Header)
	if err != nil {
		return fmt.Errorf("sqlitestore: encode header: %w", err)
	}
	body := rec.Body
	if body == nil {
		body = []byte{}
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	now := s.cfg.now()
	res, err := s.completeStmt.ExecContext(ctx, key, token, rec.Status, hdr, body, now.UnixNano(), now.Add(ttl).UnixNano())
	return affected(res, err, "complete")
}

// Release implements idempotency.Store.
func (s *Store) Release(ctx context.Context, key, token string) error {
	if err := idempotency.ValidateKey(key); err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	res, err := s.releaseStmt.ExecContext(ctx, key, token, s.cfg.now().UnixNano())
	return affected(res, err, "release")
}

func affected(res sql.Result, err error, op string) error {
	if err != nil {
		return fmt.Errorf("sqlitestore: %s: %w", op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlitestore: %s: %w", op, err)
	}
	if n == 0 {
		return idempotency.ErrLeaseLost
	}
	return nil
}

// Reap deletes every expired row and returns how many it deleted.
func (s *Store) Reap(ctx context.Context) (int64, error) {
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	return s.reapOnce(ctx, s.cfg.now(), -1)
}

func (s *Store) reapOnce(ctx context.Context, now time.Time, limit int) (int64, error) {
	res, err := s.reapStmt.ExecContext(ctx, now.UnixNano(), limit)
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: reap: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: reap: %w", err)
	}
	return n, nil
}

// DB returns the underlying database.
func (s *Store) DB() *sql.DB { return s.db }

// Close marks the store closed and, when Open created the database,
// closes it.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.closeStmts()
	if s.owned {
		return s.db.Close()
	}
	return nil
}

// pathFromURL maps "sqlite:///abs/file.db", "sqlite://rel/file.db" and
// "sqlite://:memory:" to a database path.
func pathFromURL(u *url.URL) (string, error) {
	if u.Opaque != "" {
		return u.Opaque, nil
	}
	p := u.Host + u.Path
	if p == "" {
		return "", errors.New("sqlitestore: URL names no database file (want sqlite:///path/to/file.db)")
	}
	return p, nil
}
