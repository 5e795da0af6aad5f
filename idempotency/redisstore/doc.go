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
// Errors match idempotency.ErrInvalidConfig for a bad URL or option,
// idempotency.ErrUnavailable when Redis cannot answer, and
// idempotency.ErrClosed after Close; they never contain the password.
// Scripts returns the Lua scripts the store runs.
//
// Logging: a Store logs nowhere unless given WithLogger. go-redis has one
// logger for the whole process (redis.SetLogger), which prints lines such
// as "failed to dial" to stderr, and it logs some of them from its own
// goroutines without any trace of the client they concern. So the first
// Store a program builds installs, once, a router in go-redis's logger:
// each go-redis line goes, at Warn and with the Store URL's password
// masked, to the logger of every live Store built with WithLogger, and
// nowhere when there is none. Importing the package changes nothing. A
// program that wants go-redis's lines for clients of its own calls
// redis.SetLogger after building its stores; its logger then also gets
// the stores' lines.
//
// Importing the package registers the "redis" and "rediss" URL schemes
// with idempotency.Open. The query parameter prefix sets WithPrefix; every
// other parameter goes to redis.ParseURL (dial_timeout, pool_size, ...),
// which refuses one it does not know:
//
//	redis://localhost:6379/0?prefix=myapp:idem:&dial_timeout=2s
package redisstore
