// Package sqlitestore is an idempotency.Store on SQLite, through the pure-Go
// driver modernc.org/sqlite (no cgo). It is the embedded default: one file
// on local disk, shared by the goroutines of one process (and, through
// SQLite's own locking, by a few processes on the same machine). Services
// with replicas on several machines need pgstore or redisstore instead.
//
// Open configures the database for this workload: WAL journal mode, a busy
// timeout (so writers from other processes wait instead of failing) and
// synchronous=NORMAL. The table is created on first use.
//
// Every operation is atomic: a claim is a single conditional upsert
// (INSERT … ON CONFLICT DO UPDATE … WHERE the row expired … RETURNING), and
// Complete and Release are single UPDATE/DELETE statements guarded by the
// fencing token and the lease. Writes from one Store are also serialised
// in-process, which avoids busy-waiting between its own pooled connections.
//
// Expired rows are deleted opportunistically: at most once per reap
// interval (DefaultReapInterval) a Claim first deletes up to 1,000 expired
// rows; a failed reap is logged (WithLogger) and does not fail the claim.
// Reap deletes all of them on demand. Times come from the process clock
// (WithClock in tests). The store logs nowhere unless given WithLogger.
//
// Errors match idempotency.ErrInvalidConfig for a bad option or path (a
// database whose directory does not exist is named with its directory),
// idempotency.ErrUnavailable when SQLite fails, and idempotency.ErrClosed
// after Close. Statements returns the SQL the store issues.
//
// Importing the package registers the "sqlite" URL scheme with
// idempotency.Open: "sqlite:///var/lib/app/idem.db" (absolute path),
// "sqlite://idem.db" (relative to the working directory) and
// "sqlite://:memory:" (a private in-memory database). Query parameters:
// table (WithTable), busy_timeout (WithBusyTimeout, a Go duration such as
// 5s) and reap_interval (WithReapInterval, 0s for none); any other is an
// error naming it.
package sqlitestore
