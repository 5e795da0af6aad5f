package queuetest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// Options are what the suite needs a new queue to be configured with.
type Options struct {
	// MaxAttempts is how many times a job runs before it is kept as
	// failed.
	MaxAttempts int
	// Backoff is the wait before every retry.
	Backoff time.Duration
	// ShutdownTimeout is how long Stop lets running jobs finish.
	ShutdownTimeout time.Duration
}

// Harness tells Run how to build the backend under test.
type Harness struct {
	// New returns a fresh queue on storage of its own, configured with o,
	// its workers not started. Required. The harness closes it at the end
	// of the test.
	New func(t *testing.T, o Options) webhooks.Queue
	// Replica returns another queue on the same storage as q, as a second
	// process would open it. Nil skips the checks with two replicas.
	Replica func(t *testing.T, q webhooks.Queue, o Options) webhooks.Queue
	// InjectError makes q's backend fail as kind
	// (webhooks.ErrQueueUnavailable: unreachable) until it is called again
	// with a nil kind, which must restore it, or the test ends. It returns
	// false when it cannot produce kind, which skips that check. Nil skips
	// the checks that need it.
	InjectError func(t *testing.T, q webhooks.Queue, kind error) bool
}

// secret signs the suite's Stripe deliveries.
const secret = "whsec_queuetest_0123456789abcdef"

func defaults() Options {
	return Options{MaxAttempts: 3, Backoff: 50 * time.Millisecond, ShutdownTimeout: 5 * time.Second}
}

// Run runs the conformance suite.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("queuetest: Harness.New is required")
	}
	t.Run("EnqueueThenRunOnce", func(t *testing.T) { t.Parallel(); testRunOnce(t, h) })
	t.Run("DuplicateEnqueueAddsNoJob", func(t *testing.T) { t.Parallel(); testDuplicates(t, h) })
	t.Run("JobSurvivesTheQueue", func(t *testing.T) { t.Parallel(); testSurvives(t, h) })
	t.Run("FailureRetriedWithBackoff", func(t *testing.T) { t.Parallel(); testRetried(t, h) })
	t.Run("ExhaustedJobKeptAndRetryable", func(t *testing.T) { t.Parallel(); testExhausted(t, h) })
	t.Run("CompletedEventDoesNotRunAgain", func(t *testing.T) { t.Parallel(); testCompletedInStore(t, h) })
	t.Run("StopLetsRunningJobsFinish", func(t *testing.T) { t.Parallel(); testStopFinishes(t, h) })
	t.Run("StopCancelsAfterTimeout", func(t *testing.T) { t.Parallel(); testStopCancels(t, h) })
	t.Run("TwoReplicasRunEachEventOnce", func(t *testing.T) { t.Parallel(); testReplicas(t, h) })
	t.Run("UnavailableIs503", func(t *testing.T) { t.Parallel(); testUnavailable(t, h) })
}

// fixture is a queue, a Stripe Handler on it and a memory store.
type fixture struct {
	q     webhooks.Queue
	h     *webhooks.Handler
	store idempotency.Store
	runs  sync.Map // event id -> *atomic.Int32
}

func newFixture(t *testing.T, h Harness, o Options, hopts ...webhooks.HandlerOption) *fixture {
	t.Helper()
	q := h.New(t, o)
	t.Cleanup(func() { _ = q.Close() })
	store, err := memstore.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	return newFixtureOn(t, q, store, hopts...)
}

func newFixtureOn(t *testing.T, q webhooks.Queue, store idempotency.Store, hopts ...webhooks.HandlerOption) *fixture {
	t.Helper()
	v, err := webhooks.NewStripe(secret)
	require.NoError(t, err)
	hd, err := webhooks.NewHandler(v, append([]webhooks.HandlerOption{webhooks.WithStore(store), webhooks.WithQueue(q)}, hopts...)...)
	require.NoError(t, err)
	return &fixture{q: q, h: hd, store: store}
}

func (f *fixture) counter(id string) *atomic.Int32 {
	c, _ := f.runs.LoadOrStore(id, new(atomic.Int32))
	return c.(*atomic.Int32)
}

