package riverqueue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	_ "modernc.org/sqlite" // the SQLite driver Open uses

	"github.com/switchboard-go/switchboard/webhooks"
)

// Name names this backend in errors and log lines.
const Name = "river"

// Kind is the River job kind of a queued webhook event.
const Kind = "switchboard_webhook_event"

// ErrMigrationsPending is returned by the constructors when River's tables
// are missing or older than this version of River expects: run Migrate,
// pass WithMigrate, or run "switchboard webhooks jobs migrate".
var ErrMigrationsPending = errors.New("riverqueue: River's migrations have not run")

func init() {
	webhooks.RegisterQueue("postgres", openURL)
	webhooks.RegisterQueue("postgresql", openURL)
	webhooks.RegisterQueue("sqlite", openURL)
}

// JobArgs are the River arguments of a queued event. River de-duplicates
// jobs on Key alone (the field tagged unique), in every state but
// cancelled: a job waiting, running, retrying, failed (discarded) or
// completed within the retention blocks a second one for the same event.
type JobArgs struct {
	// Key is the event's idempotency key, webhooks.Job.Key.
	Key string `json:"key" river:"unique"`
	// Job is the event.
	Job *webhooks.Job `json:"job"`
}

// Kind returns Kind.
func (JobArgs) Kind() string { return Kind }

// uniqueStates are River's default unique states plus discarded: a failed
// job stays the event's one job until it is retried or cleaned up.
var uniqueStates = append(rivertype.UniqueOptsByStateDefault(), rivertype.JobStateDiscarded)

// Queue is a webhooks.Queue on River. TTx is the driver's transaction type:
// pgx.Tx for PostgreSQL, *sql.Tx for SQLite.
type Queue[TTx any] struct {
	client *river.Client[TTx]
	driver riverdriver.Driver[TTx]
	cfg    config
	proc   atomic.Pointer[webhooks.Processor]

	mu      sync.Mutex
	started bool
	closed  bool
	closers []func()
}

var _ webhooks.Queue = (*Queue[pgx.Tx])(nil)

// New returns a Queue on a River driver. It checks that River's migrations
// ran (ErrMigrationsPending otherwise) or, with WithMigrate, runs them.
// Bad options are errors wrapping webhooks.ErrInvalidConfig.
func New[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], opts ...Option) (*Queue[TTx], error) {
	if driver == nil {
		return nil, configErrorf("New needs a driver")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			return nil, configErrorf("nil option")
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.rescueAfter <= cfg.jobTimeout {
		return nil, configErrorf("WithRescueAfter (%v) must exceed the job timeout (%v)", cfg.rescueAfter, cfg.jobTimeout)
	}
	q := &Queue[TTx]{driver: driver, cfg: cfg}
	if cfg.migrate {
		if err := q.Migrate(ctx); err != nil {
			return nil, err
		}
	} else if err := q.validate(ctx); err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &worker[TTx]{q: q}); err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	rc := &river.Config{
		Logger:                      cfg.log,
		Schema:                      cfg.schema,
		Queues:                      map[string]river.QueueConfig{cfg.queue: {MaxWorkers: cfg.workers}},
		Workers:                     workers,
		MaxAttempts:                 cfg.maxAttempts,
		JobTimeout:                  cfg.jobTimeout,
		RescueStuckJobsAfter:        cfg.rescueAfter,
		SoftStopTimeout:             cfg.shutdownTimeout,
		CompletedJobRetentionPeriod: cfg.retention,
		DiscardedJobRetentionPeriod: cfg.failedRetention,
	}
	if cfg.pollInterval > 0 {
		rc.FetchPollInterval = cfg.pollInterval
		rc.FetchCooldown = min(cfg.pollInterval, 100*time.Millisecond)
	}
	client, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", webhooks.ErrInvalidConfig, Name, err)
	}
	q.client = client
	return q, nil
}

// NewPostgres returns a Queue on PostgreSQL through pool (River's pgx v5
// driver). The caller keeps the pool and closes it after the Queue. Size
// the pool for the deliveries that enqueue at once plus River's own
// connections (DefaultMaxConns is what Open uses): with pgx's default of
// four, concurrent deliveries wait for a connection.
func NewPostgres(ctx context.Context, pool *pgxpool.Pool, opts ...Option) (*Queue[pgx.Tx], error) {
	if pool == nil {
		return nil, configErrorf("NewPostgres needs a pool")
	}
	return New(ctx, riverpgxv5.New(pool), opts...)
}

