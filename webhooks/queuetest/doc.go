// Package queuetest holds the conformance suite every webhooks.Queue
// backend passes, and helpers to drive a Handler through a queue in tests.
//
// A backend's test calls Run with a Harness whose New returns a fresh
// queue on storage no other test shares (its own PostgreSQL schema,
// SQLite file or Redis key prefix), configured as the Options say:
//
//	queuetest.Run(t, queuetest.Harness{
//		New: func(t *testing.T, o queuetest.Options) webhooks.Queue { ... },
//	})
//
// The suite checks what the webhooks.Queue contract promises: an event
// enqueued once runs once, a duplicate enqueue adds no job, a failing job
// is retried with backoff and then kept as failed, visible and retryable,
// the Job survives the queue byte for byte, Stop lets running jobs finish
// and then cancels them, and (with Replica) two processes sharing the
// queue run each event once.
package queuetest
