// Package redisstore is an idempotency.Store on Redis, through
// github.com/redis/go-redis/v9. Replicas of a service share the keys, so a
// key is processed once however many machines receive it.
//
// Each idempotency key is one Redis hash under a configurable prefix
// (DefaultPrefix unless WithPrefix), holding the fencing token, the
// fingerprint and, once completed, the record. The hash's expiry is the
// lease while the key is in progress and the TTL once it is completed
// (PEXPIRE, in milliseconds), so Redis itself removes expired keys and a
// claim on a key whose lease ran out finds it free and takes it over.
//
// Every operation is one Lua script, run atomically by the server in one
// round trip: Claim creates the hash when absent and otherwise returns its
// state (and the record); Complete and Release act only when the token
// still holds the key. Scripts touch one key each, so they work on Redis
// Cluster too.
//
// Durability is Redis's: a failover or a restart without an append-only
// file can forget keys, and a forgotten key may be processed again.
//
// Importing the package registers the "redis" and "rediss" URL schemes
// with idempotency.Open. The URL is parsed by redis.ParseURL; an extra
// query parameter "prefix" sets the key prefix, for example
// "redis://localhost:6379/0?prefix=myapp:idem:".
package redisstore