// NewSQLite returns a Queue on an SQLite database (River's SQLite driver;
// open db with modernc.org/sqlite, driver name "sqlite"). River reaches
// SQLite through one connection at a time: NewSQLite sets
// db.SetMaxOpenConns(1). SQLite has no notifications, so workers poll
// (WithPollInterval). WithSchema does not apply. The caller keeps db and
// closes it after the Queue. One process should use a database file: the
// PostgreSQL queue is the one for several replicas.
func NewSQLite(ctx context.Context, db *sql.DB, opts ...Option) (*Queue[*sql.Tx], error) {
	if db == nil {
		return nil, configErrorf("NewSQLite needs a database")
	}
	var probe config
	for _, o := range opts {
		if o != nil {
			_ = o(&probe)
		}
	}
	if probe.schema != "" {
		return nil, configErrorf("WithSchema does not apply to SQLite, where a schema is a database file")
	}
	db.SetMaxOpenConns(1)
	return New(ctx, riversqlite.New(db), opts...)
}

// DefaultMaxConns is the size of the connection pool Open creates for a
// postgres:// URL without a pool_max_conns parameter. Each enqueue is one
// short transaction, and River itself holds a connection for LISTEN and
// uses others to fetch and complete jobs; pgx's own default (four, or one
// per CPU) makes concurrent deliveries wait for a connection.
const DefaultMaxConns = 32

// Open opens a Queue from a URL: postgres://user@host:5432/db (pgx
// connection string; an extra "schema" parameter is taken as WithSchema,
// and the pool holds DefaultMaxConns connections unless pool_max_conns
// says otherwise)
// or sqlite:///path/to/queue.db (sqlite://queue.db for a relative path).
// The Queue closes the pool or database it opened when it is closed.
// Errors never quote the URL.
func Open(ctx context.Context, rawURL string, opts ...Option) (webhooks.Queue, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, configErrorf("the queue URL does not parse")
	}
	return open(ctx, u, opts...)
}

func openURL(ctx context.Context, u *url.URL) (webhooks.Queue, error) { return open(ctx, u) }

func open(ctx context.Context, u *url.URL, opts ...Option) (webhooks.Queue, error) {
	switch strings.ToLower(u.Scheme) {
	case "postgres", "postgresql":
		pu := *u
		qv := pu.Query()
		if s := qv.Get("schema"); s != "" {
			opts = append([]Option{WithSchema(s)}, opts...)
			qv.Del("schema")
			pu.RawQuery = qv.Encode()
		}
		pcfg, err := pgxpool.ParseConfig(pu.String())
		if err != nil {
			return nil, configErrorf("the PostgreSQL URL is not a valid connection string")
		}
		if !qv.Has("pool_max_conns") {
			// pgx's default (four, or one per CPU) leaves concurrent
			// deliveries queueing for a connection behind River's own
			// listener, fetcher and completer.
			pcfg.MaxConns = max(pcfg.MaxConns, DefaultMaxConns)
		}
		pool, err := pgxpool.NewWithConfig(ctx, pcfg)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: connecting: %v", webhooks.ErrQueueUnavailable, Name, err)
		}
		q, err := NewPostgres(ctx, pool, opts...)
		if err != nil {
			pool.Close()
			return nil, err
		}
		q.closers = append(q.closers, pool.Close)
		return q, nil
	case "sqlite":
		path := u.Host + u.Path
		if u.Opaque != "" {
			path = u.Opaque
		}
		if path == "" {
			return nil, configErrorf("the SQLite URL names no file (sqlite:///path/to/queue.db)")
		}
		// FULL: a job acknowledged to the provider survives a power cut.
		db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)")
		if err != nil {
			return nil, configErrorf("opening the SQLite database: %v", err)
		}
		q, err := NewSQLite(ctx, db, opts...)
		if err != nil {
			_ = db.Close()
			return nil, err
		}
		q.closers = append(q.closers, func() { _ = db.Close() })
		return q, nil
	}
	return nil, configErrorf("unsupported URL scheme %q (postgres, postgresql, sqlite)", u.Scheme)
}

// Client returns the River client, for what this package does not cover
// (River UI endpoints, queue pausing, metrics).
func (q *Queue[TTx]) Client() *river.Client[TTx] { return q.client }

