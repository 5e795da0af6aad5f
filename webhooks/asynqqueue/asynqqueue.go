package asynqqueue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/switchboard-go/switchboard/webhooks"
)

// Name names this backend in errors and log lines.
const Name = "asynq"

// TaskType is the Asynq task type of a queued webhook event.
const TaskType = "switchboard:webhook_event"

// Defaults of a Queue.
const (
	// DefaultQueueName is the Asynq queue the tasks go to.
	DefaultQueueName = "webhooks"
	// DefaultWorkers is how many tasks one process runs at a time.
	DefaultWorkers = 10
	// DefaultMaxAttempts is how many times a task runs before it is
	// archived: Asynq's default of 25 retries, plus the first run.
	DefaultMaxAttempts = 26
	// DefaultJobTimeout bounds one run of a task. Keep it under the
	// Handler's lease (webhooks.WithLease).
	DefaultJobTimeout = time.Minute
	// DefaultShutdownTimeout is how long Stop lets running tasks finish
	// before it cancels them.
	DefaultShutdownTimeout = 30 * time.Second
	// DefaultRetention is how long a completed task is kept: while it is,
	// its ID blocks a duplicate. It matches webhooks.DefaultTTL.
	DefaultRetention = webhooks.DefaultTTL
)

func init() {
	webhooks.RegisterQueue("redis", openURL)
	webhooks.RegisterQueue("rediss", openURL)
}

// Option configures New and Open. A value out of range makes the
// constructor fail with an error wrapping webhooks.ErrInvalidConfig.
type Option func(*config) error

type config struct {
	queue           string
	workers         int
	maxAttempts     int
	backoff         func(attempt int) time.Duration
	jobTimeout      time.Duration
	shutdownTimeout time.Duration
	retention       time.Duration
	pollInterval    time.Duration
	log             *slog.Logger
	logSet          bool
}

func configErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", webhooks.ErrInvalidConfig, Name, fmt.Sprintf(format, args...))
}

var queueNameRE = regexp.MustCompile(`\A[A-Za-z0-9_\-.]{1,64}\z`)

// WithQueueName sets the Asynq queue (DefaultQueueName unless set): 1 to
// 64 letters, digits, '-', '_' or '.'. Asynq keeps every key of a queue
// under "asynq:{name}:", so the name is also what keeps two applications
// sharing a Redis apart.
func WithQueueName(name string) Option {
	return func(c *config) error {
		if !queueNameRE.MatchString(name) {
			return configErrorf("WithQueueName needs 1 to 64 letters, digits, '-', '_' or '.'")
		}
		c.queue = name
		return nil
	}
}

// WithWorkers sets how many tasks this process runs at a time
// (DefaultWorkers unless set), between 1 and 10,000.
func WithWorkers(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 10000 {
			return configErrorf("WithWorkers must be between 1 and 10000")
		}
		c.workers = n
		return nil
	}
}

// WithMaxAttempts sets how many times a task runs before it is archived
// (DefaultMaxAttempts unless set). It must be at least 1.
func WithMaxAttempts(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return configErrorf("WithMaxAttempts must be at least 1")
		}
		c.maxAttempts = n
		return nil
	}
}

// WithBackoff sets the wait before the retry of a failed task: attempt is
// 1 after the first failure. Without it Asynq's policy applies (n⁴ + 15 s
// plus jitter). A nil function is an error.
func WithBackoff(f func(attempt int) time.Duration) Option {
	return func(c *config) error {
		if f == nil {
			return configErrorf("WithBackoff needs a function")
		}
		c.backoff = f
		return nil
	}
}

// WithJobTimeout bounds one run of a task (DefaultJobTimeout unless set).
func WithJobTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return configErrorf("WithJobTimeout must be positive")
		}
		c.jobTimeout = d
		return nil
	}
}

// WithShutdownTimeout sets how long Stop lets running tasks finish before
// it cancels them (DefaultShutdownTimeout unless set).
func WithShutdownTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return configErrorf("WithShutdownTimeout must be positive")
		}
		c.shutdownTimeout = d
		return nil
	}
}

