package payments_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/payments"
)

func TestCapabilitiesValidateCreatePayment(t *testing.T) {
	caps := payments.Capabilities{
		Currencies: payments.AllRules(
			payments.AcceptCurrencies("NGN", "USD", "KWD"),
			payments.MinimumAmounts(map[payments.Currency]int64{"NGN": 5000}),
			nil,
		),
		RequiresEmail:           true,
		MaxIdempotencyKeyLength: 10,
	}
	good := payments.CreatePaymentParams{Amount: payments.NewMoney(10000, "NGN"), CustomerEmail: "ada@example.com"}
	tests := []struct {
		name     string
		mutate   func(p *payments.CreatePaymentParams)
		want     error
		wantCode string
	}{
		{"ok", func(*payments.CreatePaymentParams) {}, nil, ""},
		{"zero amount", func(p *payments.CreatePaymentParams) { p.Amount.Amount = 0 }, payments.ErrInvalidAmount, "amount_not_positive"},
		{"negative amount", func(p *payments.CreatePaymentParams) { p.Amount.Amount = -100 }, payments.ErrInvalidAmount, "amount_not_positive"},
		{"unknown currency", func(p *payments.CreatePaymentParams) { p.Amount.Currency = "XYZ" }, payments.ErrUnsupportedCurrency, "unknown_currency"},
		{"not accepted", func(p *payments.CreatePaymentParams) { p.Amount.Currency = "EUR" }, payments.ErrUnsupportedCurrency, "currency_not_accepted"},
		{"below minimum", func(p *payments.CreatePaymentParams) { p.Amount.Amount = 4999 }, payments.ErrInvalidAmount, "amount_too_small"},
		{"no email", func(p *payments.CreatePaymentParams) { p.CustomerEmail = "" }, payments.ErrInvalidRequest, "email_required"},
		{"bad email", func(p *payments.CreatePaymentParams) { p.CustomerEmail = "Ada <ada@example.com>" }, payments.ErrInvalidRequest, "email_invalid"},
		{"key too long", func(p *payments.CreatePaymentParams) { p.IdempotencyKey = strings.Repeat("k", 11) }, payments.ErrInvalidRequest, "idempotency_key_too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good
			tt.mutate(&p)
			err := caps.ValidateCreatePayment("test", p)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
			var perr *payments.Error
			require.True(t, errors.As(err, &perr))
			require.Equal(t, "test", perr.Provider)
			require.Equal(t, tt.wantCode, perr.Code)
			require.True(t, strings.HasPrefix(err.Error(), "test: payments: "), err.Error())
		})
	}
}

func TestCapabilitiesValidateRefund(t *testing.T) {
	caps := payments.Capabilities{}
	require.NoError(t, caps.ValidateRefund("p", payments.RefundParams{PaymentID: "pi_1"}))
	require.NoError(t, caps.ValidateRefund("p", payments.RefundParams{PaymentID: "pi_1", Amount: 5}))
	require.ErrorIs(t, caps.ValidateRefund("p", payments.RefundParams{}), payments.ErrInvalidRequest)
	require.ErrorIs(t, caps.ValidateRefund("p", payments.RefundParams{PaymentID: "pi_1", Amount: -1}), payments.ErrInvalidAmount)
}

func TestValidateID(t *testing.T) {
	for _, id := range []string{"pi_123", "T-123.4=5", "ref_ünï"} {
		require.NoError(t, payments.ValidateID("p", "payment", id), id)
	}
	for _, id := range []string{"", "a/b", "a?b", "a#b", "a b", "a\nb", "%2e%2e", `a\b`} {
		require.ErrorIs(t, payments.ValidateID("p", "payment", id), payments.ErrInvalidRequest, id)
	}
}

