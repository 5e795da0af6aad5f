package paymentstest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/paymentstest"
	"github.com/switchboard-go/switchboard/payments/sandboxpay"
)

// A Harness builds a fresh provider per subtest and gives the suite hooks
// to play the customer (Succeed, Decline) and to look behind the provider
// (Calls, InjectError). Here the provider is the in-memory sandbox; in a
// test, pass the Harness to paymentstest.Run(t, h).
func Example() {
	var current *sandboxpay.Provider
	sandbox := func(p payments.Provider) *sandboxpay.Provider { return p.(*sandboxpay.Provider) }
	h := paymentstest.Harness{
		New: func(t *testing.T) payments.Provider {
			p, err := sandboxpay.New()
			if err != nil {
				t.Fatal(err)
			}
			current = p
			return p
		},
		Calls: func() int { return current.Calls() },
		InjectError: func(t *testing.T, kind error) bool {
			if kind == nil {
				current.FailCalls(nil)
			} else {
				current.FailCalls(&payments.Error{Kind: kind, Provider: sandboxpay.Name})
			}
			return true
		},
		Succeed: func(t *testing.T, p payments.Provider, id string) {
			if _, err := sandbox(p).Succeed(t.Context(), id); err != nil {
				t.Fatal(err)
			}
		},
		Decline: func(t *testing.T, p payments.Provider, id string) {
			if _, err := sandbox(p).Decline(t.Context(), id, "card_declined", "Your card was declined."); err != nil {
				t.Fatal(err)
			}
		},
	}

	// One of the suite's checks: an amount above the provider's maximum
	// fails before any call, naming the limit.
	p := h.New(nil)
	_, err := p.CreatePayment(context.Background(), payments.CreatePaymentParams{Amount: payments.NewMoney(100_000_000, "usd")})
	fmt.Println(errors.Is(err, payments.ErrInvalidAmount), h.Calls())
	fmt.Println(err)
	// Output:
	// true 0
	// sandbox: payments: invalid amount (amount_too_large): amount is above the maximum of 999999.99 USD
}
