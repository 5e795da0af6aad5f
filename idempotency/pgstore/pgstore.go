package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/internal/redact"
)

func init() {
	opener := func(ctx context.Context, u *url.URL) (idempotency.Store, error) {
		s, err := Open(ctx, u.String())
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	idempotency.Register("postgres", opener)
	idempotency.Register("postgresql", opener)
}

// DefaultTable is the table name unless WithTable is given.
const DefaultTable = "idempotency_keys"

// DefaultReapInterval is how often a Store deletes expired rows in the
// background unless WithReapInterval says otherwise.
const DefaultReapInterval = 5 * time.Minute

// reapBatch bounds the rows one DELETE of Reap removes.
const reapBatch = 1000

// Schema is the DDL of the table with the default name in the search
// path's first schema, for use in migrations. Store.SchemaSQL gives it for
// the configured schema and table names.
const Schema = `CREATE TABLE IF NOT EXISTS "idempotency_keys" (
	key         text        NOT NULL PRIMARY KEY,
	token       text        NOT NULL,
	fingerprint bytea       NOT NULL,
	completed   boolean     NOT NULL DEFAULT false,
	status      integer     NOT NULL DEFAULT 0,
	header      bytea,
	body        bytea,
	expires_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS "idempotency_keys_expires_at_idx" ON "idempotency_keys" (expires_at);
`

// ErrClosed is returned by a Store used after Close.
var ErrClosed = errors.New("pgstore: store is closed")

// Option configures a Store.
type Option func(*config)

type config struct {
	schema, table string
	reapEvery     time.Duration
	logger        *slog.Logger
}

// WithSchema puts the table in the named PostgreSQL schema instead of the
// first schema of the search path. CreateSchema creates the schema too.
func WithSchema(name string) Option { return func(c *config) { c.schema = name } }

// WithTable sets the table name (DefaultTable unless set).
func WithTable(name string) Option { return func(c *config) { c.table = name } }

// WithReapInterval sets how often the Store deletes expired rows in the
// background (DefaultReapInterval unless set); zero or negative turns the
// background reaper off, leaving Reap to the caller.
func WithReapInterval(d time.Duration) Option { return func(c *config) { c.reapEvery = d } }

// WithLogger sets the logger for background reaping (slog.Default unless set).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// Store is an idempotency.Store on a PostgreSQL table.
type Store struct {
	pool  *pgxpool.Pool
	owned bool
	cfg   config
	ident string // quoted, schema-qualified table name

	claimSQL, completeSQL, releaseSQL, reapSQL string

	stop     context.CancelFunc
	wg       sync.WaitGroup
	closeMu  sync.Mutex
	isClosed bool
}

var _ idempotency.Store = (*Store)(nil)

// New returns a Store on pool. It neither creates the table (call
// CreateSchema, or apply SchemaSQL in a migration) nor closes the pool on
// Close.
func New(pool *pgxpool.Pool, opts ...Option) (*Store, error) {
	if pool == nil {
		return nil, errors.New("pgstore: nil pool")
	}
	cfg := config{table: DefaultTable, reapEvery: DefaultReapInterval, logger: slog.Default()}
	for _, o := range opts {
		o(&cfg)
	}
	if err := checkIdent("table", cfg.table); err != nil {
		return nil, err
	}
	if cfg.schema != "" {
		if err := checkIdent("schema", cfg.schema); err != nil {
			return nil, err
		}
	}
	s := &Store{pool: pool, cfg: cfg}
	if cfg.schema != "" {
		s.ident = pgx.Identifier{cfg.schema, cfg.table}.Sanitize()
	} else {
		s.ident = pgx.Identifier{cfg.table}.Sanitize()
	}
	t := s.ident
	// $1 key, $2 token, $3 fingerprint, $4 lease in microseconds.
	s.claimSQL = `WITH claimed AS (
	INSERT INTO ` + t + ` AS t (key, token, fingerprint, completed, status, header, body, expires_at)
	VALUES ($1, $2, $3, false, 0, NULL, NULL, now() + $4::bigint * interval '1 microsecond')
	ON CONFLICT (key) DO UPDATE SET
		token = EXCLUDED.token, fingerprint = EXCLUDED.fingerprint, completed = false,
		status = 0, header = NULL, body = NULL, expires_at = EXCLUDED.expires_at
	WHERE t.expires_at <= now()
	RETURNING t.token
)
SELECT true, token, ''::bytea, false, 0, NULL::bytea, NULL::bytea FROM claimed
UNION ALL
SELECT false, '', t.fingerprint, t.completed, t.status, t.header, t.body
FROM ` + t + ` t WHERE t.key = $1 AND NOT EXISTS (SELECT 1 FROM claimed)`
	// $1 key, $2 token, $3 status, $4 header JSON, $5 body, $6 ttl in microseconds.
	s.completeSQL = `UPDATE ` + t + ` SET completed = true, status = $3, header = $4, body = $5,
	expires_at = now() + $6::bigint * interval '1 microsecond'
WHERE key = $1 AND token = $2 AND NOT completed AND expires_at > now()`
	s.releaseSQL = `DELETE FROM ` + t + ` WHERE key = $1 AND token = $2 AND NOT completed AND expires_at > now()`
	s.reapSQL = `DELETE FROM ` + t + ` WHERE key IN (
	SELECT key FROM ` + t + ` WHERE expires_at <= now() LIMIT $1 FOR UPDATE SKIP LOCKED)`

	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	if cfg.reapEvery > 0 {
		s.wg.Add(1)
		go s.reapLoop(ctx)
	}
	return s, nil
}

// Open connects to the database named by connString (a pgx connection
// string or URL), checks the connection, creates the table when absent
// and returns a Store that owns the pool: Close closes it. Errors never
// contain the password.
func Open(ctx context.Context, connString string, opts ...Option) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, parseError(err, connString)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, hideSecrets(fmt.Errorf("pgstore: connect: %w", err), connString)
	}
	s, err := New(pool, opts...)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.owned = true
	if err := s.CreateSchema(ctx); err != nil {
		_ = s.Close()
		return nil, hideSecrets(err, connString)
	}
	return s, nil
}

