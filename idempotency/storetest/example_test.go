package storetest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
	"github.com/switchboard-go/switchboard/idempotency/storetest"
)

// A backend's test file describes the backend to Run with a Harness:
//
//	func TestConformance(t *testing.T) { storetest.Run(t, harness) }
//
// Only New is required; each hook left nil skips the checks that need it.
func Example() {
	harness := storetest.Harness{
		New: func(t *testing.T) idempotency.Store {
			s, err := memstore.New()
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
		// Optional: a store on a clock the suite moves, instead of sleeping.
		NewWithClock: func(t *testing.T, now func() time.Time) idempotency.Store {
			s, err := memstore.New(memstore.WithClock(now))
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
	}
	_ = harness
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
	// ExactExpiry
	// KeyValidation
	// InvalidDurations
	// CancelledContext
	// Closed
	// Unavailable
	// StoreFull
	// ConcurrentClaimsOneKey
	// ConcurrentWorkersManyKeys
}