func TestStatusHelpers(t *testing.T) {
	all := []payments.Status{payments.StatusPending, payments.StatusRequiresAction, payments.StatusProcessing,
		payments.StatusSucceeded, payments.StatusFailed, payments.StatusCanceled, payments.StatusRefunded,
		payments.StatusPartiallyRefunded}
	for _, s := range all {
		require.True(t, s.Valid(), s)
		n := 0
		for _, b := range []bool{s.IsOpen(), s.IsPaid(), s == payments.StatusFailed || s == payments.StatusCanceled} {
			if b {
				n++
			}
		}
		require.Equal(t, 1, n, "%s is in exactly one of open, paid, unpaid-final", s)
	}
	require.False(t, payments.Status("authorized").Valid())
	require.True(t, payments.StatusRefunded.IsTerminal())
	require.False(t, payments.StatusPartiallyRefunded.IsTerminal())
	require.Equal(t, payments.StatusSucceeded, payments.PaidStatus(100, 0))
	require.Equal(t, payments.StatusPartiallyRefunded, payments.PaidStatus(100, 40))
	require.Equal(t, payments.StatusRefunded, payments.PaidStatus(100, 100))
	require.True(t, payments.RefundPending.Valid())
	require.False(t, payments.RefundPending.IsTerminal())
	require.True(t, payments.RefundSucceeded.IsTerminal())
	require.True(t, payments.EventDisputeOpened.Valid())
	require.False(t, payments.EventType("x").Valid())
}

func TestErrorFormatting(t *testing.T) {
	under := errors.New("boom")
	err := &payments.Error{Kind: payments.ErrCardDeclined, Provider: "stripe", Code: "card_declined",
		DeclineCode: "insufficient_funds", Message: "Your card was declined.", RequestID: "req_1", Err: under}
	require.Equal(t, "stripe: payments: card declined (card_declined): Your card was declined. [request req_1]", err.Error())
	require.ErrorIs(t, err, payments.ErrCardDeclined)
	require.ErrorIs(t, err, under)
	require.False(t, payments.IsRetryable(err))
	require.True(t, payments.IsRetryable(&payments.Error{Kind: payments.ErrRateLimited}))
	require.Nil(t, payments.KindOf(under))
	require.Equal(t, "payments: error", (&payments.Error{}).Error())
}

func TestValidateSecret(t *testing.T) {
	const secret = "sk_test_Zm9vYmFyYmF6"
	tests := []struct {
		name     string
		secret   string
		prefixes []string
		problem  string
	}{
		{"good", secret, nil, ""},
		{"good with prefix", secret, []string{"sk_", "rk_"}, ""},
		{"restricted key", "rk_live_abc", []string{"sk_", "rk_"}, ""},
		{"empty", "", nil, "is required"},
		{"whitespace only", " \t\n", nil, "is required"},
		{"leading space", " " + secret, nil, "is padded with whitespace"},
		{"trailing newline", secret + "\n", nil, "is padded with whitespace"},
		{"inner newline", "sk_test_x\nInjected: 1", nil, "holds whitespace or control characters"},
		{"inner NUL", "sk_test_x\x00y", nil, "holds whitespace or control characters"},
		{"publishable key", "pk_test_abcdef", []string{"sk_", "rk_"}, "must start with sk_ or rk_"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := payments.ValidateSecret("stripe", "secret key", tt.secret, tt.prefixes...)
			if tt.problem == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, payments.ErrInvalidConfig)
			require.Equal(t, payments.ErrInvalidConfig, payments.KindOf(err))
			var perr *payments.Error
			require.ErrorAs(t, err, &perr)
			require.Equal(t, "stripe", perr.Provider)
			require.Contains(t, err.Error(), "stripe: ")
			require.Contains(t, err.Error(), "secret key: "+tt.problem)
			if s := strings.TrimSpace(tt.secret); len(s) > 3 {
				require.NotContains(t, err.Error(), s[3:], "the secret never appears in the error")
			}
		})
	}
}

