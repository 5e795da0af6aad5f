package idempotency

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"
)

// Runner defaults, shared by the middleware.
const (
	// DefaultLease is how long a claim holds its key while the work runs.
	DefaultLease = time.Minute
	// DefaultTTL is how long a completed key is remembered.
	DefaultTTL = 24 * time.Hour
	// DefaultStoreTimeout bounds each call to the store.
	DefaultStoreTimeout = 5 * time.Second
)

// Errors of a Runner.
var (
	// ErrInProgress is returned by Runner.Do and Attempt.Run when another
	// holder has a live claim on the key: the work may be running
	// elsewhere right now, so it must not run here. Retry later.
	ErrInProgress = errors.New("idempotency: key in progress elsewhere")
	// ErrFingerprintMismatch is returned by Runner.Do and Attempt.Run
	// when the key was claimed with another fingerprint: the key is being
	// reused for different work.
	ErrFingerprintMismatch = errors.New("idempotency: key reused with a different fingerprint")
)

// Work is the operation a Runner runs at most once per key. Its Record is
// stored when it returns a nil error; a non-nil error releases the key, so
// that a retry can run the work again. Work that must not run again even
// after a failure (a payment the provider may have taken) returns a Record
// describing the failure and a nil error.
type Work func(ctx context.Context) (Record, error)

// PanicError is the error a Runner returns when the work panicked. The key
// was released.
type PanicError struct {
	// Value is what the work passed to panic.
	Value any
	// Stack is the stack of the panicking goroutine.
	Stack []byte
}

// Error describes the panic value.
func (e *PanicError) Error() string { return fmt.Sprintf("idempotency: work panicked: %v", e.Value) }

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// RunnerOption configures a Runner.
type RunnerOption interface {
	applyRunner(*runnerConfig) error
}

// Option configures both a Runner and NewMiddleware: WithLease, WithTTL
// and WithStoreTimeout.
type Option interface {
	RunnerOption
	MiddlewareOption
}

type runnerConfig struct {
	lease, ttl, storeTimeout time.Duration
}

// sharedOption applies to a Runner and to the middleware's Runner.
type sharedOption func(*runnerConfig) error

func (o sharedOption) applyRunner(c *runnerConfig) error { return o(c) }

func (o sharedOption) applyMiddleware(c *middlewareConfig) error { return o(&c.runner) }

// WithLease sets how long a claim holds a key while the work runs
// (DefaultLease unless set). It should exceed the slowest run: once it
// ends, a retry can claim the key and run the work again, and the first
// run's record is refused (ErrLeaseLost). It must be positive.
func WithLease(d time.Duration) Option {
	return sharedOption(func(c *runnerConfig) error {
		if d <= 0 {
			return configErrorf("WithLease: the lease must be positive, got %v", d)
		}
		c.lease = d
		return nil
	})
}

// WithTTL sets how long a completed key is remembered (DefaultTTL unless
// set). It must be positive.
func WithTTL(d time.Duration) Option {
	return sharedOption(func(c *runnerConfig) error {
		if d <= 0 {
			return configErrorf("WithTTL: the TTL must be positive, got %v", d)
		}
		c.ttl = d
		return nil
	})
}

// WithStoreTimeout bounds each call to the store (DefaultStoreTimeout
// unless set). Claim runs on the caller's context within this bound;
// Complete and Release run on a context detached from the caller's (so a
// caller that gives up does not leave the key held) within this bound. It
// must be positive.
func WithStoreTimeout(d time.Duration) Option {
	return sharedOption(func(c *runnerConfig) error {
		if d <= 0 {
			return configErrorf("WithStoreTimeout: the timeout must be positive, got %v", d)
		}
		c.storeTimeout = d
		return nil
	})
}

