package reliability

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/internal/testenv"
	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/asynqqueue"
	"github.com/switchboard-go/switchboard/webhooks/riverqueue"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// queueBackend opens the queue of one replica; every call for the same
// test shares the storage of the first.
type queueBackend struct {
	name     string
	replicas int
	// setup returns a function opening one replica's queue and the store
	// the replicas share.
	setup func(t *testing.T) (open func(t *testing.T) webhooks.Queue, store idempotency.Store)
}

// pgSchemaFor creates a schema for a test's queue, dropped at cleanup.
func pgSchemaFor(t *testing.T, pgURL string) string {
	t.Helper()
	schema := "rq_" + randomName()
	pool, err := pgxpool.New(context.Background(), pgURL)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	_, err = pool.Exec(context.Background(), `CREATE SCHEMA "`+schema+`"`)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = pool.Exec(context.Background(), `DROP SCHEMA "`+schema+`" CASCADE`) })
	return schema
}

func queueBackends() []queueBackend {
	fast := func(extra ...riverqueue.Option) []riverqueue.Option {
		return append([]riverqueue.Option{riverqueue.WithWorkers(32), riverqueue.WithPollInterval(50 * time.Millisecond),
			riverqueue.WithBackoff(func(int) time.Duration { return 200 * time.Millisecond })}, extra...)
	}
	return []queueBackend{
		{"river-postgres", 2, func(t *testing.T) (func(t *testing.T) webhooks.Queue, idempotency.Store) {
			pgURL := testenv.PostgresURL(t)
			schema := pgSchemaFor(t, pgURL)
			var once sync.Once
			return func(t *testing.T) webhooks.Queue {
				var opts []riverqueue.Option
				once.Do(func() { opts = append(opts, riverqueue.WithMigrate()) })
				q, err := riverqueue.Open(context.Background(), pgURL, fast(append(opts, riverqueue.WithSchema(schema))...)...)
				require.NoError(t, err)
				t.Cleanup(func() { _ = q.Close() })
				return q
			}, openPostgres(t, pgURL)
		}},
		{"river-sqlite", 1, func(t *testing.T) (func(t *testing.T) webhooks.Queue, idempotency.Store) {
			path := filepath.Join(t.TempDir(), "queue.db")
			return func(t *testing.T) webhooks.Queue {
				q, err := riverqueue.Open(context.Background(), "sqlite://"+path, fast(riverqueue.WithMigrate())...)
				require.NoError(t, err)
				t.Cleanup(func() { _ = q.Close() })
				return q
			}, memStore(t)
		}},
		{"asynq-redis", 2, func(t *testing.T) (func(t *testing.T) webhooks.Queue, idempotency.Store) {
			redisURL := testenv.RedisURL(t)
			name := "reliability-" + randomName()
			return func(t *testing.T) webhooks.Queue {
				q, err := asynqqueue.Open(context.Background(), redisURL, asynqqueue.WithQueueName(name), asynqqueue.WithWorkers(32),
					asynqqueue.WithPollInterval(50*time.Millisecond), asynqqueue.WithBackoff(func(int) time.Duration { return time.Second }))
				require.NoError(t, err)
				t.Cleanup(func() { _ = q.Close() })
				return q
			}, openRedis(t, redisURL)
		}},
	}
}

// replica is one process of the service: a Handler on a queue, served
// over HTTP, with in-process workers.
type replica struct {
	q   webhooks.Queue
	h   *webhooks.Handler
	srv *httptest.Server
}

func newReplica(t *testing.T, q webhooks.Queue, store idempotency.Store, fn webhooks.EventFunc, opts ...webhooks.HandlerOption) *replica {
	t.Helper()
	v, err := webhooks.NewStripe(stripeSecret)
	require.NoError(t, err)
	h, err := webhooks.NewHandler(v, append([]webhooks.HandlerOption{webhooks.WithStore(store), webhooks.WithQueue(q)}, opts...)...)
	require.NoError(t, err)
	h.On("invoice.paid", fn)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &replica{q: q, h: h, srv: srv}
}

