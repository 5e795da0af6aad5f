// Package memstore is an idempotency.Store in process memory, for tests
// and single-process services. Replicas of a service need a shared store
// (pgstore, redisstore) instead, and a restart forgets every key.
//
// The store is bounded, so that no client can grow it without limit: at
// most WithMaxEntries keys (DefaultMaxEntries, 100,000) whose estimated
// size stays within WithMaxBytes (DefaultMaxBytes, 64 MiB). When a new key
// or record does not fit, expired entries go first, then completed ones
// nearest to their expiry; when only live claims remain, Claim and
// Complete fail with an error wrapping idempotency.ErrStoreFull, which
// matches idempotency.ErrUnavailable, so the Idempotency-Key middleware and
// the webhooks handler answer 503 rather than drop a claim in progress.
//
// Expired entries are never visible, and are deleted at most once per
// reap interval (WithReapInterval) from inside Claim, or at once when their
// room is needed: the store runs no goroutine. WithClock lets tests move
// time without sleeping.
//
// Importing the package registers the "memory" URL scheme with
// idempotency.Open. Its query parameters are max_entries, max_bytes and
// reap_interval (a Go duration):
//
//	memory://?max_entries=10000&max_bytes=16777216&reap_interval=30s
package memstore