// Migrate runs River's pending migrations (up).
func (q *Queue[TTx]) Migrate(ctx context.Context) error {
	m, err := rivermigrate.New(q.driver, &rivermigrate.Config{Schema: q.cfg.schema, Logger: q.cfg.log})
	if err != nil {
		return fmt.Errorf("%s: migrations: %w", Name, err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("%w: %s: migrating: %v", webhooks.ErrQueueUnavailable, Name, err)
	}
	return nil
}

func (q *Queue[TTx]) validate(ctx context.Context) error {
	m, err := rivermigrate.New(q.driver, &rivermigrate.Config{Schema: q.cfg.schema, Logger: q.cfg.log})
	if err != nil {
		return fmt.Errorf("%s: migrations: %w", Name, err)
	}
	res, err := m.Validate(ctx, nil)
	if err != nil {
		return fmt.Errorf("%w: %s: checking migrations: %v", webhooks.ErrQueueUnavailable, Name, err)
	}
	if !res.OK {
		return fmt.Errorf("%w: %s", ErrMigrationsPending, strings.Join(res.Messages, "; "))
	}
	return nil
}

// insertParams are the River insert parameters of jobs.
func (q *Queue[TTx]) insertParams(jobs []*webhooks.Job) ([]river.InsertManyParams, error) {
	params := make([]river.InsertManyParams, len(jobs))
	opts := &river.InsertOpts{
		Queue:       q.cfg.queue,
		MaxAttempts: q.cfg.maxAttempts,
		UniqueOpts:  river.UniqueOpts{ByArgs: true, ByState: uniqueStates},
	}
	for i, j := range jobs {
		if j == nil || j.Key == "" {
			return nil, fmt.Errorf("%s: Enqueue: job %d has no key", Name, i)
		}
		params[i] = river.InsertManyParams{Args: JobArgs{Key: j.Key, Job: j}, InsertOpts: opts}
	}
	return params, nil
}

// Enqueue inserts jobs in one transaction (webhooks.Queue).
func (q *Queue[TTx]) Enqueue(ctx context.Context, jobs []*webhooks.Job) ([]bool, error) {
	params, err := q.insertParams(jobs)
	if err != nil {
		return nil, err
	}
	res, err := q.client.InsertMany(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: inserting jobs: %w", webhooks.ErrQueueUnavailable, Name, err)
	}
	return added(res), nil
}

// EnqueueTx inserts jobs within the caller's transaction: they become
// visible to workers when it commits, and vanish if it rolls back. Build
// the jobs with webhooks.Handler.NewJob.
func (q *Queue[TTx]) EnqueueTx(ctx context.Context, tx TTx, jobs []*webhooks.Job) ([]bool, error) {
	params, err := q.insertParams(jobs)
	if err != nil {
		return nil, err
	}
	res, err := q.client.InsertManyTx(ctx, tx, params)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: inserting jobs: %w", webhooks.ErrQueueUnavailable, Name, err)
	}
	return added(res), nil
}

func added(res []*rivertype.JobInsertResult) []bool {
	out := make([]bool, len(res))
	for i, r := range res {
		out[i] = !r.UniqueSkippedAsDuplicate
	}
	return out
}

// Start starts River's workers for the queue, handing each job to p
// (webhooks.Queue). The workers run until Stop or Close, whatever becomes
// of ctx.
func (q *Queue[TTx]) Start(ctx context.Context, p webhooks.Processor) error {
	if p == nil {
		return fmt.Errorf("%w: %s: Start needs a Processor", webhooks.ErrInvalidConfig, Name)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.closed:
		return fmt.Errorf("%s: Start on a closed queue", Name)
	case q.started:
		return fmt.Errorf("%s: the workers run already", Name)
	}
	q.proc.Store(&p)
	if err := q.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("%w: %s: starting workers: %v", webhooks.ErrQueueUnavailable, Name, err)
	}
	q.started = true
	return nil
}

// cancelWait bounds how long Stop waits for cancelled jobs to return.
const cancelWait = 10 * time.Second

// Stop stops fetching, lets running jobs finish for the shutdown timeout
// or until ctx is done, then cancels them and waits up to ten seconds for
// them to return (webhooks.Queue). It returns ctx's error when ctx ended
// the wait.
func (q *Queue[TTx]) Stop(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.started {
		return nil
	}
	q.started = false
	err := q.client.Stop(ctx)
	if err == nil {
		return nil
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cancelWait)
	defer cancel()
	if cerr := q.client.StopAndCancel(cctx); cerr != nil {
		return fmt.Errorf("%s: jobs still running after cancellation: %w", Name, cerr)
	}
	return err
}

// Close stops the workers (as Stop, with the shutdown timeout) and closes
// what Open opened.
func (q *Queue[TTx]) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), q.cfg.shutdownTimeout+cancelWait)
	defer cancel()
	err := q.Stop(ctx)
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		for _, c := range q.closers {
			c()
		}
	}
	return err
}

// listParams lists this queue's jobs of kind Kind in state.
func (q *Queue[TTx]) listParams(state rivertype.JobState, limit int) *river.JobListParams {
	return river.NewJobListParams().Queues(q.cfg.queue).Kinds(Kind).States(state).
		OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(limit)
}

