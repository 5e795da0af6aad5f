package paystackpay_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/paymentstest"
)

// TestConformance runs the shared suite against the provider talking to
// the fake Paystack API. Paystack's verify answer carries no authorization
// URL, so a payment read back in requires_action (abandoned) has no
// NextAction; the provider says so with Capabilities.NextActionOnGet.
func TestConformance(t *testing.T) {
	var mu sync.Mutex
	fakes := map[payments.Provider]*fakePaystack{}
	var current *fakePaystack
	fake := func(p payments.Provider) *fakePaystack {
		mu.Lock()
		defer mu.Unlock()
		return fakes[p]
	}
	paymentstest.Run(t, paymentstest.Harness{
		New: func(t *testing.T) payments.Provider {
			f := newFakePaystack(t)
			p := newProvider(t, f, testKey)
			mu.Lock()
			fakes[p], current = f, f
			mu.Unlock()
			return p
		},
		Amount: payments.Money{Amount: 500000, Currency: "NGN"},
		Succeed: func(t *testing.T, p payments.Provider, id string) {
			fake(p).setStatus(id, "success", "Approved")
		},
		Decline: func(t *testing.T, p payments.Provider, id string) {
			fake(p).setStatus(id, "failed", "Declined")
		},
		RequireAction: func(t *testing.T, p payments.Provider, id string) {
			// The customer opened the payment page and left: Paystack keeps
			// reporting the transaction as abandoned.
			fake(p).setStatus(id, "abandoned", "The transaction was not completed")
		},
		SettleRefund: func(t *testing.T, p payments.Provider, id string) {
			fake(p).settleRefund(id, "processed")
		},
		Calls: func() int {
			mu.Lock()
			defer mu.Unlock()
			return current.calls()
		},
		InjectError: func(t *testing.T, kind error) bool {
			mu.Lock()
			f := current
			mu.Unlock()
			switch kind {
			case nil:
				f.injectStatus(0)
			case payments.ErrRateLimited:
				f.injectStatus(http.StatusTooManyRequests)
			case payments.ErrProviderUnavailable:
				f.injectStatus(http.StatusServiceUnavailable)
			case payments.ErrAuthentication:
				f.injectStatus(http.StatusUnauthorized)
			default:
				return false
			}
			return true
		},
		UnsupportedCurrency: "EUR",
	})
}
