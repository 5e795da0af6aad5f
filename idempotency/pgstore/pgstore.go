package pgstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/internal/redact"
	"github.com/switchboard-go/switchboard/idempotency/storekit"
)

// Name is the backend's name, which starts its errors.
const Name = "pgstore"

func init() {
	storekit.Register("postgres", openURL)
	storekit.Register("postgresql", openURL)
}

func openURL(ctx context.Context, u *url.URL) (*Store, error) { return Open(ctx, u.String()) }

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

// Option configures a Store.
type Option func(*config) error

type config struct {
	schema, table string
	reapEvery     time.Duration
	logger        *slog.Logger
}

// WithSchema puts the table in the named PostgreSQL schema instead of the
// first schema of the search path. CreateSchema creates the schema too.
// The name must be 1 to 63 bytes without NUL.
func WithSchema(name string) Option {
	return func(c *config) error {
		if err := checkIdent("WithSchema", name); err != nil {
			return err
		}
		c.schema = name
		return nil
	}
}

// WithTable sets the table name (DefaultTable unless set). The name must
// be 1 to 63 bytes without NUL; it is quoted, so any other character is
// allowed.
func WithTable(name string) Option {
	return func(c *config) error {
		if err := checkIdent("WithTable", name); err != nil {
			return err
		}
		c.table = name
		return nil
	}
}

// WithReapInterval sets how often the Store deletes expired rows in the
// background (DefaultReapInterval unless set); zero turns the background
// reaper off, leaving Reap to the caller. It must not be negative.
func WithReapInterval(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return storekit.InvalidConfig(Name, "WithReapInterval: the interval must not be negative, got %v", d)
		}
		c.reapEvery = d
		return nil
	}
}

// WithLogger sets the logger for background reaping: a failed reap at
// Warn, the rows deleted at Debug. Without it, or with nil, the store logs
// nowhere.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			l = slog.New(slog.DiscardHandler)
		}
		c.logger = l
		return nil
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
// Close. Errors wrap idempotency.ErrInvalidConfig.
func New(pool *pgxpool.Pool, opts ...Option) (*Store, error) {
	if pool == nil {
		return nil, storekit.InvalidConfig(Name, "New: nil pool")
	}
	cfg := config{table: DefaultTable, reapEvery: DefaultReapInterval, logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
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
// string: a postgres:// URL or keyword/value pairs), checks the connection,
// creates the table when absent and returns a Store that owns the pool:
// Close closes it. In a URL, the query parameters schema, table and
// reap_interval (a Go duration) map to WithSchema, WithTable and
// WithReapInterval, and options given here win over them; every other
// parameter goes to pgx, and one that neither pgx nor the server knows is
// an error naming it. Errors never contain the password; they wrap
// idempotency.ErrInvalidConfig for a malformed string or option, and
// idempotency.ErrUnavailable when the database cannot be reached.
func Open(ctx context.Context, connString string, opts ...Option) (*Store, error) {
	connString, urlOpts, err := splitParams(connString)
	if err != nil {
		return nil, err
	}
	opts = append(urlOpts, opts...)
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, parseError(err, connString)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, hideSecrets(storekit.Unavailable(Name, "connect", err), connString)
	}
	s, err := New(pool, opts...)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.owned = true
	if err := s.CreateSchema(ctx); err != nil {
		_ = s.Close()
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42704" { // undefined_object, at startup
			return nil, hideSecrets(storekit.InvalidConfig(Name, "the server refused a connection parameter: %s", pgErr.Message), connString)
		}
		return nil, hideSecrets(err, connString)
	}
	return s, nil
}

// splitParams takes this package's parameters out of a postgres:// URL and
// returns the rest of it, for pgx, with the options they name.
func splitParams(connString string) (string, []Option, error) {
	u, err := url.Parse(connString)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return connString, nil, nil // keyword/value, or for pgx to report
	}
	p := storekit.NewParams(Name, u)
	var opts []Option
	if v, ok := p.String("schema"); ok {
		opts = append(opts, WithSchema(v))
	}
	if v, ok := p.String("table"); ok {
		opts = append(opts, WithTable(v))
	}
	if d, ok := p.Duration("reap_interval"); ok {
		opts = append(opts, WithReapInterval(d))
	}
	rest, err := p.Rest()
	if err != nil {
		return "", nil, err
	}
	u.RawQuery = rest.Encode()
	return u.String(), opts, nil
}

// Statements are the SQL statements a Store issues, for inspection
// (EXPLAIN, privilege reviews) and for benchmarks that send the same
// statements through pgx. Times are the server's (now()).
type Statements struct {
	// Claim inserts the key or takes over its expired row, and in the
	// same statement reads the live row otherwise. $1 key, $2 token,
	// $3 fingerprint (bytea), $4 lease in microseconds. It returns one
	// row (acquired, token, fingerprint, completed, status, header, body),
	// or none when a concurrent insert raced it (run it again).
	Claim string
	// Complete stores the record while the token holds the key. $1 key,
	// $2 token, $3 status, $4 header (JSON bytea), $5 body, $6 TTL in
	// microseconds.
	Complete string
	// Release deletes the row while the token holds the key. $1 key,
	// $2 token.
	Release string
	// Reap deletes up to $1 expired rows.
	Reap string
}