// deliver posts a signed Stripe delivery of event id and returns the
// status.
func (f *fixture) deliver(t *testing.T, id string) int {
	t.Helper()
	return f.deliverTo(t, f.h, id)
}

func (f *fixture) deliverTo(t *testing.T, h http.Handler, id string) int {
	t.Helper()
	body := []byte(`{"id":"` + id + `","object":"event","type":"invoice.paid","created":1700000000,"data":{"object":{"id":"in_1"}}}`)
	r := webhookstest.NewRequest("https://shop.example/webhooks/stripe?token=s3cr3t", body, webhookstest.SignStripe(body, secret, time.Now()))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

func start(t *testing.T, q webhooks.Queue, p webhooks.Processor) {
	t.Helper()
	require.NoError(t, q.Start(context.Background(), p))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = q.Stop(ctx)
	})
}

func eventually(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	require.Eventually(t, cond, 30*time.Second, 10*time.Millisecond, msg)
}

// settle waits long enough for a job that should not run to have run.
func settle() { time.Sleep(500 * time.Millisecond) }

func uniqueID(t *testing.T, n int) string {
	return fmt.Sprintf("evt_%s_%d_%d", strings.ReplaceAll(t.Name(), "/", "_"), time.Now().UnixNano()%1e9, n)
}

func testRunOnce(t *testing.T, h Harness) {
	f := newFixture(t, h, defaults())
	f.h.On("invoice.paid", func(_ context.Context, e *webhooks.Event) error { f.counter(e.ID).Add(1); return nil })
	ids := make([]string, 20)
	for i := range ids {
		ids[i] = uniqueID(t, i)
		require.Equal(t, http.StatusOK, f.deliver(t, ids[i]), "a delivery is acknowledged once enqueued")
	}
	for _, id := range ids {
		require.Zero(t, f.counter(id).Load(), "nothing runs before the workers start")
	}
	start(t, f.q, f.h)
	for _, id := range ids {
		eventually(t, func() bool { return f.counter(id).Load() == 1 }, "each enqueued event runs")
	}
	settle()
	for _, id := range ids {
		require.Equal(t, int32(1), f.counter(id).Load(), "each event runs once")
	}
}

func testDuplicates(t *testing.T, h Harness) {
	f := newFixture(t, h, defaults())
	f.h.On("invoice.paid", func(_ context.Context, e *webhooks.Event) error { f.counter(e.ID).Add(1); return nil })
	id := uniqueID(t, 0)
	job := f.h.NewJob(&webhooks.Event{Provider: "stripe", ID: id, DedupKey: id, Type: "invoice.paid", Data: []byte(`{}`)})
	added, err := f.q.Enqueue(context.Background(), []*webhooks.Job{job})
	require.NoError(t, err)
	require.Equal(t, []bool{true}, added)
	added, err = f.q.Enqueue(context.Background(), []*webhooks.Job{job})
	require.NoError(t, err)
	require.Equal(t, []bool{false}, added, "a job with the same key waiting is a duplicate")
	other := f.h.NewJob(&webhooks.Event{Provider: "stripe", ID: id + "b", DedupKey: id + "b", Type: "invoice.paid", Data: []byte(`{}`)})
	added, err = f.q.Enqueue(context.Background(), []*webhooks.Job{job, other})
	require.NoError(t, err)
	require.Equal(t, []bool{false, true}, added, "a batch reports each job")
	for range 5 {
		require.Equal(t, http.StatusOK, f.deliver(t, id), "a duplicate delivery is acknowledged")
	}
	start(t, f.q, f.h)
	eventually(t, func() bool { return f.counter(id).Load() == 1 && f.counter(id+"b").Load() == 1 }, "both events run")
	added, err = f.q.Enqueue(context.Background(), []*webhooks.Job{job})
	require.NoError(t, err)
	require.Equal(t, []bool{false}, added, "a completed job within the retention is a duplicate")
	require.Equal(t, http.StatusOK, f.deliver(t, id))
	settle()
	require.Equal(t, int32(1), f.counter(id).Load(), "the event ran once")
}

