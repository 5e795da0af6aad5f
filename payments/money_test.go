package payments_test

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/payments"
)

func TestCurrencyExponent(t *testing.T) {
	tests := []struct {
		code payments.Currency
		want int
	}{
		{"USD", 2}, {"EUR", 2}, {"NGN", 2}, {"GHS", 2}, {"KES", 2}, {"ZAR", 2},
		{"JPY", 0}, {"KRW", 0}, {"VND", 0}, {"CLP", 0}, {"ISK", 0}, {"UGX", 0}, {"XOF", 0},
		{"KWD", 3}, {"BHD", 3}, {"JOD", 3}, {"OMR", 3}, {"TND", 3}, {"IQD", 3}, {"LYD", 3},
		{"CLF", 4}, {"UYW", 4}, {"MGA", 2},
		{"usd", 2}, {"Jpy", 0}, {"kwd", 3},
		{"XAU", -1}, {"XXX", -1}, {"", -1}, {"ABC", -1}, {" USD", -1}, {"usdx", -1},
	}
	for _, tt := range tests {
		t.Run(string(tt.code), func(t *testing.T) {
			require.Equal(t, tt.want, tt.code.Exponent())
			require.Equal(t, tt.want >= 0, tt.code.Valid())
		})
	}
	require.GreaterOrEqual(t, len(payments.Currencies()), 150, "the table holds every active ISO 4217 code")
	for _, c := range payments.Currencies() {
		require.Len(t, string(c), 3)
		require.Contains(t, []int{0, 2, 3, 4}, c.Exponent(), c)
	}
}

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in      string
		want    payments.Money
		wantErr error
	}{
		{"29.99 USD", payments.Money{Amount: 2999, Currency: "USD"}, nil},
		{"29.9 USD", payments.Money{Amount: 2990, Currency: "USD"}, nil},
		{"29 usd", payments.Money{Amount: 2900, Currency: "USD"}, nil},
		{"0.01 EUR", payments.Money{Amount: 1, Currency: "EUR"}, nil},
		{"500 JPY", payments.Money{Amount: 500, Currency: "JPY"}, nil},
		{"1.250 KWD", payments.Money{Amount: 1250, Currency: "KWD"}, nil},
		{"5000.00 NGN", payments.Money{Amount: 500000, Currency: "NGN"}, nil},
		{"-0.05 EUR", payments.Money{Amount: -5, Currency: "EUR"}, nil},
		{"0.0001 CLF", payments.Money{Amount: 1, Currency: "CLF"}, nil},
		{"92233720368547758.07 USD", payments.Money{Amount: math.MaxInt64, Currency: "USD"}, nil},
		{"92233720368547758.08 USD", payments.Money{}, payments.ErrInvalidAmount},
		{"0.001 USD", payments.Money{}, payments.ErrInvalidAmount},
		{"500.5 JPY", payments.Money{}, payments.ErrInvalidAmount},
		{"500. JPY", payments.Money{}, payments.ErrInvalidAmount},
		{".5 USD", payments.Money{}, payments.ErrInvalidAmount},
		{"1e3 USD", payments.Money{}, payments.ErrInvalidAmount},
		{"1,000.00 USD", payments.Money{}, payments.ErrInvalidAmount},
		{"+1.00 USD", payments.Money{}, payments.ErrInvalidAmount},
		{"29.99", payments.Money{}, payments.ErrInvalidAmount},
		{"29.99  USD", payments.Money{}, payments.ErrInvalidAmount},
		{"", payments.Money{}, payments.ErrInvalidAmount},
		{"29.99 XYZ", payments.Money{}, payments.ErrUnsupportedCurrency},
		{"29.99 US", payments.Money{}, payments.ErrUnsupportedCurrency},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := payments.ParseMoney(tt.in)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				var perr *payments.Error
				require.True(t, errors.As(err, &perr))
				require.NotEmpty(t, perr.Code)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestMoneyString(t *testing.T) {
	tests := []struct {
		m    payments.Money
		want string
	}{
		{payments.NewMoney(2999, "usd"), "29.99 USD"},
		{payments.NewMoney(5, "EUR"), "0.05 EUR"},
		{payments.NewMoney(0, "EUR"), "0.00 EUR"},
		{payments.NewMoney(-5, "EUR"), "-0.05 EUR"},
		{payments.NewMoney(500, "JPY"), "500 JPY"},
		{payments.NewMoney(1250, "KWD"), "1.250 KWD"},
		{payments.NewMoney(7, "KWD"), "0.007 KWD"},
		{payments.NewMoney(math.MinInt64, "USD"), "-92233720368547758.08 USD"},
		{payments.NewMoney(12, "XYZ"), "12 XYZ"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			require.Equal(t, tt.want, tt.m.String())
			if tt.m.Currency.Valid() && tt.m.Amount != math.MinInt64 {
				back, err := payments.ParseMoney(tt.want)
				require.NoError(t, err)
				require.Equal(t, tt.m, back)
			}
		})
	}
}