func TestValidateURL(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:12111", "https://api.stripe.com", "https://proxy.example.com/stripe/v1"} {
		require.NoError(t, payments.ValidateURL("stripe", "WithBaseURL", ok), ok)
	}
	for raw, problem := range map[string]string{
		"":                                "URL is empty",
		"api.stripe.com":                  "must be an absolute http or https URL",
		"ftp://api.stripe.com":            "must be an absolute http or https URL",
		"https://":                        "must be an absolute http or https URL",
		"http://[::1":                     "must be an absolute http or https URL",
		"https:opaque":                    "must be an absolute http or https URL",
		"https://sk_live_x@proxy.example": "URL must not hold credentials",
	} {
		err := payments.ValidateURL("stripe", "WithBaseURL", raw)
		require.ErrorIs(t, err, payments.ErrInvalidConfig, raw)
		require.Contains(t, err.Error(), "WithBaseURL: "+problem, raw)
		if raw != "" {
			require.NotContains(t, err.Error(), raw, "the URL is never repeated")
		}
	}
}

func TestConfigError(t *testing.T) {
	err := payments.ConfigError("paystack", "WithClock", "clock is nil")
	require.Equal(t, "paystack: payments: invalid configuration: WithClock: clock is nil", err.Error())
	require.ErrorIs(t, err, payments.ErrInvalidConfig)
	require.False(t, payments.IsRetryable(err))
}

func TestMaximumAmounts(t *testing.T) {
	rule := payments.MaximumAmounts(map[payments.Currency]int64{"usd": 99_999_999, "JPY": 9_999_999})
	require.NoError(t, rule.CheckAmount(payments.NewMoney(99_999_999, "USD")), "the limit itself is accepted")
	require.NoError(t, rule.CheckAmount(payments.NewMoney(1<<60, "EUR")), "no maximum for other currencies")
	err := rule.CheckAmount(payments.Money{Amount: 100_000_000, Currency: "usd"})
	require.ErrorIs(t, err, payments.ErrInvalidAmount)
	var perr *payments.Error
	require.ErrorAs(t, err, &perr)
	require.Equal(t, "amount_too_large", perr.Code)
	require.Equal(t, "amount is above the maximum of 999999.99 USD", perr.Message)

	l, ok := rule.(payments.AmountLimiter)
	require.True(t, ok)
	m, ok := l.MaxAmount("jpy")
	require.True(t, ok)
	require.Equal(t, payments.NewMoney(9_999_999, "JPY"), m)
	_, ok = l.MaxAmount("EUR")
	require.False(t, ok)

	// AllRules reports the lowest maximum of its rules, and applies them in order.
	all := payments.AllRules(nil, payments.AcceptCurrencies("USD", "JPY"), rule,
		payments.MaximumAmounts(map[payments.Currency]int64{"USD": 500_000}))
	caps := payments.Capabilities{Currencies: all}
	m, ok = caps.MaxAmount("usd")
	require.True(t, ok)
	require.Equal(t, payments.NewMoney(500_000, "USD"), m)
	m, ok = caps.MaxAmount("JPY")
	require.True(t, ok)
	require.Equal(t, payments.NewMoney(9_999_999, "JPY"), m)
	_, ok = caps.MaxAmount("EUR")
	require.False(t, ok)
	err = caps.ValidateCreatePayment("stripe", payments.CreatePaymentParams{Amount: payments.NewMoney(500_001, "USD")})
	require.ErrorIs(t, err, payments.ErrInvalidAmount)
	require.Contains(t, err.Error(), "stripe: ")
	require.Contains(t, err.Error(), "5000.00 USD", "the error names the limit")
	require.ErrorIs(t, caps.ValidateCreatePayment("stripe", payments.CreatePaymentParams{Amount: payments.NewMoney(5, "EUR")}),
		payments.ErrUnsupportedCurrency)

	_, ok = payments.Capabilities{}.MaxAmount("USD")
	require.False(t, ok, "no rules, no maximum")
	_, ok = payments.Capabilities{Currencies: payments.AcceptCurrencies("USD")}.MaxAmount("USD")
	require.False(t, ok, "a rule without a maximum")
}