// Runner runs work at most once per key over a Store: it claims the key
// with a lease, runs the work, then completes the key with the work's
// Record for a TTL, or releases it when the work fails or panics so that a
// retry can run it. Every package that does work at most once (an
// Idempotency-Key request, a webhook event, a message send, a queued job)
// goes through a Runner rather than calling the Store itself.
//
// The bookkeeping is bounded by a store timeout, and Complete and Release
// run on a context detached from the caller's (context.WithoutCancel), so
// a caller that hangs up after the work ran still gets its key completed.
// Fencing tokens are respected: a run that outlived its lease cannot
// overwrite the run that took the key over, and learns so through
// ErrLeaseLost.
//
// Do is the one-call form. Claim returns an Attempt for callers that claim
// several keys before running any (a webhook delivery holding a batch of
// events) or that decide between Complete and Release themselves.
//
// A Runner is safe for concurrent use.
type Runner struct {
	store Store
	cfg   runnerConfig
}

// NewRunner returns a Runner over store. Errors wrap ErrInvalidConfig.
func NewRunner(store Store, opts ...RunnerOption) (*Runner, error) {
	if store == nil || isNilPointer(store) {
		return nil, configErrorf("NewRunner: a Store is required")
	}
	cfg := defaultRunnerConfig()
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o.applyRunner(&cfg); err != nil {
			return nil, err
		}
	}
	return &Runner{store: store, cfg: cfg}, nil
}

func defaultRunnerConfig() runnerConfig {
	return runnerConfig{lease: DefaultLease, ttl: DefaultTTL, storeTimeout: DefaultStoreTimeout}
}

// Result is what Do or Attempt.Run returns when the work ran, or was found
// done.
type Result struct {
	// Record is the work's record when it ran now, or the record stored by
	// the run that completed the key earlier.
	Record Record
	// Replayed is true when the work did not run because the key was
	// completed earlier; Record is then the stored one.
	Replayed bool
	// StoreErr is the error of the Complete that followed a successful run:
	// the work was done and Record is its result, but the store may not
	// remember it, so a retry may run the work again. It wraps
	// ErrLeaseLost when the lease ran out while the work ran and another
	// holder may have taken the key over.
	StoreErr error
}

// Do claims key and, when it is free, runs fn and completes the key with
// fn's Record (or releases it when fn fails). When the key was completed
// earlier, fn does not run and Result.Replayed is true. It returns:
//
//   - fn's error, or a *PanicError when fn panicked, after releasing the
//     key (a failed release is joined to it);
//   - ErrInProgress when another holder has a live claim on the key;
//   - ErrFingerprintMismatch when fingerprint is not empty and the key
//     was claimed with another;
//   - the store's error when the claim could not be made (it matches
//     ErrUnavailable for a store that is down, full or closed), or
//     ErrInvalidKey.
//
// fn runs on ctx; the bookkeeping after it runs on a context detached from
// ctx.
func (r *Runner) Do(ctx context.Context, key, fingerprint string, fn Work) (Result, error) {
	a, err := r.Claim(ctx, key, fingerprint)
	if err != nil {
		return Result{}, err
	}
	return a.Run(ctx, fn)
}

// Claim claims key in the store with the Runner's lease and returns the
// Attempt, whose State says what the store answered. An Acquired Attempt
// holds the key: its holder must finish it with Run, Complete or Release.
// The error is the store's (matching ErrUnavailable when it could not
// answer) or ErrInvalidKey; on error nothing is held.
func (r *Runner) Claim(ctx context.Context, key, fingerprint string) (*Attempt, error) {
	cctx, cancel := context.WithTimeout(ctx, r.cfg.storeTimeout)
	c, err := r.store.Claim(cctx, key, fingerprint, r.cfg.lease)
	cancel()
	if err != nil {
		return nil, err
	}
	a := &Attempt{State: c.State, Fingerprint: c.Fingerprint, Record: c.Record, r: r, key: key, fp: fingerprint, token: c.Token}
	switch c.State {
	case Acquired:
		if c.Token == "" {
			return nil, fmt.Errorf("%w: the store acquired %q without a token", ErrUnavailable, key)
		}
	case Completed:
		if c.Record == nil {
			return nil, fmt.Errorf("%w: the store answered completed for %q without a record", ErrUnavailable, key)
		}
	case InProgress:
	default:
		return nil, fmt.Errorf("%w: the store gave the unknown state %v for %q", ErrUnavailable, c.State, key)
	}
	return a, nil
}

