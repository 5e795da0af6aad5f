package webhooks

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
)

// enqueue puts the handled events of one verified delivery on the
// Handler's queue and returns the status to answer: 200 once the queue
// stored them (or held them already), 503 when it could not.
func (h *Handler) enqueue(ctx context.Context, provider string, events []Event, start time.Time) int {
	for i := range events {
		if events[i].ID == "" && events[i].DedupKey == "" {
			return http.StatusBadRequest
		}
	}
	var oneJob [1]*Job
	var oneEv [1]*Event
	jobs, evs := oneJob[:0], oneEv[:0]
	var seen map[string]bool
	if len(events) > 1 {
		seen = make(map[string]bool, len(events))
	}
	for i := range events {
		e := &events[i]
		if h.lookup(e.Type) == nil {
			h.logEvent(ctx, slog.LevelInfo, provider, e, outcomeUnhandled, start, nil)
			continue
		}
		key := h.idempotencyKey(e)
		if seen != nil {
			if seen[key] {
				h.logEvent(ctx, slog.LevelInfo, provider, e, outcomeDuplicate, start, nil)
				continue
			}
			seen[key] = true
		}
		jobs = append(jobs, h.newJob(e, key))
		evs = append(evs, e)
	}
	if len(jobs) == 0 {
		return http.StatusOK
	}
	added, err := h.queue.Enqueue(ctx, jobs)
	if err == nil && len(added) != len(jobs) {
		err = fmt.Errorf("%w: Enqueue reported %d results for %d jobs", ErrQueueUnavailable, len(added), len(jobs))
	}
	if err != nil {
		for _, e := range evs {
			if ctx.Err() != nil {
				h.logEvent(ctx, slog.LevelWarn, provider, e, outcomeCanceled, start, err)
			} else {
				h.logEvent(ctx, slog.LevelError, provider, e, outcomeQueueError, start, err)
			}
		}
		return http.StatusServiceUnavailable
	}
	for i, e := range evs {
		if added[i] {
			h.logEvent(ctx, slog.LevelInfo, provider, e, outcomeEnqueued, start, nil)
		} else {
			h.logEvent(ctx, slog.LevelInfo, provider, e, outcomeDuplicate, start, nil)
		}
	}
	return http.StatusOK
}

// Process runs one queued job: the function registered for its event's
// type (On, else Fallback), through the Handler's idempotency.Runner under
// the same key as a Handler without a queue would use. It returns:
//
//   - nil when the function ran and succeeded (its key is completed for
//     WithTTL), when the key was completed earlier (a job run twice, or an
//     event processed before the queue was turned on: nothing runs again),
//     or when no function handles the type any more;
//   - the function's error, or an *idempotency.PanicError, after
//     releasing the key, so that the queue's retry runs it again;
//   - an error matching idempotency.ErrInProgress while another worker
//     holds the key (a job rescued from a worker that stopped answering
//     while its lease still holds): the queue retries it later;
//   - the store's error when the key could not be claimed;
//   - ErrNoHandler for a job of another provider or namespace.
//
// Workers of a Queue call Process; programs call it only to run jobs
// they fetch themselves.
func (h *Handler) Process(ctx context.Context, j *Job) error {
	start := h.now()
	provider := h.v.Provider()
	if j.Event.Provider != provider || j.Namespace != h.namespace {
		return fmt.Errorf("%w: provider %s, namespace %q", ErrNoHandler, j.Event.Provider, j.Namespace)
	}
	e := &j.Event
	fn := h.lookup(e.Type)
	if fn == nil {
		h.logEvent(ctx, slog.LevelInfo, provider, e, outcomeUnhandled, start, nil)
		return nil
	}
	a, err := h.runner.Claim(ctx, h.idempotencyKey(e), fingerprint(e.Data))
	if err != nil {
		h.claimFailed(ctx, provider, e, start, err)
		return fmt.Errorf("webhooks: claiming the event's key: %w", err)
	}
	switch a.State {
	case idempotency.Completed:
		h.logEvent(ctx, slog.LevelInfo, provider, e, outcomeDuplicate, start, nil)
		return nil
	case idempotency.InProgress:
		h.logEvent(ctx, slog.LevelInfo, provider, e, outcomeInProgress, start, nil)
		return fmt.Errorf("webhooks: event %s: %w", e.ID, idempotency.ErrInProgress)
	}
	return h.runOne(ctx, provider, &pending{ev: e, fn: fn, a: a}, start)
}