func testSurvives(t *testing.T, h Harness) {
	f := newFixture(t, h, defaults(), webhooks.WithJobHeaders("X-Request-Id"))
	got := make(chan *webhooks.Event, 1)
	f.h.On("invoice.paid", func(_ context.Context, e *webhooks.Event) error { got <- e; return nil })
	start(t, f.q, f.h)
	id := uniqueID(t, 0)
	// Not valid UTF-8, spaces and key order that a JSON column would
	// change: the function sees the bytes the provider signed.
	body := []byte("{\"id\":\"" + id + "\",  \"type\":\"invoice.paid\",\"created\":1700000000,\"z\":1,\"a\":\"\xff\"}")
	hdr := webhookstest.SignStripe(body, secret, time.Now())
	hdr.Set("Authorization", "Bearer top-secret")
	hdr.Set("X-Request-Id", "req-1")
	hdr.Set("User-Agent", "Stripe/1.0")
	r := webhookstest.NewRequest("https://shop.example/webhooks/stripe?token=s3cr3t", body, hdr)
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var e *webhooks.Event
	select {
	case e = <-got:
	case <-time.After(30 * time.Second):
		t.Fatal("the event did not run")
	}
	require.Equal(t, "stripe", e.Provider)
	require.Equal(t, id, e.ID)
	require.Equal(t, id, e.DedupKey)
	require.Equal(t, "invoice.paid", e.Type)
	require.True(t, e.Time.Equal(time.Unix(1700000000, 0)), "the event time survives")
	require.Equal(t, body, []byte(e.Data), "the data survives byte for byte")
	require.NotNil(t, e.Delivery)
	require.Equal(t, http.MethodPost, e.Delivery.Method)
	require.Equal(t, "https://shop.example/webhooks/stripe", e.Delivery.URL.String(), "the query never reaches the queue")
	require.Equal(t, "req-1", e.Delivery.Header.Get("X-Request-Id"), "WithJobHeaders keeps a header")
	require.Equal(t, "Stripe/1.0", e.Delivery.Header.Get("User-Agent"))
	require.Empty(t, e.Delivery.Header.Get("Authorization"), "credentials never reach the queue")
	require.Empty(t, e.Delivery.Header.Get(webhooks.StripeSignatureHeader), "signatures never reach the queue")
	require.False(t, e.Delivery.ReceivedAt.IsZero())
	require.Nil(t, e.Delivery.Body)
}

func testRetried(t *testing.T, h Harness) {
	o := defaults()
	o.MaxAttempts = 5
	// Asynq schedules retries to the second: a wait shorter than that
	// cannot be told from none.
	o.Backoff = 2 * time.Second
	f := newFixture(t, h, o)
	var times []time.Time
	var mu sync.Mutex
	f.h.On("invoice.paid", func(_ context.Context, e *webhooks.Event) error {
		mu.Lock()
		defer mu.Unlock()
		times = append(times, time.Now())
		if len(times) < 3 {
			return errors.New("database busy")
		}
		f.counter(e.ID).Add(1)
		return nil
	})
	start(t, f.q, f.h)
	id := uniqueID(t, 0)
	require.Equal(t, http.StatusOK, f.deliver(t, id))
	eventually(t, func() bool { return f.counter(id).Load() == 1 }, "the job succeeds on its third attempt")
	settle()
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, times, 3, "a job that succeeded does not run again")
	for i := 1; i < len(times); i++ {
		require.GreaterOrEqual(t, times[i].Sub(times[i-1]), o.Backoff-time.Second, "retries wait for the backoff")
	}
	failed, err := f.q.Failed(context.Background(), 10)
	require.NoError(t, err)
	require.Empty(t, failed)
}