// postEvent sends a signed delivery of event id to url and returns the status.
func postEvent(c *http.Client, url, id string) (int, error) {
	body := stripeEvent(id)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header = webhookstest.SignStripe(body, stripeSecret, time.Now())
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// effects counts how often each event's function had its effect.
type effects struct{ m sync.Map }

func (e *effects) add(id string) int32 {
	c, _ := e.m.LoadOrStore(id, new(atomic.Int32))
	return c.(*atomic.Int32).Add(1)
}

func (e *effects) check(t *testing.T, ids []string) {
	t.Helper()
	for _, id := range ids {
		c, ok := e.m.Load(id)
		require.True(t, ok, "event %s was processed", id)
		require.Equal(t, int32(1), c.(*atomic.Int32).Load(), "event %s was processed once", id)
	}
}

// 1,000 events, each delivered 10 times, concurrently, spread over the
// replicas that share the queue: every delivery is acknowledged and every
// event is processed exactly once.
func TestQueueDuplicateStormProcessedOnce(t *testing.T) {
	const events, dups, senders = 1000, 10, 32
	for _, b := range queueBackends() {
		t.Run(b.name, func(t *testing.T) {
			open, store := b.setup(t)
			var eff effects
			var total atomic.Int32
			fn := func(_ context.Context, e *webhooks.Event) error { eff.add(e.ID); total.Add(1); return nil }
			var reps []*replica
			for range b.replicas {
				r := newReplica(t, open(t), store, fn)
				require.NoError(t, r.q.Start(context.Background(), r.h))
				reps = append(reps, r)
			}
			ids := make([]string, events)
			for i := range ids {
				ids[i] = fmt.Sprintf("evt_storm_%s_%04d", randomName(), i)
			}
			work := make(chan [2]int, senders)
			var wg sync.WaitGroup
			var non200 atomic.Int32
			client := &http.Client{Timeout: 30 * time.Second}
			t0 := time.Now()
			for range senders {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for w := range work {
						code, err := postEvent(client, reps[w[1]%len(reps)].srv.URL, ids[w[0]])
						if err != nil || code != http.StatusOK {
							non200.Add(1)
						}
					}
				}()
			}
			for d := range dups {
				for i := range ids {
					work <- [2]int{i, i + d}
				}
			}
			close(work)
			wg.Wait()
			acked := time.Since(t0)
			require.Zero(t, non200.Load(), "every delivery is acknowledged")
			require.Eventually(t, func() bool { return total.Load() >= events }, 120*time.Second, 20*time.Millisecond, "every event is processed")
			time.Sleep(time.Second)
			eff.check(t, ids)
			require.Equal(t, int32(events), total.Load())
			t.Logf("%s: %d deliveries acknowledged in %v, %d events processed once in %v", b.name, events*dups, acked.Round(time.Millisecond), events, time.Since(t0).Round(time.Millisecond))
		})
	}
}

// A worker that stops answering in the middle of a job (its context
// cancelled, its function never returning, as a killed process) holds the
// job in "running" and the event's key under its lease. River rescues the
// job, another worker runs it once the lease is over, and the effect
// happens once.
func TestQueueKilledWorkerRescued(t *testing.T) {
	pgURL := testenv.PostgresURL(t)
	schema := pgSchemaFor(t, pgURL)
	store := openPostgres(t, pgURL)
	opts := []riverqueue.Option{riverqueue.WithSchema(schema), riverqueue.WithJobTimeout(time.Second),
		riverqueue.WithRescueAfter(2 * time.Second), riverqueue.WithPollInterval(50 * time.Millisecond),
		riverqueue.WithBackoff(func(int) time.Duration { return 500 * time.Millisecond })}
	qa, err := riverqueue.Open(context.Background(), pgURL, append(opts, riverqueue.WithMigrate())...)
	require.NoError(t, err)
	var eff effects
	hang := make(chan struct{})
	var hung atomic.Int32
	// Replica A takes the job and never finishes it.
	a := newReplica(t, qa, store, func(ctx context.Context, e *webhooks.Event) error {
		hung.Add(1)
		<-hang
		return ctx.Err()
	}, webhooks.WithLease(3*time.Second))
	require.NoError(t, qa.Start(context.Background(), a.h))
	t.Cleanup(func() {
		close(hang)
		_ = qa.Close()
	})
	id := "evt_killed_" + randomName()
	code, err := postEvent(http.DefaultClient, a.srv.URL, id)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	require.Eventually(t, func() bool { return hung.Load() == 1 }, 30*time.Second, 10*time.Millisecond)
	// A killed process fetches nothing more: replica A stops fetching,
	// and its stuck job stays "running" in the database, as a killed
	// process leaves it.
	stopCtx, cancelStop := context.WithTimeout(context.Background(), 200*time.Millisecond)
	_ = qa.Stop(stopCtx)
	cancelStop()

	// Replica B runs the same queue; its function has the effect.
	qb, err := riverqueue.Open(context.Background(), pgURL, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = qb.Close() })
	var doneAt atomic.Int64
	b := newReplica(t, qb, store, func(ctx context.Context, e *webhooks.Event) error {
		eff.add(e.ID)
		doneAt.Store(time.Now().UnixNano())
		return nil
	}, webhooks.WithLease(3*time.Second))
	t0 := time.Now()
	require.NoError(t, qb.Start(context.Background(), b.h))
	// River's rescuer runs every 30 s on the elected leader.
	require.Eventually(t, func() bool { return doneAt.Load() != 0 }, 120*time.Second, 50*time.Millisecond, "the rescued job runs")
	time.Sleep(time.Second)
	eff.check(t, []string{id})
	require.Equal(t, int32(1), hung.Load(), "the hung worker ran it once and never again")
	t.Logf("rescued and processed once after %v", time.Since(t0).Round(time.Millisecond))
}

