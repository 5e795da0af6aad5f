package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
	"github.com/switchboard-go/switchboard/idempotency/pgstore"
	"github.com/switchboard-go/switchboard/idempotency/redisstore"
	"github.com/switchboard-go/switchboard/idempotency/sqlitestore"
	"github.com/switchboard-go/switchboard/idempotency/storekit"
)

const (
	benchLease = 5 * time.Minute
	benchTTL   = 72 * time.Hour
	benchFP    = "0123456789abcdef0123456789abcdef"
)

// bareStore does what a Claim followed by a Complete does, with the same
// statements or commands sent straight through the driver.
type bareStore interface {
	claimComplete(ctx context.Context, key string) error
}

// bareMem is a map under a mutex.
type bareMem struct {
	mu sync.Mutex
	m  map[string]bareMemEntry
}

type bareMemEntry struct {
	token     string
	completed bool
	expires   time.Time
	status    int
}

func bareMemory(context.Context, idempotency.Store, string) (bareStore, error) {
	return &bareMem{m: make(map[string]bareMemEntry)}, nil
}

func (b *bareMem) claimComplete(_ context.Context, key string) error {
	token := storekit.NewToken()
	b.mu.Lock()
	now := time.Now()
	if e, ok := b.m[key]; ok && e.expires.After(now) {
		b.mu.Unlock()
		return errors.New("bare memory: key held")
	}
	b.m[key] = bareMemEntry{token: token, expires: now.Add(benchLease)}
	b.mu.Unlock()

	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.m[key]
	if !ok || e.token != token || e.completed {
		return errors.New("bare memory: lease lost")
	}
	b.m[key] = bareMemEntry{token: token, completed: true, expires: time.Now().Add(benchTTL), status: http.StatusOK}
	return nil
}

// emptyHeader is how the stores encode the header of a record without
// one, as the bare baselines send it.
var emptyHeader, _ = storekit.EncodeHeader(nil)

// bareSQL runs the SQLite store's statements (sqlitestore.Statements)
// through database/sql.
type bareSQL struct {
	claim, complete *sql.Stmt
}

func bareSQLite(ctx context.Context, s idempotency.Store, _ string) (bareStore, error) {
	ss := s.(*sqlitestore.Store)
	st := ss.Statements()
	claim, err := ss.DB().PrepareContext(ctx, st.Claim)
	if err != nil {
		return nil, err
	}
	complete, err := ss.DB().PrepareContext(ctx, st.Complete)
	if err != nil {
		_ = claim.Close()
		return nil, err
	}
	return &bareSQL{claim: claim, complete: complete}, nil
}

func (b *bareSQL) claimComplete(ctx context.Context, key string) error {
	token := storekit.NewToken()
	now := time.Now()
	var got string
	if err := b.claim.QueryRowContext(ctx, key, token, benchFP, now.UnixNano(), now.Add(benchLease).UnixNano()).Scan(&got); err != nil {
		return err
	}
	now = time.Now()
	res, err := b.complete.ExecContext(ctx, key, token, http.StatusOK, emptyHeader, []byte{}, now.UnixNano(), now.Add(benchTTL).UnixNano())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errors.New("bare sqlite: lease lost")
	}
	return nil
}

// barePG runs the PostgreSQL store's statements (pgstore.Statements)
// through the pgx pool.
type barePG struct {
	pool *pgxpool.Pool
	st   pgstore.Statements
}

func barePostgres(_ context.Context, s idempotency.Store, _ string) (bareStore, error) {
	ps := s.(*pgstore.Store)
	return &barePG{pool: ps.Pool(), st: ps.Statements()}, nil
}

func (b *barePG) claimComplete(ctx context.Context, key string) error {
	token := storekit.NewToken()
	var (
		acquired, completed bool
		got                 string
		fp, hdr, body       []byte
		status              int32
	)
	if err := b.pool.QueryRow(ctx, b.st.Claim, key, token, []byte(benchFP), benchLease.Microseconds()).
		Scan(&acquired, &got, &fp, &completed, &status, &hdr, &body); err != nil {
		return err
	}
	if !acquired {
		return errors.New("bare postgres: not acquired")
	}
	tag, err := b.pool.Exec(ctx, b.st.Complete, key, token, int32(http.StatusOK), emptyHeader, []byte{}, benchTTL.Microseconds())
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return errors.New("bare postgres: lease lost")
	}
	return nil
}