func testExhausted(t *testing.T, h Harness) {
	o := defaults()
	o.MaxAttempts = 2
	f := newFixture(t, h, o)
	var fail atomic.Bool
	fail.Store(true)
	var attempts atomic.Int32
	f.h.On("invoice.paid", func(_ context.Context, e *webhooks.Event) error {
		attempts.Add(1)
		if fail.Load() {
			return errors.New("template missing")
		}
		f.counter(e.ID).Add(1)
		return nil
	})
	start(t, f.q, f.h)
	id := uniqueID(t, 0)
	require.Equal(t, http.StatusOK, f.deliver(t, id))
	var failed []webhooks.JobInfo
	eventually(t, func() bool {
		var err error
		failed, err = f.q.Failed(context.Background(), 10)
		return err == nil && len(failed) == 1
	}, "the exhausted job is listed as failed")
	require.Equal(t, int32(2), attempts.Load(), "the job ran MaxAttempts times")
	info := failed[0]
	require.NotEmpty(t, info.ID)
	require.Equal(t, "stripe:"+id, info.Key)
	require.Equal(t, "stripe", info.Provider)
	require.Equal(t, id, info.EventID)
	require.Equal(t, "invoice.paid", info.Type)
	require.Equal(t, 2, info.Attempts)
	require.Contains(t, info.LastError, "template missing")
	require.False(t, info.FailedAt.IsZero())

	require.Equal(t, http.StatusOK, f.deliver(t, id), "a redelivery of a failed event is acknowledged")
	settle()
	require.Equal(t, int32(2), attempts.Load(), "a redelivery adds no job beside the failed one")

	require.ErrorIs(t, f.q.Retry(context.Background(), "999999999"), webhooks.ErrJobNotFound)
	require.ErrorIs(t, f.q.Retry(context.Background(), "not-an-id"), webhooks.ErrJobNotFound)
	fail.Store(false)
	require.NoError(t, f.q.Retry(context.Background(), info.ID))
	eventually(t, func() bool { return f.counter(id).Load() == 1 }, "a retried job runs again")
	failed, err := f.q.Failed(context.Background(), 10)
	require.NoError(t, err)
	require.Empty(t, failed)

	// RetryFailed queues every failed job.
	fail.Store(true)
	ids := []string{uniqueID(t, 1), uniqueID(t, 2)}
	for _, id := range ids {
		require.Equal(t, http.StatusOK, f.deliver(t, id))
	}
	eventually(t, func() bool {
		failed, err := f.q.Failed(context.Background(), 10)
		return err == nil && len(failed) == 2
	}, "both jobs fail")
	fail.Store(false)
	n, err := f.q.RetryFailed(context.Background())
	require.NoError(t, err)
	require.Equal(t, 2, n)
	for _, id := range ids {
		eventually(t, func() bool { return f.counter(id).Load() == 1 }, "every failed job runs again")
	}
}

func testCompletedInStore(t *testing.T, h Harness) {
	f := newFixture(t, h, defaults())
	f.h.On("invoice.paid", func(_ context.Context, e *webhooks.Event) error { f.counter(e.ID).Add(1); return nil })
	id := uniqueID(t, 0)
	// The event was processed before the queue was turned on: its key is
	// completed in the store the workers share.
	a, err := mustRunner(t, f.store).Claim(context.Background(), "stripe:"+id, "")
	require.NoError(t, err)
	require.NoError(t, a.Complete(context.Background(), idempotency.Record{Status: 200}))
	require.Equal(t, http.StatusOK, f.deliver(t, id))
	start(t, f.q, f.h)
	settle()
	settle()
	require.Zero(t, f.counter(id).Load(), "an event completed in the store does not run again")
	failed, err := f.q.Failed(context.Background(), 10)
	require.NoError(t, err)
	require.Empty(t, failed, "its job completes")
}

func mustRunner(t *testing.T, s idempotency.Store) *idempotency.Runner {
	r, err := idempotency.NewRunner(s)
	require.NoError(t, err)
	return r
}

func testStopFinishes(t *testing.T, h Harness) {
	f := newFixture(t, h, defaults())
	started, release := make(chan struct{}), make(chan struct{})
	var done atomic.Int32
	f.h.On("invoice.paid", func(ctx context.Context, e *webhooks.Event) error {
		close(started)
		select {
		case <-release:
		case <-ctx.Done():
			return ctx.Err()
		}
		done.Add(1)
		return nil
	})
	require.NoError(t, f.q.Start(context.Background(), f.h))
	require.Equal(t, http.StatusOK, f.deliver(t, uniqueID(t, 0)))
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("the job did not start")
	}
	stopped := make(chan error, 1)
	go func() { stopped <- f.q.Stop(context.Background()) }()
	time.Sleep(200 * time.Millisecond)
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while a job was running", err)
	default:
	}
	close(release)
	select {
	case err := <-stopped:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("Stop did not return after the job finished")
	}
	require.Equal(t, int32(1), done.Load(), "the running job finished")
	// Nothing is fetched once stopped.
	later := uniqueID(t, 1)
	require.Equal(t, http.StatusOK, f.deliver(t, later))
	settle()
	require.Equal(t, int32(1), done.Load(), "a stopped queue fetches nothing")
}

