package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
	"github.com/switchboard-go/switchboard/internal/testenv"
	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/riverqueue"
)

// slowFunction is how long the event function of the latency rows takes.
const slowFunction = 200 * time.Millisecond

// openBenchQueue opens a River queue for one row: PostgreSQL in a schema
// of its own when SWITCHBOARD_TEST_POSTGRES_URL is set, else SQLite in a
// temporary file. It returns the queue, its name and what cleans up.
func openBenchQueue(ctx context.Context, pg bool, opts ...riverqueue.Option) (webhooks.Queue, string, func(), error) {
	q, name, _, cleanup, err := openBenchQueues(ctx, pg, opts...)
	return q, name, cleanup, err
}

// openBenchQueues is openBenchQueue that also returns what opens another
// queue on the same PostgreSQL schema, as a second process would.
func openBenchQueues(ctx context.Context, pg bool, opts ...riverqueue.Option) (webhooks.Queue, string, func() (webhooks.Queue, error), func(), error) {
	opts = append([]riverqueue.Option{riverqueue.WithMigrate(), riverqueue.WithPollInterval(20 * time.Millisecond)}, opts...)
	if pg {
		url := os.Getenv(testenv.EnvPostgres)
		schema := "benchq_" + nonce()
		pcfg, err := pgxpool.ParseConfig(url)
		if err != nil {
			return nil, "", nil, nil, err
		}
		// As riverqueue.Open sizes its pools: pgx's default of four
		// connections would make the clients queue for one.
		pcfg.MaxConns = max(pcfg.MaxConns, riverqueue.DefaultMaxConns)
		pool, err := pgxpool.NewWithConfig(ctx, pcfg)
		if err != nil {
			return nil, "", nil, nil, err
		}
		if _, err := pool.Exec(ctx, `CREATE SCHEMA "`+schema+`"`); err != nil {
			pool.Close()
			return nil, "", nil, nil, err
		}
		drop := func() {
			_, _ = pool.Exec(context.Background(), `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`)
			pool.Close()
		}
		q, err := riverqueue.NewPostgres(ctx, pool, append(opts, riverqueue.WithSchema(schema))...)
		if err != nil {
			drop()
			return nil, "", nil, nil, err
		}
		var more []webhooks.Queue
		replica := func() (webhooks.Queue, error) {
			q2, err := riverqueue.NewPostgres(ctx, pool, append(opts, riverqueue.WithSchema(schema))...)
			if err == nil {
				more = append(more, q2)
			}
			return q2, err
		}
		return q, "River/PostgreSQL", replica, func() {
			for _, m := range more {
				_ = m.Close()
			}
			_ = q.Close()
			drop()
		}, nil
	}
	dir, err := os.MkdirTemp("", "switchboard-bench-queue-")
	if err != nil {
		return nil, "", nil, nil, err
	}
	q, err := riverqueue.Open(ctx, "sqlite://"+filepath.Join(dir, "queue.db"), opts...)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, "", nil, nil, err
	}
	return q, "River/SQLite", nil, func() { _ = q.Close(); _ = os.RemoveAll(dir) }, nil
}

// queueHandler is a Stripe Handler on store, enqueueing on q when q is
// not nil, whose function sleeps for d and counts.
func queueHandler(store idempotency.Store, q webhooks.Queue, d time.Duration, processed *atomic.Int64) (*webhooks.Handler, error) {
	v, err := webhooks.NewStripe(benchStripeSecret)
	if err != nil {
		return nil, err
	}
	opts := []webhooks.HandlerOption{webhooks.WithStore(store), webhooks.WithLogger(slog.New(slog.DiscardHandler))}
	if q != nil {
		opts = append(opts, webhooks.WithQueue(q))
	}
	h, err := webhooks.NewHandler(v, opts...)
	if err != nil {
		return nil, err
	}
	h.On("invoice.paid", func(ctx context.Context, _ *webhooks.Event) error {
		if d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		processed.Add(1)
		return nil
	})
	return h, nil
}

// queueRows measures acknowledging through a queue against running the
// function inside the request.
func queueRows(cfg config) []Row {
	var rows []Row
	pg := os.Getenv(testenv.EnvPostgres) != ""
	name := fmt.Sprintf("Event function of %v: sync Handler vs async Handler (WithQueue) p99, %d clients", slowFunction, cfg.conc)
	if cfg.want(name) {
		rows = append(rows, slowFunctionRow(cfg, name, pg))
	}
	name = fmt.Sprintf("Async ack (River/PostgreSQL) vs sync Handler + PostgreSQL store, %d clients", cfg.conc)
	if cfg.want(name) {
		if !pg {
			rows = append(rows, skippedRow(name, "≥1.00x sync req/s", testenv.EnvPostgres))
		} else {
			rows = append(rows, ackRow(cfg, name))
		}
	}
	name = "Queue processing (River/PostgreSQL): 2 worker processes vs 1, events/s"
	if cfg.want(name) {
		if !pg {
			rows = append(rows, skippedRow(name, "info", testenv.EnvPostgres))
		} else {
			rows = append(rows, processingRow(cfg, name))
		}
	}
	return rows
}

