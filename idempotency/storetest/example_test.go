package storetest_test

import (
	"fmt"
	"testing"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/storetest"
)

// A backend's test file passes Run a factory of isolated stores:
//
//	func TestConformance(t *testing.T) { storetest.Run(t, newStore) }
func Example() {
	var newStore storetest.Factory = func(t *testing.T) idempotency.Store {
		s := idempotency.NewMemoryStore()
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	_ = newStore
	for _, name := range storetest.Checks() {
		fmt.Println(name)
	}
	// Output:
	// Sequential
	// ReleaseThenReclaim
	// KeysAreIndependent
	// RecordRoundTrip
	// LeaseExpiryAndTakeover
	// ExpiredLeaseCannotComplete
	// TTLExpiry
	// KeyValidation
	// InvalidDurations
	// CancelledContext
	// ConcurrentClaimsOneKey
	// ConcurrentWorkersManyKeys
}
