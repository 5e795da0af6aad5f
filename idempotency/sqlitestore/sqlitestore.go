package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/storekit"
)

// Name is the backend's name, which starts its errors.
const Name = "sqlitestore"

func init() {
	storekit.Register("sqlite", openURL)
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

// Option configures a Store.
type Option func(*config) error

type config struct {
	table       string
	now         func() time.Time
	busyTimeout time.Duration
	busySet     bool
	reapEvery   time.Duration
	logger      *slog.Logger
}

// WithTable sets the table name (DefaultTable unless set). The name must
// be a plain SQL identifier: a letter or underscore, then letters, digits
// and underscores, at most 63 characters.
func WithTable(name string) Option {
	return func(c *config) error {
		if !identRE.MatchString(name) {
			return storekit.InvalidConfig(Name, "WithTable: %q is not a plain SQL identifier", name)
		}
		c.table = name
		return nil
	}
}

// WithClock makes the store read the time from now instead of time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return storekit.InvalidConfig(Name, "WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithBusyTimeout sets the busy timeout Open configures on its
// connections (DefaultBusyTimeout unless set); zero makes a connection
// fail at once on a lock. It applies to Open only: New leaves the caller's
// *sql.DB as it is, and refuses the option.
func WithBusyTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return storekit.InvalidConfig(Name, "WithBusyTimeout: the timeout must not be negative, got %v", d)
		}
		c.busyTimeout, c.busySet = d, true
		return nil
	}
}

// WithReapInterval sets how often, at most, a Claim deletes expired rows
// (DefaultReapInterval unless set); zero turns opportunistic reaping off
// (call Reap yourself). It must not be negative.
func WithReapInterval(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return storekit.InvalidConfig(Name, "WithReapInterval: the interval must not be negative, got %v", d)
		}
		c.reapEvery = d
		return nil
	}
}

// WithLogger sets the logger for reaping: a failed reap at Warn, the rows
// deleted at Debug. Without it, or with nil, the store logs nowhere.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			l = slog.New(slog.DiscardHandler)
		}
		c.logger = l
		return nil
	}
}

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
	cfg := config{table: DefaultTable, now: time.Now, busyTimeout: DefaultBusyTimeout, reapEvery: DefaultReapInterval,
		logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// Open opens (creating it when absent) the SQLite database at path and
// returns a Store that owns it: Close closes the database. path is a file
// path, whose directory must exist, or ":memory:" for a private in-memory
// database (one connection, gone on Close). It must not contain '?'.
// Errors wrap idempotency.ErrInvalidConfig for a bad path or option, and
// idempotency.ErrUnavailable when the database cannot be opened.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, storekit.InvalidConfig(Name, "invalid database path %q (want a file path without '?', or :memory:)", path)
	}
	memory := path == ":memory:"
	if !memory {
		dir := filepath.Dir(path)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, storekit.InvalidConfig(Name, "the directory %s of database %s does not exist", dir, path)
		}
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", cfg.busyTimeout.Milliseconds()))
	if !memory {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
	}
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, storekit.Unavailable(Name, "open "+path, err)
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

// openURL builds a Store from a sqlite:// URL (see the package
// documentation).
func openURL(ctx context.Context, u *url.URL) (*Store, error) {
	path, err := pathFromURL(u)
	if err != nil {
		return nil, err
	}
	p := storekit.NewParams(Name, u)
	var opts []Option
	if v, ok := p.String("table"); ok {
		opts = append(opts, WithTable(v))
	}
	if d, ok := p.Duration("busy_timeout"); ok {
		opts = append(opts, WithBusyTimeout(d))
	}
	if d, ok := p.Duration("reap_interval"); ok {
		opts = append(opts, WithReapInterval(d))
	}
	if err := p.Err("table", "busy_timeout", "reap_interval"); err != nil {
		return nil, err
	}
	return Open(ctx, path, opts...)
}

// New returns a Store on an open database. The table is created on first
// use. The caller keeps ownership of db (Close does not close it) and
// should open it with a busy timeout and WAL, for example with the DSN
// "file.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)";
// WithBusyTimeout is refused here. Errors wrap
// idempotency.ErrInvalidConfig.
func New(db *sql.DB, opts ...Option) (*Store, error) {
	if db == nil {
		return nil, storekit.InvalidConfig(Name, "New: nil *sql.DB")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if cfg.busySet {
		return nil, storekit.InvalidConfig(Name, "WithBusyTimeout applies to Open only; set busy_timeout on the *sql.DB given to New")
	}
	return build(db, cfg), nil
}

// Statements are the SQL statements a Store issues, for inspection
// (EXPLAIN, reviews) and for benchmarks that send the same statements
// through database/sql. Times are Unix nanoseconds of the store's clock.
type Statements struct {
	// Schema creates the table and its expiry index when absent.
	Schema string
	// Claim inserts the key, or takes over its expired row, and returns
	// the token; no row when a live row holds the key. ?1 key, ?2 token,
	// ?3 fingerprint, ?4 now, ?5 lease end.
	Claim string
	// Lookup reads a live row: fingerprint, completed, status, header,
	// body. ?1 key, ?2 now.
	Lookup string
	// Complete stores the record while the token holds the key. ?1 key,
	// ?2 token, ?3 status, ?4 header (JSON), ?5 body, ?6 now, ?7 TTL end.
	Complete string
	// Release deletes the row while the token holds the key. ?1 key,
	// ?2 token, ?3 now.
	Release string
	// Reap deletes up to ?2 expired rows (-1: all). ?1 now.
	Reap string
}

// Statements returns the statements this Store issues, for its table.
func (s *Store) Statements() Statements {
	return Statements{Schema: s.schemaSQL, Claim: s.claimSQL, Lookup: s.selectSQL,
		Complete: s.completeSQL, Release: s.releaseSQL, Reap: s.reapSQL}
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
		return storekit.Unavailable(Name, "create schema", err)
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
			return storekit.Unavailable(Name, "prepare", err)
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
		return storekit.Closed(Name)
	}
	if err := s.init(ctx); err != nil {
		s.mu.Unlock()
		return err
	}
	return nil
}