func slowFunctionRow(cfg config, name string, pg bool) Row {
	const goal = "async p99 <20ms, sync p99 ≥200ms"
	ctx := context.Background()
	store, _ := memstore.New()
	defer store.Close()
	var processed atomic.Int64
	sync, err := queueHandler(store, nil, slowFunction, &processed)
	if err != nil {
		return errorRow(name, goal, err)
	}
	sres := loadRun(cfg, sync, "slowsync"+nonce())
	q, qname, cleanup, err := openBenchQueue(ctx, pg, riverqueue.WithWorkers(100))
	if err != nil {
		return errorRow(name, goal, err)
	}
	defer cleanup()
	store2, _ := memstore.New()
	defer store2.Close()
	var processed2 atomic.Int64
	async, err := queueHandler(store2, q, slowFunction, &processed2)
	if err != nil {
		return errorRow(name, goal, err)
	}
	if err := q.Start(ctx, async); err != nil {
		return errorRow(name, goal, err)
	}
	ares := loadRun(cfg, async, "slowasync"+nonce())
	sp99, ap99 := percentile(append([]time.Duration(nil), sres.latencies...), 99), percentile(append([]time.Duration(nil), ares.latencies...), 99)
	return Row{
		Name:     name + " (" + qname + ", workers running)",
		Subject:  "async: " + ares.describe(),
		Baseline: "sync: " + sres.describe(),
		Ratio:    fmt.Sprintf("%.1fx req/s", ares.rps()/max(sres.rps(), 1e-9)),
		Goal:     goal,
		Status:   verdict(ap99 < 20*time.Millisecond && sp99 >= slowFunction && ares.failed == 0 && sres.failed == 0),
	}
}

func ackRow(cfg config, name string) Row {
	const goal = "≥1.00x sync req/s"
	ctx := context.Background()
	store, cleanupStore, err := openPostgres(ctx, nonce())
	if err != nil {
		return errorRow(name, goal, err)
	}
	defer cleanupStore()
	var processed atomic.Int64
	sync, err := queueHandler(store, nil, 0, &processed)
	if err != nil {
		return errorRow(name, goal, err)
	}
	sres := loadRun(cfg, sync, "acksync"+nonce())
	q, _, cleanup, err := openBenchQueue(ctx, true)
	if err != nil {
		return errorRow(name, goal, err)
	}
	defer cleanup()
	async, err := queueHandler(store, q, 0, &processed)
	if err != nil {
		return errorRow(name, goal, err)
	}
	ares := loadRun(cfg, async, "ackasync"+nonce())
	ratio := ares.rps() / max(sres.rps(), 1e-9)
	return Row{
		Name:     name,
		Subject:  "async ack: " + ares.describe(),
		Baseline: "sync, 2 store round trips: " + sres.describe(),
		Ratio:    fmt.Sprintf("%.2fx req/s", ratio),
		Goal:     goal,
		Status:   verdict(ratio >= 1 && ares.failed == 0 && sres.failed == 0),
	}
}

// processingRow enqueues events, then measures how fast one and then two
// worker processes (two River clients on the same schema) drain them.
func processingRow(cfg config, name string) Row {
	const goal = "info"
	ctx := context.Background()
	n := 4000
	if cfg.quick {
		n = 1000
	}
	measure := func(workers int) (float64, error) {
		store, cleanupStore, err := openPostgres(ctx, nonce())
		if err != nil {
			return 0, err
		}
		defer cleanupStore()
		q, _, replica, cleanup, err := openBenchQueues(ctx, true, riverqueue.WithWorkers(50))
		if err != nil {
			return 0, err
		}
		defer cleanup()
		var processed atomic.Int64
		h, err := queueHandler(store, q, 0, &processed)
		if err != nil {
			return 0, err
		}
		jobs := make([]*webhooks.Job, 0, 500)
		for i := range n {
			id := fmt.Sprintf("evt_proc_%s_%06d", nonce(), i)
			jobs = append(jobs, h.NewJob(&webhooks.Event{Provider: "stripe", ID: id, DedupKey: id, Type: "invoice.paid", Data: stripeBody(id, 1<<10)}))
			if len(jobs) == cap(jobs) || i == n-1 {
				if _, err := q.Enqueue(ctx, jobs); err != nil {
					return 0, err
				}
				jobs = jobs[:0]
			}
		}
		procs := []webhooks.Queue{q}
		if workers == 2 {
			q2, err := replica()
			if err != nil {
				return 0, err
			}
			procs = append(procs, q2)
		}
		t0 := time.Now()
		for _, p := range procs {
			if err := p.Start(ctx, h); err != nil {
				return 0, err
			}
		}
		deadline := time.Now().Add(2 * time.Minute)
		for processed.Load() < int64(n) {
			if time.Now().After(deadline) {
				return 0, fmt.Errorf("%d of %d events processed in 2 minutes", processed.Load(), n)
			}
			time.Sleep(5 * time.Millisecond)
		}
		return float64(n) / time.Since(t0).Seconds(), nil
	}
	one, err := measure(1)
	if err != nil {
		return errorRow(name, goal, err)
	}
	two, err := measure(2)
	if err != nil {
		return errorRow(name, goal, err)
	}
	return Row{
		Name:     name,
		Subject:  "2 processes: " + fmtRate(two, "events/s"),
		Baseline: "1 process: " + fmtRate(one, "events/s"),
		Ratio:    fmt.Sprintf("%.2fx events/s", two/one),
		Goal:     goal,
		Status:   Info,
		Note:     fmt.Sprintf("%d events, 50 workers per process, PostgreSQL store", n),
	}
}