// Failed lists discarded jobs, newest first (webhooks.Queue).
func (q *Queue[TTx]) Failed(ctx context.Context, limit int) ([]webhooks.JobInfo, error) {
	if limit < 1 {
		return nil, nil
	}
	res, err := q.client.JobList(ctx, q.listParams(rivertype.JobStateDiscarded, min(limit, 10000)))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: listing jobs: %w", webhooks.ErrQueueUnavailable, Name, err)
	}
	out := make([]webhooks.JobInfo, 0, len(res.Jobs))
	for _, row := range res.Jobs {
		out = append(out, jobInfo(row))
	}
	return out, nil
}

func jobInfo(row *rivertype.JobRow) webhooks.JobInfo {
	info := webhooks.JobInfo{ID: strconv.FormatInt(row.ID, 10), Attempts: row.Attempt, MaxAttempts: row.MaxAttempts,
		EnqueuedAt: row.CreatedAt}
	var args JobArgs
	if json.Unmarshal(row.EncodedArgs, &args) == nil {
		info.Key = args.Key
		if args.Job != nil {
			info.Provider, info.EventID, info.Type = args.Job.Event.Provider, args.Job.Event.ID, args.Job.Event.Type
		}
	}
	if n := len(row.Errors); n > 0 {
		info.LastError = row.Errors[n-1].Error
		info.FailedAt = row.Errors[n-1].At
	}
	if row.FinalizedAt != nil {
		info.FailedAt = *row.FinalizedAt
	}
	return info
}

// Retry makes a discarded job available again for one more attempt
// (webhooks.Queue).
func (q *Queue[TTx]) Retry(ctx context.Context, id string) error {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return fmt.Errorf("%w: %s: job id %q", webhooks.ErrJobNotFound, Name, id)
	}
	row, err := q.client.JobGet(ctx, n)
	switch {
	case errors.Is(err, river.ErrNotFound):
		return fmt.Errorf("%w: %s: job %d", webhooks.ErrJobNotFound, Name, n)
	case err != nil:
		return fmt.Errorf("%w: %s: reading job %d: %w", webhooks.ErrQueueUnavailable, Name, n, err)
	case row.Kind != Kind || row.Queue != q.cfg.queue || row.State != rivertype.JobStateDiscarded:
		return fmt.Errorf("%w: %s: job %d is not a failed job of this queue", webhooks.ErrJobNotFound, Name, n)
	}
	if _, err := q.client.JobRetry(ctx, n); err != nil {
		if errors.Is(err, river.ErrNotFound) {
			return fmt.Errorf("%w: %s: job %d", webhooks.ErrJobNotFound, Name, n)
		}
		return fmt.Errorf("%w: %s: retrying job %d: %w", webhooks.ErrQueueUnavailable, Name, n, err)
	}
	return nil
}

// RetryFailed makes every discarded job available again (webhooks.Queue).
func (q *Queue[TTx]) RetryFailed(ctx context.Context) (int, error) {
	n := 0
	for {
		res, err := q.client.JobList(ctx, q.listParams(rivertype.JobStateDiscarded, 500))
		if err != nil {
			return n, fmt.Errorf("%w: %s: listing jobs: %w", webhooks.ErrQueueUnavailable, Name, err)
		}
		if len(res.Jobs) == 0 {
			return n, nil
		}
		for _, row := range res.Jobs {
			if _, err := q.client.JobRetry(ctx, row.ID); err != nil {
				return n, fmt.Errorf("%w: %s: retrying job %d: %w", webhooks.ErrQueueUnavailable, Name, row.ID, err)
			}
			n++
		}
	}
}

// worker runs River jobs of kind Kind through the Queue's Processor.
type worker[TTx any] struct {
	river.WorkerDefaults[JobArgs]
	q *Queue[TTx]
}

func (w *worker[TTx]) Work(ctx context.Context, job *river.Job[JobArgs]) error {
	p := w.q.proc.Load()
	if p == nil {
		return errors.New("riverqueue: no processor")
	}
	if job.Args.Job == nil {
		return fmt.Errorf("%w: job %d has no event", webhooks.ErrMalformedJob, job.ID)
	}
	return (*p).Process(ctx, job.Args.Job)
}

func (w *worker[TTx]) NextRetry(job *river.Job[JobArgs]) time.Time {
	if w.q.cfg.backoff == nil {
		return time.Time{}
	}
	return time.Now().Add(max(w.q.cfg.backoff(job.Attempt), 0))
}

func (w *worker[TTx]) Timeout(*river.Job[JobArgs]) time.Duration { return w.q.cfg.jobTimeout }
