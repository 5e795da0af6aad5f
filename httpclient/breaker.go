package httpclient

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
)

// BreakerOption configures the per-host circuit breaker enabled by
// WithCircuitBreaker. A value out of range makes New fail with an error
// wrapping ErrInvalidConfig.
type BreakerOption func(*breakerConfig) error

type breakerConfig struct {
	failures    uint32
	openTimeout time.Duration
	halfOpenMax uint32
	interval    time.Duration
}

func defaultBreakerConfig() breakerConfig {
	return breakerConfig{failures: 5, openTimeout: 30 * time.Second, halfOpenMax: 1}
}

// WithBreakerFailures sets how many consecutive failed attempts to a host
// open its breaker (default 5; it must be positive). A failure is a
// connection error, a timeout or a 5xx answer; 429 and the caller's own
// cancellation are not counted either way, and other answers count as
// successes.
func WithBreakerFailures(n uint32) BreakerOption {
	return func(b *breakerConfig) error {
		if n == 0 {
			return configError("WithBreakerFailures", "the number of failures must be positive")
		}
		b.failures = n
		return nil
	}
}

// WithBreakerOpenTimeout sets how long an open breaker refuses calls before
// it lets a probe through (default 30 s; it must be positive).
func WithBreakerOpenTimeout(d time.Duration) BreakerOption {
	return func(b *breakerConfig) error {
		if d <= 0 {
			return configError("WithBreakerOpenTimeout", "the duration must be positive, not %v", d)
		}
		b.openTimeout = d
		return nil
	}
}

// WithBreakerHalfOpenRequests sets how many probe attempts a half-open
// breaker lets through; that many successes close it again (default 1; it
// must be positive).
func WithBreakerHalfOpenRequests(n uint32) BreakerOption {
	return func(b *breakerConfig) error {
		if n == 0 {
			return configError("WithBreakerHalfOpenRequests", "the number of requests must be positive")
		}
		b.halfOpenMax = n
		return nil
	}
}

// WithBreakerInterval makes a closed breaker forget its counts every d
// (default 0: counts are only reset by a success). It must not be
// negative.
func WithBreakerInterval(d time.Duration) BreakerOption {
	return func(b *breakerConfig) error {
		if d < 0 {
			return configError("WithBreakerInterval", "the duration must not be negative, not %v", d)
		}
		b.interval = d
		return nil
	}
}

// errBreakerExcluded marks an attempt outcome that neither opens nor closes
// a breaker.
var errBreakerExcluded = errors.New("excluded")

// errBreakerFailure marks an attempt that counts as a failure.
var errBreakerFailure = errors.New("failure")

type breakers struct {
	cfg breakerConfig
	log *slog.Logger
	obs *Observer
	mu  sync.Mutex
	m   map[string]*gobreaker.TwoStepCircuitBreaker[struct{}]
}

func newBreakers(cfg breakerConfig, log *slog.Logger, obs *Observer) *breakers {
	return &breakers{cfg: cfg, log: log, obs: obs, m: make(map[string]*gobreaker.TwoStepCircuitBreaker[struct{}])}
}

// get returns the breaker for host, creating it on first use.
func (b *breakers) get(host string) *gobreaker.TwoStepCircuitBreaker[struct{}] {
	b.mu.Lock()
	defer b.mu.Unlock()
	if cb, ok := b.m[host]; ok {
		return cb
	}
	failures := b.cfg.failures
	log, obs := b.log, b.obs
	cb := gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        host,
		MaxRequests: b.cfg.halfOpenMax,
		Interval:    b.cfg.interval,
		Timeout:     b.cfg.openTimeout,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= failures },
		IsExcluded:  func(err error) bool { return errors.Is(err, errBreakerExcluded) },
		OnStateChange: func(name string, from, to gobreaker.State) {
			log.LogAttrs(context.Background(), slog.LevelWarn, "httpclient: circuit breaker state change",
				slog.String("host", name), slog.String("from", from.String()), slog.String("to", to.String()))
			if obs != nil && obs.BreakerChange != nil {
				obs.BreakerChange(BreakerChange{Host: name, From: from.String(), To: to.String()})
			}
		},
	})
	b.m[host] = cb
	return cb
}
