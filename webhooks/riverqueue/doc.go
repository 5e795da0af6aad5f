// Package riverqueue is a webhooks.Queue on River (github.com/riverqueue/river):
// PostgreSQL through pgx v5 for services with several replicas, and SQLite
// (modernc.org/sqlite) as the embedded default for one process.
//
// A Handler built with webhooks.WithQueue enqueues each verified event as
// a River job of kind Kind whose unique key is the event's idempotency key
// (River unique jobs by args, in every state but cancelled), answers 200
// once the insert committed, and workers started with Start run the
// Handler's functions through its idempotency.Runner. EnqueueTx inserts
// within the caller's transaction. Failed attempts are retried with
// River's backoff (WithMaxAttempts, WithBackoff); a job that runs out of
// attempts is kept as discarded for WithFailedRetention (90 days), listed
// by Failed and queued again by Retry or "switchboard webhooks jobs retry".
//
// Migrations never run unasked: the constructors check that River's
// tables are current and fail with ErrMigrationsPending otherwise. Run
// them with WithMigrate, Queue.Migrate or "switchboard webhooks jobs
// migrate --queue URL".
//
// Importing the package registers the postgres, postgresql and sqlite
// schemes with webhooks.OpenQueue.
package riverqueue
