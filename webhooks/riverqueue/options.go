package riverqueue

import (
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/switchboard-go/switchboard/webhooks"
)

// Defaults of a Queue.
const (
	// DefaultQueueName is the River queue the jobs go to.
	DefaultQueueName = "webhooks"
	// DefaultWorkers is how many jobs one process runs at a time.
	DefaultWorkers = 10
	// DefaultMaxAttempts is how many times a job runs before it is kept as
	// failed (River's state "discarded"), River's own default.
	DefaultMaxAttempts = 25
	// DefaultJobTimeout bounds one run of a job: its context is cancelled
	// then and the attempt counts as failed. Keep it under the Handler's
	// lease (webhooks.WithLease, five minutes by default), so that a run
	// ends before another worker may claim its event.
	DefaultJobTimeout = time.Minute
	// DefaultRescueAfter is how long a job may stay running before River
	// considers its worker gone and queues it again (River's default).
	DefaultRescueAfter = time.Hour
	// DefaultShutdownTimeout is how long Stop lets running jobs finish
	// before it cancels them.
	DefaultShutdownTimeout = 30 * time.Second
	// DefaultRetention is how long a completed job is kept. While it is,
	// a duplicate delivery of its event finds it and adds no job; it
	// matches webhooks.DefaultTTL, the providers' retry window.
	DefaultRetention = webhooks.DefaultTTL
	// DefaultFailedRetention is how long a job that ran out of attempts is
	// kept, visible and retryable.
	DefaultFailedRetention = 90 * 24 * time.Hour
)

// Option configures New, NewPostgres, NewSQLite and Open. A value out of
// range makes the constructor fail with an error wrapping
// webhooks.ErrInvalidConfig.
type Option func(*config) error

type config struct {
	queue           string
	workers         int
	maxAttempts     int
	backoff         func(attempt int) time.Duration
	jobTimeout      time.Duration
	rescueAfter     time.Duration
	shutdownTimeout time.Duration
	retention       time.Duration
	failedRetention time.Duration
	schema          string
	migrate         bool
	log             *slog.Logger
	pollInterval    time.Duration
}

func defaultConfig() config {
	return config{
		queue: DefaultQueueName, workers: DefaultWorkers, maxAttempts: DefaultMaxAttempts,
		jobTimeout: DefaultJobTimeout, rescueAfter: DefaultRescueAfter, shutdownTimeout: DefaultShutdownTimeout,
		retention: DefaultRetention, failedRetention: DefaultFailedRetention,
		log: slog.New(slog.DiscardHandler),
	}
}

func configErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", webhooks.ErrInvalidConfig, Name, fmt.Sprintf(format, args...))
}

var queueNameRE = regexp.MustCompile(`\A[a-z0-9_\-]{1,64}\z`)

// WithQueueName sets the River queue the jobs go to and the workers fetch
// from (DefaultQueueName unless set): 1 to 64 lower-case letters, digits,
// '-' or '_'.
func WithQueueName(name string) Option {
	return func(c *config) error {
		if !queueNameRE.MatchString(name) {
			return configErrorf("WithQueueName needs 1 to 64 lower-case letters, digits, '-' or '_'")
		}
		c.queue = name
		return nil
	}
}

// WithWorkers sets how many jobs this process runs at a time
// (DefaultWorkers unless set). It must be between 1 and 10,000.
func WithWorkers(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 10000 {
			return configErrorf("WithWorkers must be between 1 and 10000")
		}
		c.workers = n
		return nil
	}
}

// WithMaxAttempts sets how many times a job runs before it is kept as
// failed (DefaultMaxAttempts unless set). It must be at least 1.
func WithMaxAttempts(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return configErrorf("WithMaxAttempts must be at least 1")
		}
		c.maxAttempts = n
		return nil
	}
}

// WithBackoff sets the wait before the retry of a job whose attempt
// failed: attempt is 1 after the first failure. Without it River's policy
// applies: attempt⁴ seconds with 10 % jitter (1 s, 16 s, 81 s, 256 s,
// ...). A nil function is an error; a result below zero counts as zero.
func WithBackoff(f func(attempt int) time.Duration) Option {
	return func(c *config) error {
		if f == nil {
			return configErrorf("WithBackoff needs a function")
		}
		c.backoff = f
		return nil
	}
}

// WithJobTimeout bounds one run of a job (DefaultJobTimeout unless set).
// It must be positive and should stay under the Handler's lease.
func WithJobTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return configErrorf("WithJobTimeout must be positive")
		}
		c.jobTimeout = d
		return nil
	}
}

// WithRescueAfter sets how long a job may stay running before River
// considers its worker gone (killed, or cut off from the database) and
// queues it again (DefaultRescueAfter unless set). It must exceed the job
// timeout. The rescued job's event still runs once: its key is held by the
// lost worker's claim until that lease ends, then claimed afresh.
func WithRescueAfter(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return configErrorf("WithRescueAfter must be positive")
		}
		c.rescueAfter = d
		return nil
	}
}

// WithShutdownTimeout sets how long Stop lets running jobs finish before
// it cancels their contexts (DefaultShutdownTimeout unless set). It must
// be positive.
func WithShutdownTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return configErrorf("WithShutdownTimeout must be positive")
		}
		c.shutdownTimeout = d
		return nil
	}
}

// WithRetention sets how long a completed job is kept (DefaultRetention
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

// WithFailedRetention sets how long a job that ran out of attempts is
// kept (DefaultFailedRetention unless set). It must be positive.
func WithFailedRetention(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return configErrorf("WithFailedRetention must be positive")
		}
		c.failedRetention = d
		return nil
	}
}

// WithSchema puts River's tables in a PostgreSQL schema other than the
// connection's search path. It does not apply to SQLite, where each
// database file is its own schema: NewSQLite rejects it.
func WithSchema(name string) Option {
	return func(c *config) error {
		if !schemaRE.MatchString(name) {
			return configErrorf("WithSchema needs a PostgreSQL identifier of letters, digits and '_'")
		}
		c.schema = name
		return nil
	}
}

var schemaRE = regexp.MustCompile(`\A[A-Za-z_][A-Za-z0-9_]{0,62}\z`)

// WithMigrate makes the constructor run River's pending migrations
// (rivermigrate, up) before it returns. Without it the constructor only
// checks that they ran, and fails with ErrMigrationsPending otherwise:
// migrations never run unasked. Migrate and the CLI's
// "switchboard webhooks jobs migrate" run them on request too.
func WithMigrate() Option {
	return func(c *config) error {
		c.migrate = true
		return nil
	}
}

// WithLogger routes River's own log lines to l. Without it River logs
// nowhere.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return configErrorf("WithLogger needs a logger")
		}
		c.log = l
		return nil
	}
}

// WithPollInterval sets how often workers look for new jobs when no
// notification arrives (River's default, one second, unless set). With
// PostgreSQL, inserts notify workers at once; SQLite has no notifications,
// so this interval bounds how late a job starts. It must be at least 1 ms.
func WithPollInterval(d time.Duration) Option {
	return func(c *config) error {
		if d < time.Millisecond {
			return configErrorf("WithPollInterval must be at least 1ms")
		}
		c.pollInterval = d
		return nil
	}
}
