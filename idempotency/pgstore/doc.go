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
// other's locked rows).
//
// Importing the package registers the "postgres" and "postgresql" URL
// schemes with idempotency.Open; the URL is a pgx connection string.
package pgstore