// WithRetention sets how long a completed task is kept (DefaultRetention
// unless set). It must be positive.
func WithRetention(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return configErrorf("WithRetention must be positive")
		}
		c.retention = d
		return nil
	}
}

// WithPollInterval sets how often workers look for new tasks when the
// queue is empty and move retries that are due (Asynq's defaults, 1 s and
// 5 s, unless set). It must be at least 10 ms.
func WithPollInterval(d time.Duration) Option {
	return func(c *config) error {
		if d < 10*time.Millisecond {
			return configErrorf("WithPollInterval must be at least 10ms")
		}
		c.pollInterval = d
		return nil
	}
}

// WithLogger routes Asynq's own log lines to l. Without it Asynq logs
// nowhere.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return configErrorf("WithLogger needs a logger")
		}
		c.log, c.logSet = l, true
		return nil
	}
}

// Queue is a webhooks.Queue on Asynq and Redis. The task ID is the event's
// key, so Redis refuses a second task for an event while the first is
// pending, running, waiting for a retry, archived or retained after
// completion. Enqueueing is not atomic with a SQL transaction.
type Queue struct {
	rdb       redis.UniversalClient
	client    *asynq.Client
	inspector *asynq.Inspector
	cfg       config
	ownsRDB   bool

	mu      sync.Mutex
	srv     *asynq.Server
	runCtx  context.Context
	stopRun context.CancelFunc
	running sync.WaitGroup
	closed  bool
}

var _ webhooks.Queue = (*Queue)(nil)

// New returns a Queue on the Redis client rdb, which the caller keeps and
// closes after the Queue.
func New(rdb redis.UniversalClient, opts ...Option) (*Queue, error) {
	if rdb == nil {
		return nil, configErrorf("New needs a Redis client")
	}
	cfg := config{queue: DefaultQueueName, workers: DefaultWorkers, maxAttempts: DefaultMaxAttempts,
		jobTimeout: DefaultJobTimeout, shutdownTimeout: DefaultShutdownTimeout, retention: DefaultRetention,
		log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		if o == nil {
			return nil, configErrorf("nil option")
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	q := &Queue{rdb: rdb, client: asynq.NewClientFromRedisClient(rdb), inspector: asynq.NewInspectorFromRedisClient(rdb), cfg: cfg}
	var l *slog.Logger
	if cfg.logSet {
		l = cfg.log
	}
	routeDriverLogs(q, l)
	return q, nil
}

// Open opens a Queue from a redis:// or rediss:// URL (go-redis's
// redis.ParseURL form). It closes the client it opened when the Queue is
// closed. Errors never quote the URL.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Queue, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, configErrorf("the queue URL does not parse")
	}
	return open(ctx, u, opts...)
}

func openURL(ctx context.Context, u *url.URL) (webhooks.Queue, error) { return open(ctx, u) }

func open(ctx context.Context, u *url.URL, opts ...Option) (*Queue, error) {
	ro, err := redis.ParseURL(u.String())
	if err != nil {
		return nil, configErrorf("the Redis URL is not valid")
	}
	driverLog.install.Do(func() { redis.SetLogger(router{}) })
	rdb := redis.NewClient(ro)
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("%w: %s: connecting: %v", webhooks.ErrQueueUnavailable, Name, redactErr(err, u))
	}
	q, err := New(rdb, opts...)
	if err != nil {
		_ = rdb.Close()
		return nil, err
	}
	q.ownsRDB = true
	return q, nil
}

// redactErr drops the password from an error that may quote the URL.
func redactErr(err error, u *url.URL) string {
	s := err.Error()
	if p, ok := u.User.Password(); ok && p != "" {
		s = strings.ReplaceAll(s, p, "xxxxx")
	}
	return s
}

