package stripepay_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v76"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/stripepay"
)

func TestToStripeAmount(t *testing.T) {
	tests := []struct {
		in   payments.Money
		want int64
		kind error
	}{
		{payments.NewMoney(2999, "USD"), 2999, nil},
		{payments.NewMoney(500, "JPY"), 500, nil},
		{payments.NewMoney(1250, "KWD"), 1250, nil},
		{payments.NewMoney(1255, "KWD"), 0, payments.ErrInvalidAmount},
		{payments.NewMoney(1000, "TND"), 1000, nil},
		{payments.NewMoney(500, "ISK"), 50000, nil},
		{payments.NewMoney(100, "MGA"), 1, nil},
		{payments.NewMoney(150, "MGA"), 0, payments.ErrInvalidAmount},
		{payments.NewMoney(1000, "IQD"), 0, payments.ErrUnsupportedCurrency},
		{payments.NewMoney(1000, "CLF"), 0, payments.ErrUnsupportedCurrency},
		{payments.NewMoney(0, "USD"), 0, payments.ErrInvalidAmount},
		{payments.NewMoney(100, "XYZ"), 0, payments.ErrUnsupportedCurrency},
		{payments.NewMoney(1<<62, "ISK"), 0, payments.ErrInvalidAmount},
		// Literals with a lower-case code follow the same rules.
		{payments.Money{Amount: 500, Currency: "jpy"}, 500, nil},
		{payments.Money{Amount: 1255, Currency: "kwd"}, 0, payments.ErrInvalidAmount},
		{payments.Money{Amount: 500, Currency: "isk"}, 50000, nil},
	}
	for _, tt := range tests {
		t.Run(tt.in.String(), func(t *testing.T) {
			got, err := stripepay.ToStripeAmount(tt.in)
			if tt.kind != nil {
				require.ErrorIs(t, err, tt.kind)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			require.Equal(t, tt.in.Normalize(), stripepay.FromStripeAmount(got, string(tt.in.Currency)))
		})
	}
}

func TestStripeExponent(t *testing.T) {
	for c, want := range map[payments.Currency]int{"USD": 2, "JPY": 0, "KRW": 0, "MGA": 0, "UGX": 0, "BHD": 3, "ISK": 2, "HUF": 2,
		"jpy": 0, "kwd": 3, "isk": 2, "usd": 2} {
		got, ok := stripepay.StripeExponent(c)
		require.True(t, ok, c)
		require.Equal(t, want, got, c)
	}
	_, ok := stripepay.StripeExponent("LYD")
	require.False(t, ok)
}

func TestStatusFor(t *testing.T) {
	tests := []struct {
		s        stripe.PaymentIntentStatus
		failed   bool
		refunded int64
		want     payments.Status
	}{
		{stripe.PaymentIntentStatusRequiresPaymentMethod, false, 0, payments.StatusPending},
		{stripe.PaymentIntentStatusRequiresPaymentMethod, true, 0, payments.StatusFailed},
		{stripe.PaymentIntentStatusRequiresConfirmation, false, 0, payments.StatusPending},
		{stripe.PaymentIntentStatusRequiresAction, false, 0, payments.StatusRequiresAction},
		{stripe.PaymentIntentStatusProcessing, false, 0, payments.StatusProcessing},
		{stripe.PaymentIntentStatusRequiresCapture, false, 0, payments.StatusProcessing},
		{stripe.PaymentIntentStatusSucceeded, false, 0, payments.StatusSucceeded},
		{stripe.PaymentIntentStatusSucceeded, false, 1, payments.StatusPartiallyRefunded},
		{stripe.PaymentIntentStatusSucceeded, false, 100, payments.StatusRefunded},
		{stripe.PaymentIntentStatusCanceled, false, 0, payments.StatusCanceled},
		{"something_new", false, 0, payments.StatusPending},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, stripepay.StatusFor(tt.s, tt.failed, 100, tt.refunded), "%s failed=%v refunded=%d", tt.s, tt.failed, tt.refunded)
	}
	for s, want := range map[stripe.RefundStatus]payments.RefundStatus{
		stripe.RefundStatusPending: payments.RefundPending, stripe.RefundStatusRequiresAction: payments.RefundPending,
		stripe.RefundStatusSucceeded: payments.RefundSucceeded, stripe.RefundStatusFailed: payments.RefundFailed,
		stripe.RefundStatusCanceled: payments.RefundCanceled,
	} {
		require.Equal(t, want, stripepay.RefundStatusFor(s))
	}
}
