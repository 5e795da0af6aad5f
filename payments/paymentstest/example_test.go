package paymentstest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/paymentstest"
	"github.com/switchboard-go/switchboard/payments/stripepay"
)

type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// A Harness for a provider that talks HTTP counts requests with a
// transport, so the suite can prove that invalid input fails before any
// network call. In a test, pass it to paymentstest.Run(t, h).
func Example() {
	counter := &countingTransport{}
	h := paymentstest.Harness{
		NewProvider: func(t *testing.T) payments.Provider {
			p, err := stripepay.New("sk_test_123",
				stripepay.WithBaseURL("http://127.0.0.1:12111"),
				stripepay.WithHTTPClient(&http.Client{Transport: counter}))
			if err != nil {
				t.Fatal(err)
			}
			return p
		},
		Calls:     func() int { return int(counter.n.Load()) },
		Stateless: true, // stripe-mock answers with fixtures
	}

	// What the suite checks for a zero amount:
	p := h.NewProvider(nil)
	_, err := p.CreatePayment(context.Background(), payments.CreatePaymentParams{Amount: payments.NewMoney(0, "USD")})
	fmt.Println(errors.Is(err, payments.ErrInvalidAmount), h.Calls())
	// Output: true 0
}
