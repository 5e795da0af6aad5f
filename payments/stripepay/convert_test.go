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
		{stripe.PaymentIntentStatusRequiresPaymentMethod, false, 0, payments.StatusRequiresAction},
		{stripe.PaymentIntentStatusRequiresPaymentMethod, true, 0, payments.StatusFailed},
		{stripe.PaymentIntentStatusRequiresConfirmation, false, 0, payments.StatusRequiresAction},
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

// TestMaxAmount pins Stripe's documented maximums, converted to ISO 4217
// minor units, and checks that amounts up to the limit pass the rule and
// the next one up fails with an error naming the limit.
func TestMaxAmount(t *testing.T) {
	tests := []struct {
		currency payments.Currency
		want     int64
		text     string
	}{
		{"USD", 99_999_999, "999999.99 USD"},
		{"eur", 99_999_999, "999999.99 EUR"},
		{"JPY", 99_999_999, "99999999 JPY"},
		{"KWD", 99_999_990, "99999.990 KWD"},
		{"ISK", 999_999, "999999 ISK"},
		{"MGA", 9_999_999_900, "99999999.00 MGA"},
		{"IDR", 999_999_999_999, "9999999999.99 IDR"},
	}
	p, err := stripepay.New("sk_test_123")
	require.NoError(t, err)
	caps := p.Capabilities()
	for _, tt := range tests {
		t.Run(string(tt.currency), func(t *testing.T) {
			limit, ok := stripepay.MaxAmount(tt.currency)
			require.True(t, ok)
			require.Equal(t, payments.Money{Amount: tt.want, Currency: tt.currency.Normalize()}, limit)
			require.Equal(t, tt.text, limit.String())
			fromCaps, ok := caps.MaxAmount(tt.currency)
			require.True(t, ok)
			require.Equal(t, limit, fromCaps, "Capabilities report the same limit")

			wire, err := stripepay.ToStripeAmount(limit)
			require.NoError(t, err)
			if tt.currency.Normalize() == "IDR" {
				require.Equal(t, int64(stripepay.MaxAPIAmountIDR), wire)
			} else {
				require.LessOrEqual(t, wire, int64(stripepay.MaxAPIAmount))
			}
			require.NoError(t, caps.Currencies.CheckAmount(limit), "the limit itself is accepted")
			step := int64(1)
			switch tt.currency.Normalize() {
			case "MGA":
				step = 100 // whole ariary at Stripe
			case "KWD":
				step = 10 // three-decimal amounts end in 0
			}
			err = caps.Currencies.CheckAmount(payments.Money{Amount: limit.Amount + step, Currency: tt.currency})
			require.ErrorIs(t, err, payments.ErrInvalidAmount)
			var perr *payments.Error
			require.ErrorAs(t, err, &perr)
			require.Equal(t, "amount_too_large", perr.Code)
			require.Equal(t, "stripe", perr.Provider)
			require.Contains(t, err.Error(), tt.text, "the error names the limit")
		})
	}
	_, ok := stripepay.MaxAmount("IQD")
	require.False(t, ok, "no limit for a currency Stripe does not document")
}
