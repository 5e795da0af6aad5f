// Package asynqqueue is a webhooks.Queue on Asynq (github.com/hibiken/asynq)
// and Redis, for services that run Redis and no PostgreSQL.
//
// Each verified event becomes a task of type TaskType whose ID is the
// event's idempotency key: Redis refuses a second task for the event while
// the first is pending, running, waiting for a retry, archived, or
// retained after completion (WithRetention, 72 hours by default), so a
// duplicate delivery adds nothing. Failed attempts are retried with
// WithBackoff (Asynq schedules retries to the second) until
// WithMaxAttempts; then the task is archived, listed by Failed and queued
// again by Retry or "switchboard webhooks jobs retry". An enqueue to Redis
// cannot join a SQL transaction.
//
// Only programs that import this package compile Asynq. Importing it
// registers the redis and rediss schemes with webhooks.OpenQueue.
package asynqqueue