// Enqueue adds one task per job, its ID the job's key (webhooks.Queue).
func (q *Queue) Enqueue(ctx context.Context, jobs []*webhooks.Job) ([]bool, error) {
	out := make([]bool, len(jobs))
	for i, j := range jobs {
		if j == nil || j.Key == "" {
			return nil, fmt.Errorf("%s: Enqueue: job %d has no key", Name, i)
		}
		payload, err := json.Marshal(j)
		if err != nil {
			return nil, fmt.Errorf("%s: encoding job %d: %w", Name, i, err)
		}
		_, err = q.client.EnqueueContext(ctx, asynq.NewTask(TaskType, payload),
			asynq.TaskID(j.Key), asynq.Queue(q.cfg.queue), asynq.MaxRetry(q.cfg.maxAttempts-1),
			asynq.Timeout(q.cfg.jobTimeout), asynq.Retention(q.cfg.retention))
		switch {
		case errors.Is(err, asynq.ErrTaskIDConflict):
		case err != nil:
			return nil, fmt.Errorf("%w: %s: enqueueing: %w", webhooks.ErrQueueUnavailable, Name, err)
		default:
			out[i] = true
		}
	}
	return out, nil
}

// Start starts an Asynq server for the queue that hands each task to p
// (webhooks.Queue).
func (q *Queue) Start(ctx context.Context, p webhooks.Processor) error {
	if p == nil {
		return fmt.Errorf("%w: %s: Start needs a Processor", webhooks.ErrInvalidConfig, Name)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.closed:
		return fmt.Errorf("%s: Start on a closed queue", Name)
	case q.srv != nil:
		return fmt.Errorf("%s: the workers run already", Name)
	}
	cfg := asynq.Config{
		Concurrency:     q.cfg.workers,
		Queues:          map[string]int{q.cfg.queue: 1},
		ShutdownTimeout: q.cfg.shutdownTimeout,
		Logger:          slogAdapter{q.cfg.log},
		LogLevel:        asynq.DebugLevel,
	}
	if q.cfg.pollInterval > 0 {
		cfg.TaskCheckInterval = q.cfg.pollInterval
		cfg.DelayedTaskCheckInterval = q.cfg.pollInterval
	}
	if b := q.cfg.backoff; b != nil {
		cfg.RetryDelayFunc = func(n int, _ error, _ *asynq.Task) time.Duration { return max(b(n+1), 0) }
	}
	runCtx, stopRun := context.WithCancel(context.WithoutCancel(ctx))
	srv := asynq.NewServerFromRedisClient(q.rdb, cfg)
	handler := asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		q.running.Add(1)
		defer q.running.Done()
		// Stop cancels running tasks through runCtx once the shutdown
		// timeout has passed.
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		defer context.AfterFunc(runCtx, cancel)()
		var j webhooks.Job
		if err := json.Unmarshal(t.Payload(), &j); err != nil {
			return err
		}
		return p.Process(ctx, &j)
	})
	if err := srv.Start(handler); err != nil {
		stopRun()
		return fmt.Errorf("%w: %s: starting workers: %v", webhooks.ErrQueueUnavailable, Name, err)
	}
	q.srv, q.runCtx, q.stopRun = srv, runCtx, stopRun
	return nil
}

// cancelWait bounds how long Stop waits for cancelled tasks to return.
const cancelWait = 10 * time.Second

// Stop stops fetching, lets running tasks finish for the shutdown timeout
// or until ctx is done, then cancels them (Asynq puts them back in the
// queue) and waits up to ten seconds for them to return (webhooks.Queue).
func (q *Queue) Stop(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.srv == nil {
		return nil
	}
	srv, stopRun := q.srv, q.stopRun
	q.srv = nil
	done := make(chan struct{})
	go func() { srv.Shutdown(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	stopRun()
	waited := make(chan struct{})
	go func() { q.running.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(cancelWait):
		return fmt.Errorf("%s: tasks still running after cancellation", Name)
	}
	<-done
	return err
}

// Close stops the workers and closes the Redis client Open opened.
func (q *Queue) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), q.cfg.shutdownTimeout+cancelWait)
	defer cancel()
	err := q.Stop(ctx)
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return err
	}
	q.closed = true
	unrouteDriverLogs(q)
	if q.ownsRDB {
		return errors.Join(err, q.rdb.Close())
	}
	return err
}