// Attempt is one claim of a key through a Runner. State, Fingerprint and
// Record are what the store answered. When State is Acquired the Attempt
// holds the key until Run, Complete or Release finishes it; the other
// states hold nothing. An Attempt is used by one goroutine at a time.
type Attempt struct {
	// State is Acquired, InProgress or Completed.
	State State
	// Fingerprint is the fingerprint stored with the key when State is
	// InProgress or Completed.
	Fingerprint string
	// Record is the stored record when State is Completed.
	Record *Record

	r        *Runner
	key, fp  string
	token    string
	finished bool
}

// Key returns the key the Attempt claimed.
func (a *Attempt) Key() string { return a.key }

// Matches reports whether the fingerprint given to Claim agrees with the
// one stored with the key: true when Claim was given no fingerprint, when
// the Attempt acquired the key, or when the stored fingerprint equals the
// one given (a key stored without a fingerprint matches only a Claim
// without one).
func (a *Attempt) Matches() bool {
	return a.fp == "" || a.State == Acquired || a.Fingerprint == a.fp
}

// Run finishes the Attempt. When it holds the key, Run calls fn (a panic
// becomes a *PanicError), then completes the key with fn's Record when fn
// returned nil, or releases it otherwise and returns fn's error (joined to
// the release's error if that failed too). When the key was completed
// earlier, fn does not run and the stored record is returned as
// Replayed. When the key is held elsewhere, Run returns ErrInProgress.
// When the Attempt's fingerprint does not match the stored one, Run
// returns ErrFingerprintMismatch.
func (a *Attempt) Run(ctx context.Context, fn Work) (Result, error) {
	switch a.State {
	case Completed:
		if !a.Matches() {
			return Result{}, fmt.Errorf("%w: %q", ErrFingerprintMismatch, a.key)
		}
		return Result{Record: *a.Record, Replayed: true}, nil
	case InProgress:
		if !a.Matches() {
			return Result{}, fmt.Errorf("%w: %q", ErrFingerprintMismatch, a.key)
		}
		return Result{}, fmt.Errorf("%w: %q", ErrInProgress, a.key)
	}
	if err := a.holding(); err != nil {
		return Result{}, err
	}
	rec, err := call(ctx, fn)
	if err != nil {
		if rerr := a.Release(ctx); rerr != nil {
			return Result{}, errors.Join(err, rerr)
		}
		return Result{}, err
	}
	return Result{Record: rec, StoreErr: a.Complete(ctx, rec)}, nil
}

// Complete stores rec for the Attempt's key for the Runner's TTL and
// finishes the Attempt. It fails with ErrLeaseLost when the lease ran out
// and the key may have been taken over, and with the store's error when it
// could not answer. It runs on a context detached from ctx.
func (a *Attempt) Complete(ctx context.Context, rec Record) error {
	if err := a.holding(); err != nil {
		return err
	}
	a.finished = true
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.r.cfg.storeTimeout)
	defer cancel()
	return a.r.store.Complete(cctx, a.key, a.token, rec, a.r.cfg.ttl)
}

// Release gives the Attempt's key up, so that a retry can claim it, and
// finishes the Attempt. It fails with ErrLeaseLost when the lease ran out,
// and with the store's error when it could not answer (the key is then
// free again once the lease ends). It runs on a context detached from ctx.
func (a *Attempt) Release(ctx context.Context) error {
	if err := a.holding(); err != nil {
		return err
	}
	a.finished = true
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.r.cfg.storeTimeout)
	defer cancel()
	return a.r.store.Release(cctx, a.key, a.token)
}

// holding returns nil when the Attempt holds its key and is not finished.
func (a *Attempt) holding() error {
	switch {
	case a.State != Acquired:
		return fmt.Errorf("%w: the attempt on %q holds nothing (%v)", ErrLeaseLost, a.key, a.State)
	case a.finished:
		return fmt.Errorf("%w: the attempt on %q was already completed or released", ErrLeaseLost, a.key)
	}
	return nil
}

// call runs fn, turning a panic into a *PanicError.
func call(ctx context.Context, fn Work) (rec Record, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return fn(ctx)
}