// SchemaSQL returns the DDL that creates this Store's table (and its
// schema, when WithSchema named one).
func (s *Store) SchemaSQL() string {
	var b strings.Builder
	if s.cfg.schema != "" {
		b.WriteString("CREATE SCHEMA IF NOT EXISTS " + pgx.Identifier{s.cfg.schema}.Sanitize() + ";\n")
	}
	ddl := strings.ReplaceAll(Schema, `ON "idempotency_keys"`, `ON `+s.ident)
	ddl = strings.ReplaceAll(ddl, `TABLE IF NOT EXISTS "idempotency_keys"`, `TABLE IF NOT EXISTS `+s.ident)
	ddl = strings.ReplaceAll(ddl, `"idempotency_keys_expires_at_idx"`, pgx.Identifier{s.cfg.table + "_expires_at_idx"}.Sanitize())
	b.WriteString(ddl)
	return b.String()
}

// CreateSchema creates the table, its index and (with WithSchema) its
// schema when they do not exist. It takes a transaction-scoped advisory
// lock, so replicas starting together do not race on the DDL.
func (s *Store) CreateSchema(ctx context.Context) error {
	if s.closed() {
		return ErrClosed
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "switchboard.idempotency.schema"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, s.SchemaSQL())
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: create schema: %w", err)
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
	if s.closed() {
		return idempotency.Claim{}, ErrClosed
	}
	token := idempotency.NewToken()
	// The statement returns no row only when a concurrent transaction
	// inserted the key after this statement's snapshot was taken; the
	// next attempt sees that row.
	for attempt := 0; attempt < 10; attempt++ {
		var (
			acquired, completed bool
			got                 string
			fp, hdr, body       []byte
			status              int32
		)
		err := s.pool.QueryRow(ctx, s.claimSQL, key, token, []byte(fingerprint), micros(lease)).
			Scan(&acquired, &got, &fp, &completed, &status, &hdr, &body)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return idempotency.Claim{}, fmt.Errorf("pgstore: claim: %w", err)
		}
		return decodeClaim(token, acquired, got, fp, completed, status, hdr, body)
	}
	return idempotency.Claim{}, errors.New("pgstore: claim: key kept changing under concurrent writers")
}

func decodeClaim(token string, acquired bool, got string, fp []byte, completed bool, status int32, hdr, body []byte) (idempotency.Claim, error) {
	if acquired {
		if got != token {
			return idempotency.Claim{}, errors.New("pgstore: claim returned a foreign token")
		}
		return idempotency.Claim{State: idempotency.Acquired, Token: token}, nil
	}
	if !completed {
		return idempotency.Claim{State: idempotency.InProgress, Fingerprint: string(fp)}, nil
	}
	rec := idempotency.Record{Status: int(status), Body: body, Fingerprint: string(fp), Header: http.Header{}}
	if rec.Body == nil {
		rec.Body = []byte{}
	}
	if len(hdr) > 0 {
		if err := json.Unmarshal(hdr, &rec.Header); err != nil {
			return idempotency.Claim{}, fmt.Errorf("pgstore: decode stored header: %w", err)
		}
		if rec.Header == nil {
			rec.Header = http.Header{}
		}
	}
	return idempotency.Claim{State: idempotency.Completed, Record: &rec, Fingerprint: string(fp)}, nil
}