// bareRedisStore runs the Redis store's Lua scripts (redisstore.Scripts)
// through go-redis.
type bareRedisStore struct {
	c       redis.UniversalClient
	prefix  string
	scripts redisstore.Scripts
}

func bareRedis(_ context.Context, s idempotency.Store, _ string) (bareStore, error) {
	rs := s.(*redisstore.Store)
	return &bareRedisStore{c: rs.Client(), prefix: rs.Prefix() + "bare:", scripts: rs.Scripts()}, nil
}

func (b *bareRedisStore) claimComplete(ctx context.Context, key string) error {
	token := storekit.NewToken()
	k := []string{b.prefix + key}
	res, err := b.scripts.Claim.Run(ctx, b.c, k, token, benchFP, benchLease.Milliseconds()).Slice()
	if err != nil {
		return err
	}
	if len(res) != 1 {
		return errors.New("bare redis: not acquired")
	}
	n, err := b.scripts.Complete.Run(ctx, b.c, k, token, http.StatusOK, emptyHeader, "", benchTTL.Milliseconds()).Int()
	if err != nil {
		return err
	}
	if n != 1 {
		return errors.New("bare redis: lease lost")
	}
	return nil
}

// storeRows measures Claim+Complete per backend against the bare driver.
func storeRows(cfg config) []Row {
	var rows []Row
	const goal = "≤1.25x time"
	for _, b := range backends() {
		name := fmt.Sprintf("Store Claim+Complete, %s vs %s", b.name, b.label)
		if !cfg.want(name) {
			continue
		}
		if b.env != "" && os.Getenv(b.env) == "" {
			rows = append(rows, skippedRow(name, goal, b.env))
			continue
		}
		rows = append(rows, storeRow(cfg, b, name, goal))
	}
	return rows
}

func storeRow(cfg config, b storeBackend, name, goal string) Row {
	ctx := context.Background()
	n := nonce()
	store, cleanup, err := b.open(ctx, n)
	if err != nil {
		return errorRow(name, goal, err)
	}
	defer cleanup()
	bare, err := b.bare(ctx, store, n)
	if err != nil {
		return errorRow(name, goal, err)
	}
	var seq atomic.Int64
	key := func(side string) string { return fmt.Sprintf("store-%s-%s-%d", n, side, seq.Add(1)) }
	s, base := micro{
		subject: func(tb *testing.B) {
			tb.ReportAllocs()
			for tb.Loop() {
				k := key("sb")
				c, err := store.Claim(ctx, k, benchFP, benchLease)
				guard(tb, err == nil && c.State == idempotency.Acquired, "claim", err)
				err = store.Complete(ctx, k, c.Token, idempotency.Record{Status: http.StatusOK}, benchTTL)
				guard(tb, err == nil, "complete", err)
			}
		},
		baseline: func(tb *testing.B) {
			tb.ReportAllocs()
			for tb.Loop() {
				err := bare.claimComplete(ctx, key("bare"))
				guard(tb, err == nil, "bare claim+complete", err)
			}
		},
	}.run(cfg.rounds)
	row := microRow(name, s, base, goal, func(r float64) bool { return r <= 1.25 })
	if b.name == "memory" {
		row.Note = fmt.Sprintf("the store keeps its default bound of %d keys: once full, each new key also evicts "+
			"the completed key nearest its expiry, while the map grows without bound", memstore.DefaultMaxEntries)
	}
	if s.nsPerOp > 0 && base.nsPerOp > 0 {
		row.Subject = fmt.Sprintf("%s (%s)", fmtRate(1e9/s.nsPerOp, "pairs/s"), s.describe())
		row.Baseline = fmt.Sprintf("%s (%s)", fmtRate(1e9/base.nsPerOp, "pairs/s"), base.describe())
	}
	return row
}
