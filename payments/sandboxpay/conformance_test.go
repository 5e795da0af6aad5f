package sandboxpay_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/paymentstest"
	"github.com/switchboard-go/switchboard/payments/sandboxpay"
)

func TestConformance(t *testing.T) {
	for _, mode := range []struct {
		name        string
		opts        []sandboxpay.Option
		amount      payments.Money
		unsupported payments.Currency
	}{
		{name: "default"},
		{name: "pending payments and refunds", opts: []sandboxpay.Option{sandboxpay.WithPendingPayments(), sandboxpay.WithPendingRefunds()}},
		{name: "Paystack currencies", opts: []sandboxpay.Option{sandboxpay.WithCurrencies("NGN", "GHS", "ZAR", "KES", "USD")},
			amount: payments.Money{Amount: 500000, Currency: "NGN"}, unsupported: "EUR"},
	} {
		t.Run(mode.name, func(t *testing.T) {
			var current *sandboxpay.Provider
			sb := func(p payments.Provider) *sandboxpay.Provider { return p.(*sandboxpay.Provider) }
			paymentstest.Run(t, paymentstest.Harness{
				New: func(t *testing.T) payments.Provider {
					current = newSandbox(t, mode.opts...)
					return current
				},
				Amount:              mode.amount,
				UnsupportedCurrency: mode.unsupported,
				Succeed: func(t *testing.T, p payments.Provider, id string) {
					_, err := sb(p).Succeed(t.Context(), id)
					require.NoError(t, err)
				},
				Decline: func(t *testing.T, p payments.Provider, id string) {
					_, err := sb(p).Decline(t.Context(), id, "card_declined", "Your card was declined.")
					require.NoError(t, err)
				},
				RequireAction: func(t *testing.T, p payments.Provider, id string) {
					_, err := sb(p).RequireAction(t.Context(), id)
					require.NoError(t, err)
				},
				SettleRefund: func(t *testing.T, p payments.Provider, id string) {
					_, err := sb(p).SucceedRefund(t.Context(), id)
					require.NoError(t, err)
				},
				Calls: func() int { return current.Calls() },
				InjectError: func(t *testing.T, kind error) bool {
					if kind == nil {
						current.FailCalls(nil)
						return true
					}
					current.FailCalls(&payments.Error{Kind: kind, Provider: sandboxpay.Name, Code: "injected"})
					return true
				},
			})
		})
	}
}
