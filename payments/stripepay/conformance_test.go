package stripepay_test

import (
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/switchboard-go/switchboard/internal/testenv"
	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/paymentstest"
	"github.com/switchboard-go/switchboard/payments/stripepay"
)

// countingTransport counts the requests that reach the network.
type countingTransport struct {
	n      atomic.Int64
	badKey atomic.Bool
	next   http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	if c.badKey.Load() {
		r = r.Clone(r.Context())
		// stripe-mock accepts only keys of three parts, such as sk_test_123,
		// and answers 401 to any other.
		r.Header.Set("Authorization", "Bearer sk_test_not_a_valid_key")
	}
	return c.next.RoundTrip(r)
}

// TestConformanceFake runs the whole suite against a stateful fake of the
// Stripe API, which can play the customer (succeed, fail, 3-D Secure) and
// inject failures.
func TestConformanceFake(t *testing.T) {
	fakes := map[payments.Provider]*fakeStripe{}
	var current *fakeStripe
	paymentstest.Run(t, paymentstest.Harness{
		New: func(t *testing.T) payments.Provider {
			f := newFakeStripe(t)
			p, err := stripepay.New("sk_test_123", stripepay.WithBaseURL(f.srv.URL), stripepay.WithMaxNetworkRetries(0))
			if err != nil {
				t.Fatal(err)
			}
			fakes[p] = f
			current = f
			return p
		},
		Succeed:       func(t *testing.T, p payments.Provider, id string) { fakes[p].succeed(t, id) },
		Decline:       func(t *testing.T, p payments.Provider, id string) { fakes[p].fail(t, id) },
		RequireAction: func(t *testing.T, p payments.Provider, id string) { fakes[p].requireAction(t, id) },
		Calls:         func() int { return int(current.calls.Load()) },
		InjectError: func(t *testing.T, kind error) bool {
			current.injectError(kind)
			return true
		},
		UnsupportedCurrency: "IQD",
	})
}

// TestConformanceStripeMock runs the suite against the real stripe-mock.
func TestConformanceStripeMock(t *testing.T) {
	base := testenv.StripeMockURL(t)
	var counter *countingTransport
	paymentstest.Run(t, paymentstest.Harness{
		New: func(t *testing.T) payments.Provider {
			counter = &countingTransport{next: http.DefaultTransport}
			p, err := stripepay.New("sk_test_123", stripepay.WithBaseURL(base),
				stripepay.WithHTTPClient(&http.Client{Transport: counter}), stripepay.WithMaxNetworkRetries(0))
			if err != nil {
				t.Fatal(err)
			}
			return p
		},
		Calls: func() int { return int(counter.n.Load()) },
		InjectError: func(t *testing.T, kind error) bool {
			switch kind {
			case nil:
				counter.badKey.Store(false)
				return true
			case payments.ErrAuthentication:
				counter.badKey.Store(true)
				return true
			}
			return false // stripe-mock never answers 429 or 5xx
		},
		Stateless:           true,
		StatelessReason:     "stripe-mock is stateless: it answers with fixtures, ignores Idempotency-Key and cannot make a payment succeed (covered by TestConformanceFake)",
		UnsupportedCurrency: "IQD",
	})
}
