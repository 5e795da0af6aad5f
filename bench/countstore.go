package main

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
)

// countingStore wraps a Store and counts the calls that reach it: one call
// is one round trip for the networked backends.
type countingStore struct {
	idempotency.Store
	claims, completes, releases atomic.Int64
}

func (c *countingStore) Claim(ctx context.Context, key, fp string, lease time.Duration) (idempotency.Claim, error) {
	c.claims.Add(1)
	return c.Store.Claim(ctx, key, fp, lease)
}

func (c *countingStore) Complete(ctx context.Context, key, token string, rec idempotency.Record, ttl time.Duration) error {
	c.completes.Add(1)
	return c.Store.Complete(ctx, key, token, rec, ttl)
}

func (c *countingStore) Release(ctx context.Context, key, token string) error {
	c.releases.Add(1)
	return c.Store.Release(ctx, key, token)
}

// total is the number of store calls made so far.
func (c *countingStore) total() int64 {
	return c.claims.Load() + c.completes.Load() + c.releases.Load()
}

// reset sets every counter back to zero.
func (c *countingStore) reset() {
	c.claims.Store(0)
	c.completes.Store(0)
	c.releases.Store(0)
}

// perEvent is the number of store calls per processed event.
func (c *countingStore) perEvent(events int64) float64 {
	if events == 0 {
		return 0
	}
	return float64(c.total()) / float64(events)
}
