// Package pgstore is an idempotency.Store on PostgreSQL, through
// github.com/jackc/pgx/v5 (pgxpool). Replicas of a service share one table,
// so a key is processed once however many machines receive it.
//
// A claim is one round trip: a single statement inserts the key, or takes
// over a row whose lease or TTL ran out, with INSERT … ON CONFLICT (key)
// DO UPDATE … WHERE expires_at <= now() RETURNING, and in the same statement
// reads the row that is still live when there is one. Complete and Release
// are single UPDATE and DELETE statements guarded by the fencing token and
// the lease. All times are the database server's (now()), so the clocks of
// the replicas do not matter.
//
// The table is described by Schema (default names) and Store.SchemaSQL
// (configured names); CreateSchema creates it, and Open does so itself.
//
// Expired rows never answer a claim, and a claim on an expired key reuses
// its row in place. Rows that are never claimed again are deleted by Reap,
// which a Store runs in the background every DefaultReapInterval (see
// WithReapInterval; several replicas may reap at once, they skip each
// other's locked rows). The store logs nowhere unless given WithLogger.
// Statements returns the SQL the store issues.
//
// Errors match idempotency.ErrInvalidConfig for a bad option or connection
// string, idempotency.ErrUnavailable when the database cannot answer, and
// idempotency.ErrClosed after Close; they never contain the password.
//
// Importing the package registers the "postgres" and "postgresql" URL
// schemes with idempotency.Open; the URL is a pgx connection string. The
// query parameters schema, table and reap_interval (a Go duration) map to
// WithSchema, WithTable and WithReapInterval:
//
//	postgres://app@db:5432/app?sslmode=verify-full&schema=billing&table=idem_keys
//
// Every other parameter goes to pgx: libpq's (sslmode, connect_timeout,
// ...), pgx's (pool_max_conns, ...), and server settings (search_path,
// application_name, ...). One that neither pgx nor the server knows is an
// error naming it.
package pgstore