func TestMoneyValidate(t *testing.T) {
	tests := []struct {
		name string
		m    payments.Money
		want error
	}{
		{"ok", payments.NewMoney(100, "usd"), nil},
		{"zero", payments.NewMoney(0, "USD"), payments.ErrInvalidAmount},
		{"negative", payments.NewMoney(-1, "USD"), payments.ErrInvalidAmount},
		{"unknown currency", payments.NewMoney(100, "XYZ"), payments.ErrUnsupportedCurrency},
		{"lower-case literal", payments.Money{Amount: 100, Currency: "usd"}, nil},
		{"mixed-case literal", payments.Money{Amount: 100, Currency: "Ngn"}, nil},
		{"lower-case unknown code", payments.Money{Amount: 100, Currency: "xyz"}, payments.ErrUnsupportedCurrency},
		{"empty", payments.Money{}, payments.ErrUnsupportedCurrency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.m.Validate()
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
			require.Equal(t, tt.want, payments.KindOf(err))
		})
	}
}

// TestMoneyAcceptsEitherCase is the regression test for Money literals
// with a lower-case currency: they validate, format, compare and pass
// currency rules exactly as the upper-case form does.
func TestMoneyAcceptsEitherCase(t *testing.T) {
	lower := payments.Money{Amount: 2999, Currency: "usd"}
	upper := payments.Money{Amount: 2999, Currency: "USD"}

	require.NoError(t, lower.Validate())
	require.Equal(t, "29.99 USD", lower.String())
	require.Equal(t, "USD", lower.Currency.String())
	require.InDelta(t, 29.99, lower.Major(), 1e-9)
	require.True(t, lower.Equal(upper))
	require.True(t, upper.Equal(lower))
	require.False(t, lower.Equal(payments.Money{Amount: 2998, Currency: "USD"}))
	require.False(t, lower.Equal(payments.Money{Amount: 2999, Currency: "EUR"}))
	require.Equal(t, upper, lower.Normalize())
	require.Equal(t, upper, upper.Normalize())
	require.Equal(t, payments.NewMoney(2999, "usd"), lower.Normalize())

	// The same amount in a three-decimal currency keeps its exponent.
	require.Equal(t, "1.250 KWD", payments.Money{Amount: 1250, Currency: "kwd"}.String())

	// Currency rules compare codes in any case, on either side.
	paystack := payments.AcceptCurrencies("ngn", "USD")
	require.NoError(t, paystack.CheckAmount(lower))
	require.NoError(t, paystack.CheckAmount(payments.Money{Amount: 100, Currency: "NGN"}))
	require.ErrorIs(t, paystack.CheckAmount(payments.Money{Amount: 100, Currency: "eur"}), payments.ErrUnsupportedCurrency)
	minimum := payments.MinimumAmounts(map[payments.Currency]int64{"usd": 50})
	err := minimum.CheckAmount(payments.Money{Amount: 49, Currency: "USD"})
	require.ErrorIs(t, err, payments.ErrInvalidAmount)
	require.Contains(t, err.Error(), "0.50 USD")
	require.NoError(t, minimum.CheckAmount(payments.Money{Amount: 50, Currency: "usd"}))
	caps := payments.Capabilities{Currencies: payments.AcceptCurrencies("USD")}
	require.NoError(t, caps.ValidateCreatePayment("test", payments.CreatePaymentParams{Amount: lower}))
}

func TestCurrencyNormalize(t *testing.T) {
	for in, want := range map[payments.Currency]payments.Currency{
		"usd": "USD", "USD": "USD", "uSd": "USD", "": "", "x1z": "X1Z", "ÿsd": "ÿSD",
	} {
		require.Equal(t, want, in.Normalize(), in)
	}
	require.Zero(t, testing.AllocsPerRun(100, func() { _ = payments.Currency("USD").Normalize() }),
		"an upper-case code is returned as it is")
}

func TestMoneyMajor(t *testing.T) {
	require.InDelta(t, 29.99, payments.NewMoney(2999, "USD").Major(), 1e-9)
	require.InDelta(t, 500.0, payments.NewMoney(500, "JPY").Major(), 1e-9)
	require.InDelta(t, 1.25, payments.NewMoney(1250, "KWD").Major(), 1e-9)
	require.True(t, payments.Money{}.IsZero())
}

func TestParseCurrency(t *testing.T) {
	c, err := payments.ParseCurrency(" ngn ")
	require.NoError(t, err)
	require.Equal(t, payments.Currency("NGN"), c)
	_, err = payments.ParseCurrency("naira-but-much-longer-than-a-code")
	require.ErrorIs(t, err, payments.ErrUnsupportedCurrency)
	require.NotContains(t, err.Error(), "much-longer-than-a-code", "user input is cut short in messages")
}

// FuzzParseMoney checks that ParseMoney never panics and that every value
// it accepts formats back to an equal value.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"29.99 USD", "500 JPY", "1.250 KWD", "-0.05 EUR", "0.0001 CLF",
		"", " ", "1e9 USD", "99999999999999999999 USD", "1.2.3 USD", "12 usd", "\x00 USD"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := payments.ParseMoney(s)
		if err != nil {
			if payments.KindOf(err) == nil {
				t.Fatalf("error %v is not a payments error", err)
			}
			return
		}
		back, err := payments.ParseMoney(m.String())
		if err != nil {
			t.Fatalf("String() %q of parsed %q does not parse: %v", m.String(), s, err)
		}
		if back != m {
			t.Fatalf("round trip of %q: %v != %v", s, back, m)
		}
	})
}
