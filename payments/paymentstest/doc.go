// Package paymentstest is the conformance suite every payments.Provider
// passes. A provider's tests call Run with a Harness that builds the
// provider and gives the suite the hooks it needs to play the customer's
// part (make a payment succeed, decline it, make it wait for 3-D Secure)
// and to look behind the provider (count requests, inject failures). The
// Harness has the shape every conformance suite of this module has: a
// required New, optional Calls and InjectError, and hooks of the domain
// (Succeed, Decline, RequireAction, SettleRefund). Declining is what a
// customer's bank does; InjectError is what a transport or an outage does.
//
// The suite checks, for each provider alike:
//
//   - CreatePayment returns an open payment with the amount, reference
//     and provider name, and GetPayment reads it back;
//   - the status of a new payment: one that carries a next action for the
//     customer is requires_action, never pending, and a payment in
//     requires_action says what to do (a client secret or a redirect URL),
//     in GetPayment's answer too where the provider's Capabilities declare
//     NextActionOnGet;
//   - CancelPayment cancels an open payment (or says ErrNotSupported for
//     providers without cancellation) and refuses a succeeded one;
//   - declined payments are failed, with no next action;
//   - full and partial refunds, refund reads, and the payment's status
//     moving to partially_refunded and refunded;
//   - the same idempotency key giving the same payment (sequentially and
//     concurrently) and the same refund, never a second charge;
//   - a currency code in lower case taken as the upper-case one, and
//     reported in upper case;
//   - the provider's maximum amount (Capabilities.MaxAmount), when it
//     declares one, refused before any network call with an error naming
//     the limit;
//   - invalid input failing with typed errors before any network call;
//   - provider failures surfacing as *payments.Error values that match
//     ErrRateLimited, ErrProviderUnavailable and ErrAuthentication with
//     errors.Is;
//   - nothing logged through slog.Default or package log by a provider
//     built without a logger.
//
// A hook left nil skips only the checks that need it, with t.Skip naming
// the hook; everything a provider can do runs. A backend that keeps no
// state (stripe-mock) sets Harness.Stateless, which keeps the calls but
// skips the assertions that compare reads with earlier writes.
// Assertions use testify's require, with messages that name what was
// expected.
//
// A provider backed by an httptest server plugs in like this:
//
//	func TestConformance(t *testing.T) {
//		var fake *fakeServer
//		paymentstest.Run(t, paymentstest.Harness{
//			New: func(t *testing.T) payments.Provider {
//				fake = newFakeServer(t)
//				return mustNew(t, fake.URL)
//			},
//			Calls:       func() int { return fake.requests() },
//			InjectError: func(t *testing.T, kind error) bool { return fake.inject(kind) },
//			Succeed:     func(t *testing.T, p payments.Provider, id string) { fake.succeed(id) },
//			Decline:     func(t *testing.T, p payments.Provider, id string) { fake.decline(id) },
//		})
//	}
package paymentstest