// Statements returns the statements this Store issues, for its schema and
// table.
func (s *Store) Statements() Statements {
	return Statements{Claim: s.claimSQL, Complete: s.completeSQL, Release: s.releaseSQL, Reap: s.reapSQL}
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
		return storekit.Closed(Name)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "switchboard.idempotency.schema"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, s.SchemaSQL())
		return err
	})
	if err != nil {
		return storekit.Unavailable(Name, "create schema", err)
	}
	return nil
}

// Claim implements idempotency.Store.
func (s *Store) Claim(ctx context.Context, key, fingerprint string, lease time.Duration) (idempotency.Claim, error) {
	if err := storekit.CheckClaim(key, lease); err != nil {
		return idempotency.Claim{}, err
	}
	if s.closed() {
		return idempotency.Claim{}, storekit.Closed(Name)
	}
	token := storekit.NewToken()
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
			return idempotency.Claim{}, storekit.Unavailable(Name, "claim", err)
		}
		return decodeClaim(token, acquired, got, fp, completed, status, hdr, body)
	}
	return idempotency.Claim{}, storekit.Unavailable(Name, "claim", errors.New("the key kept changing under concurrent writers"))
}

func decodeClaim(token string, acquired bool, got string, fp []byte, completed bool, status int32, hdr, body []byte) (idempotency.Claim, error) {
	if acquired {
		if got != token {
			return idempotency.Claim{}, storekit.Unavailable(Name, "claim", errors.New("the statement returned a foreign token"))
		}
		return idempotency.Claim{State: idempotency.Acquired, Token: token}, nil
	}
	if !completed {
		return idempotency.Claim{State: idempotency.InProgress, Fingerprint: string(fp)}, nil
	}
	rec, err := storekit.DecodeRecord(int(status), string(fp), hdr, body)
	if err != nil {
		return idempotency.Claim{}, fmt.Errorf("%s: claim: %w", Name, err)
	}
	return idempotency.Claim{State: idempotency.Completed, Record: &rec, Fingerprint: string(fp)}, nil
}

// Complete implements idempotency.Store.
func (s *Store) Complete(ctx context.Context, key, token string, rec idempotency.Record, ttl time.Duration) error {
	if err := storekit.CheckComplete(key, ttl); err != nil {
		return err
	}
	if s.closed() {
		return storekit.Closed(Name)
	}
	hdr, err := storekit.EncodeHeader(rec.Header)
	if err != nil {
		return fmt.Errorf("%s: encode header: %w", Name, err)
	}
	body := rec.Body
	if body == nil {
		body = []byte{}
	}
	tag, err := s.pool.Exec(ctx, s.completeSQL, key, token, int32(rec.Status), hdr, body, micros(ttl))
	if err != nil {
		return storekit.Unavailable(Name, "complete", err)
	}
	if tag.RowsAffected() == 0 {
		return idempotency.ErrLeaseLost
	}
	return nil
}

// Release implements idempotency.Store.
func (s *Store) Release(ctx context.Context, key, token string) error {
	if err := storekit.CheckRelease(key); err != nil {
		return err
	}
	if s.closed() {
		return storekit.Closed(Name)
	}
	tag, err := s.pool.Exec(ctx, s.releaseSQL, key, token)
	if err != nil {
		return storekit.Unavailable(Name, "release", err)
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
		return 0, storekit.Closed(Name)
	}
	var total int64
	for {
		tag, err := s.pool.Exec(ctx, s.reapSQL, reapBatch)
		if err != nil {
			return total, storekit.Unavailable(Name, "reap", err)
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
				if s.cfg.logger.Enabled(ctx, slog.LevelWarn) {
					s.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "idempotency reap failed",
						slog.String("store", Name), slog.String("table", s.ident), slog.String("error", err.Error()))
				}
			case n > 0 && s.cfg.logger.Enabled(ctx, slog.LevelDebug):
				s.cfg.logger.LogAttrs(ctx, slog.LevelDebug, "idempotency reaped expired keys",
					slog.String("store", Name), slog.String("table", s.ident), slog.Int64("deleted", n))
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
// closes it. Later calls fail with an error wrapping idempotency.ErrClosed;
// closing twice is not an error.
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

func checkIdent(option, name string) error {
	if name == "" || len(name) > 63 || strings.ContainsRune(name, 0) {
		return storekit.InvalidConfig(Name, "%s: %q is not a PostgreSQL identifier of 1 to 63 bytes without NUL", option, name)
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
// only the reason is kept, without the string, and it still goes through
// hideSecrets.
func parseError(err error, connString string) error {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		bare := *pe
		bare.ConnString = ""
		reason := strings.TrimPrefix(bare.Error(), "cannot parse ``: ")
		return hideSecrets(storekit.InvalidConfig(Name, "cannot parse the connection string: %s", reason), connString)
	}
	return hideSecrets(storekit.InvalidConfig(Name, "cannot parse the connection string: %s", err), connString)
}