func testStopCancels(t *testing.T, h Harness) {
	o := defaults()
	o.ShutdownTimeout = 300 * time.Millisecond
	f := newFixture(t, h, o)
	started := make(chan struct{}, 4)
	var cancelled, completed atomic.Int32
	var first atomic.Bool
	first.Store(true)
	f.h.On("invoice.paid", func(ctx context.Context, e *webhooks.Event) error {
		if !first.Swap(false) {
			completed.Add(1)
			return nil
		}
		started <- struct{}{}
		<-ctx.Done()
		cancelled.Add(1)
		return ctx.Err()
	})
	require.NoError(t, f.q.Start(context.Background(), f.h))
	require.Equal(t, http.StatusOK, f.deliver(t, uniqueID(t, 0)))
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("the job did not start")
	}
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_ = f.q.Stop(ctx)
	require.Less(t, time.Since(t0), 15*time.Second, "Stop cancels a job that outlives the shutdown timeout")
	require.Equal(t, int32(1), cancelled.Load(), "the running job's context was cancelled")
	// The cancelled job runs again once workers run.
	start(t, f.q, f.h)
	eventually(t, func() bool { return completed.Load() == 1 }, "the cancelled job is retried")
}

func testReplicas(t *testing.T, h Harness) {
	if h.Replica == nil {
		t.Skip("queuetest: Harness.Replica is nil")
	}
	o := defaults()
	f := newFixture(t, h, o)
	q2 := h.Replica(t, f.q, o)
	t.Cleanup(func() { _ = q2.Close() })
	f2 := newFixtureOn(t, q2, f.store)
	var total atomic.Int32
	fn := func(_ context.Context, e *webhooks.Event) error { f.counter(e.ID).Add(1); total.Add(1); return nil }
	f.h.On("invoice.paid", fn)
	f2.h.On("invoice.paid", fn)
	start(t, f.q, f.h)
	start(t, q2, f2.h)
	const n, dups = 50, 4
	var wg sync.WaitGroup
	for i := range n {
		id := uniqueID(t, i)
		for d := range dups {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h := f.h
				if d%2 == 1 {
					h = f2.h
				}
				require.Equal(t, http.StatusOK, f.deliverTo(t, h, id))
			}()
		}
	}
	wg.Wait()
	eventually(t, func() bool { return total.Load() >= n }, "every event runs")
	settle()
	require.Equal(t, int32(n), total.Load(), "each event runs once across both replicas")
}

func testUnavailable(t *testing.T, h Harness) {
	if h.InjectError == nil {
		t.Skip("queuetest: Harness.InjectError is nil")
	}
	f := newFixture(t, h, defaults())
	f.h.On("invoice.paid", func(_ context.Context, e *webhooks.Event) error { f.counter(e.ID).Add(1); return nil })
	if !h.InjectError(t, f.q, webhooks.ErrQueueUnavailable) {
		t.Skip("queuetest: the backend cannot fail as ErrQueueUnavailable")
	}
	id := uniqueID(t, 0)
	job := f.h.NewJob(&webhooks.Event{Provider: "stripe", ID: id, DedupKey: id, Type: "invoice.paid", Data: []byte(`{}`)})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := f.q.Enqueue(ctx, []*webhooks.Job{job})
	require.ErrorIs(t, err, webhooks.ErrQueueUnavailable)
	require.Equal(t, http.StatusServiceUnavailable, f.deliver(t, id), "a delivery the queue cannot store is not acknowledged")
	require.True(t, h.InjectError(t, f.q, nil), "InjectError with a nil kind restores the backend")
	require.Equal(t, http.StatusOK, f.deliver(t, id), "the provider's retry is stored")
	start(t, f.q, f.h)
	eventually(t, func() bool { return f.counter(id).Load() == 1 }, "the event runs after recovery")
}