// Complete implements idempotency.Store.
func (s *Store) Complete(ctx context.Context, key, token string, rec idempotency.Record, ttl time.Duration) error {
	if err := idempotency.ValidateKey(key); err != nil {
		return err
	}
	if err := idempotency.ValidateDuration("ttl", ttl); err != nil {
		return err
	}
	if s.closed() {
		return ErrClosed
	}
	hdr, err := json.Marshal(rec.Header)
	if err != nil {
		return fmt.Errorf("pgstore: encode header: %w", err)
	}
	body := rec.Body
	if body == nil {
		body = []byte{}
	}
	tag, err := s.pool.Exec(ctx, s.completeSQL, key, token, int32(rec.Status), hdr, body, micros(ttl))
	if err != nil {
		return fmt.Errorf("pgstore: complete: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return idempotency.ErrLeaseLost
	}
	return nil
}

// Release implements idempotency.Store.
func (s *Store) Release(ctx context.Context, key, token string) error {
	if err := idempotency.ValidateKey(key); err != nil {
		return err
	}
	if s.closed() {
		return ErrClosed
	}
	tag, err := s.pool.Exec(ctx, s.releaseSQL, key, token)
	if err != nil {
		return fmt.Errorf("pgstore: release: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return idempotency.ErrLeaseLost
	}
	return nil
}

// Reap deletes every expired row, in batches of 1,000, and returns how
// many it deleted. Rows locked by another reaper are skipped.
func (s *Store) Reap(ctx context.Context) (int64, error) {
	if s.closed() {
		return 0, ErrClosed
	}
	var total int64
	for {
		tag, err := s.pool.Exec(ctx, s.reapSQL, reapBatch)
		if err != nil {
			return total, fmt.Errorf("pgstore: reap: %w", err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < reapBatch {
			return total, nil
		}
	}
}

func (s *Store) reapLoop(ctx context.Context) {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.reapEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := s.Reap(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				s.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "idempotency reap failed", slog.String("table", s.ident), slog.String("error", err.Error()))
			case n > 0:
				s.cfg.logger.LogAttrs(ctx, slog.LevelDebug, "idempotency reaped expired keys", slog.String("table", s.ident), slog.Int64("deleted", n))
			}
		}
	}
}

// Pool returns the underlying connection pool.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

func (s *Store) closed() bool {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	return s.isClosed
}

// Close stops the background reaper and, when Open created the pool,
// closes it.
func (s *Store) Close() error {
	s.closeMu.Lock()
	if s.isClosed {
		s.closeMu.Unlock()
		return nil
	}
	s.isClosed = true
	s.closeMu.Unlock()
	s.stop()
	s.wg.Wait()
	if s.owned {
		s.pool.Close()
	}
	return nil
}

func micros(d time.Duration) int64 {
	us := d.Microseconds()
	if us < 1 {
		us = 1
	}
	return us
}

func checkIdent(what, name string) error {
	if name == "" || len(name) > 63 || strings.ContainsRune(name, 0) {
		return fmt.Errorf("pgstore: invalid %s name %q", what, name)
	}
	return nil
}

// hideSecrets hides connString and the passwords it holds from err's message
// while keeping the error chain for errors.Is and errors.As.
func hideSecrets(err error, connString string) error {
	return redact.Error(err.Error(), err, append([]string{connString}, redact.Secrets(connString)...))
}

// parseError reports a connection string pgx could not parse. pgx's own
// message quotes the string with the password masked only as far as it can
// tell where the password ends, which an unparsable string can defeat; so
// only the reason (the error pgx wraps) is kept, and it still goes through
// hideSecrets.
func parseError(err error, connString string) error {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		if inner := errors.Unwrap(pe); inner != nil {
			return hideSecrets(fmt.Errorf("pgstore: cannot parse the connection string: %w", inner), connString)
		}
		return errors.New("pgstore: cannot parse the connection string")
	}
	return hideSecrets(fmt.Errorf("pgstore: cannot parse the connection string: %w", err), connString)
}