// Claim implements idempotency.Store.
func (s *Store) Claim(ctx context.Context, key, fingerprint string, lease time.Duration) (idempotency.Claim, error) {
	if err := storekit.CheckClaim(key, lease); err != nil {
		return idempotency.Claim{}, err
	}
	if err := s.lock(ctx); err != nil {
		return idempotency.Claim{}, err
	}
	defer s.mu.Unlock()

	now := s.cfg.now()
	if s.cfg.reapEvery > 0 && now.Sub(s.lastReap) >= s.cfg.reapEvery {
		s.lastReap = now
		// A failed reap is no reason to refuse the claim: the rows stay
		// until the next one.
		n, err := s.reapOnce(ctx, now, reapBatch)
		switch {
		case err != nil && ctx.Err() == nil:
			if s.cfg.logger.Enabled(ctx, slog.LevelWarn) {
				s.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "idempotency reap failed",
					slog.String("store", Name), slog.String("table", s.cfg.table), slog.String("error", err.Error()))
			}
		case n > 0 && s.cfg.logger.Enabled(ctx, slog.LevelDebug):
			s.cfg.logger.LogAttrs(ctx, slog.LevelDebug, "idempotency reaped expired keys",
				slog.String("store", Name), slog.String("table", s.cfg.table), slog.Int64("deleted", n))
		}
	}
	token := storekit.NewToken()
	// Another process may change the row between the upsert and the
	// select; the loop then runs again. Within this process s.mu rules it out.
	for attempt := 0; attempt < 5; attempt++ {
		var got string
		err := s.claimStmt.QueryRowContext(ctx, key, token, fingerprint, now.UnixNano(), now.Add(lease).UnixNano()).Scan(&got)
		switch {
		case err == nil:
			if got != token {
				return idempotency.Claim{}, storekit.Unavailable(Name, "claim", errors.New("the upsert returned a foreign token"))
			}
			return idempotency.Claim{State: idempotency.Acquired, Token: token}, nil
		case !errors.Is(err, sql.ErrNoRows):
			return idempotency.Claim{}, storekit.Unavailable(Name, "claim", err)
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
			return idempotency.Claim{}, storekit.Unavailable(Name, "claim", err)
		}
		if !completed {
			return idempotency.Claim{State: idempotency.InProgress, Fingerprint: fp}, nil
		}
		rec, err := storekit.DecodeRecord(status, fp, hdr, body)
		if err != nil {
			return idempotency.Claim{}, fmt.Errorf("%s: claim: %w", Name, err)
		}
		return idempotency.Claim{State: idempotency.Completed, Record: &rec, Fingerprint: fp}, nil
	}
	return idempotency.Claim{}, storekit.Unavailable(Name, "claim", errors.New("the key kept changing under concurrent writers"))
}

// Complete implements idempotency.Store.
func (s *Store) Complete(ctx context.Context, key, token string, rec idempotency.Record, ttl time.Duration) error {
	if err := storekit.CheckComplete(key, ttl); err != nil {
		return err
	}
	hdr, err := storekit.EncodeHeader(rec.Header)
	if err != nil {
		return fmt.Errorf("%s: encode header: %w", Name, err)
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
	if err := storekit.CheckRelease(key); err != nil {
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
		return storekit.Unavailable(Name, op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return storekit.Unavailable(Name, op, err)
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
		return 0, storekit.Unavailable(Name, "reap", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, storekit.Unavailable(Name, "reap", err)
	}
	return n, nil
}

// DB returns the underlying database.
func (s *Store) DB() *sql.DB { return s.db }

// Close marks the store closed and, when Open created the database,
// closes it. Later calls fail with an error wrapping idempotency.ErrClosed;
// closing twice is not an error.
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
	if u.User != nil {
		return "", storekit.InvalidConfig(Name, "a sqlite URL takes no user or password (want sqlite:///path/to/file.db)")
	}
	if u.Opaque != "" {
		return u.Opaque, nil
	}
	p := u.Host + u.Path
	if p == "" {
		return "", storekit.InvalidConfig(Name, "the URL names no database file (want sqlite:///path/to/file.db, sqlite://relative.db or sqlite://:memory:)")
	}
	return p, nil
}