// Failed lists archived tasks, newest first (webhooks.Queue).
func (q *Queue) Failed(ctx context.Context, limit int) ([]webhooks.JobInfo, error) {
	if limit < 1 {
		return nil, nil
	}
	tasks, err := q.inspector.ListArchivedTasks(q.cfg.queue, asynq.PageSize(min(limit, 10000)))
	if errors.Is(err, asynq.ErrQueueNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: listing tasks: %w", webhooks.ErrQueueUnavailable, Name, err)
	}
	out := make([]webhooks.JobInfo, 0, len(tasks))
	for _, t := range tasks {
		if t.Type != TaskType {
			continue
		}
		info := webhooks.JobInfo{ID: t.ID, Key: t.ID, Attempts: t.Retried + 1, MaxAttempts: t.MaxRetry + 1,
			LastError: t.LastErr, FailedAt: t.LastFailedAt}
		var j webhooks.Job
		if json.Unmarshal(t.Payload, &j) == nil {
			info.Provider, info.EventID, info.Type = j.Event.Provider, j.Event.ID, j.Event.Type
			if j.Event.Delivery != nil {
				info.EnqueuedAt = j.Event.Delivery.ReceivedAt
			}
		}
		out = append(out, info)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].FailedAt.After(out[b].FailedAt) })
	return out, nil
}

// Retry moves an archived task back to pending for one more attempt
// (webhooks.Queue).
func (q *Queue) Retry(ctx context.Context, id string) error {
	info, err := q.inspector.GetTaskInfo(q.cfg.queue, id)
	switch {
	case errors.Is(err, asynq.ErrTaskNotFound), errors.Is(err, asynq.ErrQueueNotFound):
		return fmt.Errorf("%w: %s: task %q", webhooks.ErrJobNotFound, Name, id)
	case err != nil:
		return fmt.Errorf("%w: %s: reading task: %w", webhooks.ErrQueueUnavailable, Name, err)
	case info.State != asynq.TaskStateArchived || info.Type != TaskType:
		return fmt.Errorf("%w: %s: task %q is not a failed task of this queue", webhooks.ErrJobNotFound, Name, id)
	}
	if err := q.inspector.RunTask(q.cfg.queue, id); err != nil {
		return fmt.Errorf("%w: %s: retrying task: %w", webhooks.ErrQueueUnavailable, Name, err)
	}
	return nil
}

// RetryFailed moves every archived task back to pending (webhooks.Queue).
func (q *Queue) RetryFailed(ctx context.Context) (int, error) {
	n, err := q.inspector.RunAllArchivedTasks(q.cfg.queue)
	if errors.Is(err, asynq.ErrQueueNotFound) {
		return 0, nil
	}
	if err != nil {
		return n, fmt.Errorf("%w: %s: retrying tasks: %w", webhooks.ErrQueueUnavailable, Name, err)
	}
	return n, nil
}

// slogAdapter routes Asynq's logger to a slog.Logger.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) log(level slog.Level, args []any) {
	if a.l.Enabled(context.Background(), level) {
		a.l.Log(context.Background(), level, fmt.Sprint(args...), slog.String("queue_backend", Name))
	}
}
func (a slogAdapter) Debug(args ...any) { a.log(slog.LevelDebug, args) }
func (a slogAdapter) Info(args ...any)  { a.log(slog.LevelInfo, args) }
func (a slogAdapter) Warn(args ...any)  { a.log(slog.LevelWarn, args) }
func (a slogAdapter) Error(args ...any) { a.log(slog.LevelError, args) }
func (a slogAdapter) Fatal(args ...any) { a.log(slog.LevelError, args) }
