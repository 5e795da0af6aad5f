// Package paymentstest is the conformance suite every payments.Provider
// passes. A provider's tests call Run with a Harness that builds the
// provider and gives the suite the hooks it needs to play the customer's
// part (make a payment succeed or fail) and to look behind the provider
// (count network calls, inject provider failures).
//
// The suite checks, for each provider alike:
//
//   - CreatePayment returns a pending payment with the amount, reference
//     and provider name, and GetPayment reads it back;
//   - CancelPayment cancels an open payment (or says ErrNotSupported for
//     providers without cancellation) and refuses a succeeded one;
//   - full and partial refunds, refund reads, and the payment's status
//     moving to partially_refunded and refunded;
//   - the same idempotency key giving the same payment (sequentially and
//     concurrently) and the same refund, never a second charge;
//   - invalid input failing with typed errors before any network call;
//   - provider failures surfacing as *payments.Error values that match
//     ErrRateLimited, ErrProviderUnavailable, ErrAuthentication and
//     ErrNotFound with errors.Is.
//
// A hook left nil skips only the checks that need it, with a message
// naming the hook; everything a provider can do runs. A backend that keeps
// no state (stripe-mock) sets Harness.Stateless, which keeps the calls but
// skips the assertions that compare reads with earlier writes.
//
// A provider backed by an httptest server plugs in like this:
//
//	func TestConformance(t *testing.T) {
//		paymentstest.Run(t, paymentstest.Harness{
//			NewProvider: func(t *testing.T) payments.Provider {
//				srv := newFakeServer(t)
//				return mustNew(t, srv.URL)
//			},
//			Succeed:     func(t *testing.T, p payments.Provider, id string) { fake(p).succeed(id) },
//			Calls:       func() int { return int(requests.Load()) },
//			InjectError: func(t *testing.T, kind error) bool { return fake.inject(kind) },
//		})
//	}
package paymentstest