// The queue's database or Redis is cut off while deliveries arrive: each
// delivery is answered 503 (the provider retries) or 200 only once stored;
// after recovery the providers' retries are stored and every event is
// processed once.
func TestQueueOutageNothingAcknowledgedUnstored(t *testing.T) {
	type outage struct {
		name string
		open func(t *testing.T) (webhooks.Queue, idempotency.Store, *testenv.Proxy)
	}
	for _, o := range []outage{
		{"river-postgres", func(t *testing.T) (webhooks.Queue, idempotency.Store, *testenv.Proxy) {
			pgURL := testenv.PostgresURL(t)
			schema := pgSchemaFor(t, pgURL)
			u, err := url.Parse(pgURL)
			require.NoError(t, err)
			p := testenv.NewProxy(t, u.Host)
			u.Host = p.Addr()
			q, err := riverqueue.Open(context.Background(), u.String(), riverqueue.WithSchema(schema), riverqueue.WithMigrate(),
				riverqueue.WithPollInterval(50*time.Millisecond), riverqueue.WithBackoff(func(int) time.Duration { return 200 * time.Millisecond }))
			require.NoError(t, err)
			t.Cleanup(func() { _ = q.Close() })
			return q, openPostgres(t, pgURL), p
		}},
		{"asynq-redis", func(t *testing.T) (webhooks.Queue, idempotency.Store, *testenv.Proxy) {
			redisURL := testenv.RedisURL(t)
			ro, err := redis.ParseURL(redisURL)
			require.NoError(t, err)
			p := testenv.NewProxy(t, ro.Addr)
			ro.Addr = p.Addr()
			ro.MaxRetries = -1
			rdb := redis.NewClient(ro)
			t.Cleanup(func() { _ = rdb.Close() })
			q, err := asynqqueue.New(rdb, asynqqueue.WithQueueName("reliability-"+randomName()),
				asynqqueue.WithPollInterval(50*time.Millisecond), asynqqueue.WithBackoff(func(int) time.Duration { return time.Second }))
			require.NoError(t, err)
			t.Cleanup(func() { _ = q.Close() })
			return q, openRedis(t, redisURL), p
		}},
	} {
		t.Run(o.name, func(t *testing.T) {
			q, store, p := o.open(t)
			var eff effects
			var total atomic.Int32
			r := newReplica(t, q, store, func(_ context.Context, e *webhooks.Event) error { eff.add(e.ID); total.Add(1); return nil })
			const n = 200
			ids := make([]string, n)
			for i := range ids {
				ids[i] = fmt.Sprintf("evt_outage_%s_%03d", randomName(), i)
			}
			client := &http.Client{Timeout: 30 * time.Second}
			acked := map[string]bool{}
			for i, id := range ids {
				if i == n/4 {
					p.Cut()
				}
				if i == n/2 {
					p.Restore()
				}
				code, err := postEvent(client, r.srv.URL, id)
				require.NoError(t, err)
				require.Contains(t, []int{http.StatusOK, http.StatusServiceUnavailable}, code)
				if code == http.StatusOK {
					acked[id] = true
				}
				if i >= n/4+2 && i < n/2 {
					require.Equal(t, http.StatusServiceUnavailable, code, "nothing is acknowledged while the queue is cut off")
				}
			}
			require.Less(t, len(acked), n, "the outage refused deliveries")
			// Only what was acknowledged is stored: process it alone first.
			require.NoError(t, q.Start(context.Background(), r.h))
			require.Eventually(t, func() bool { return int(total.Load()) >= len(acked) }, 60*time.Second, 20*time.Millisecond)
			time.Sleep(500 * time.Millisecond)
			eff.m.Range(func(k, _ any) bool {
				require.True(t, acked[k.(string)], "event %s was processed without an acknowledgement", k)
				return true
			})
			// The providers retry what was refused.
			for _, id := range ids {
				code, err := postEvent(client, r.srv.URL, id)
				require.NoError(t, err)
				require.Equal(t, http.StatusOK, code)
			}
			require.Eventually(t, func() bool { return total.Load() >= n }, 60*time.Second, 20*time.Millisecond)
			time.Sleep(500 * time.Millisecond)
			eff.check(t, ids)
			t.Logf("%d of %d deliveries refused during the outage; all %d processed once after recovery", n-len(acked), n, n)
		})
	}
}
