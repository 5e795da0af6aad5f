package memstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
)

// A fake clock lets a test watch a lease run out without sleeping.
func Example() {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	store, err := memstore.New(memstore.WithClock(func() time.Time { return now }))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()

	first, _ := store.Claim(ctx, "job-1", "fp", 30*time.Second)
	second, _ := store.Claim(ctx, "job-1", "fp", 30*time.Second)
	now = now.Add(31 * time.Second) // the first holder's lease ran out
	third, _ := store.Claim(ctx, "job-1", "fp", 30*time.Second)
	fmt.Println(first.State, second.State, third.State)
	fmt.Println(store.Complete(ctx, "job-1", first.Token, idempotency.Record{}, time.Hour))
	fmt.Println(store.Complete(ctx, "job-1", third.Token, idempotency.Record{}, time.Hour))
	// Output:
	// acquired in_progress acquired
	// idempotency: lease lost
	// <nil>
}

// The store is bounded; a store full of live claims refuses new keys.
func ExampleWithMaxEntries() {
	ctx := context.Background()
	store, _ := memstore.New(memstore.WithMaxEntries(1))
	defer store.Close()
	_, _ = store.Claim(ctx, "a", "", time.Minute)
	_, err := store.Claim(ctx, "b", "", time.Minute)
	fmt.Println(err)
	// Output: memstore: 1 live claims fill WithMaxEntries(1): idempotency: store is full
}
