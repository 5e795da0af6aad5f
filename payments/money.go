package payments

import (
	"math"
	"strconv"
	"strings"
)

// Currency is an ISO 4217 currency code ("USD", "NGN"). The code may be
// written in any case: every function and method of this package that
// validates, formats or compares a Currency treats "usd" as "USD", and
// Normalize returns the upper-case form that providers report.
type Currency string

// Money is an amount in a currency's minor unit (cents for USD, kobo for
// NGN, yen for JPY, fils for KWD). Money{Amount: 2999, Currency: "usd"}
// and Money{Amount: 2999, Currency: "USD"} are the same amount: Validate,
// String, Equal and every provider accept either, and payments, refunds
// and events always report the upper-case code.
type Money struct {
	Amount   int64
	Currency Currency
}

// Normalize returns m with its currency code in upper case.
func (m Money) Normalize() Money {
	m.Currency = m.Currency.Normalize()
	return m
}

// Equal reports whether m and o are the same amount in the same currency,
// comparing currency codes without regard to case.
func (m Money) Equal(o Money) bool {
	return m.Amount == o.Amount && m.Currency.Normalize() == o.Currency.Normalize()
}

// NewMoney returns amount minor units of currency, upper-casing the code
// ("usd" becomes "USD"). It does not validate; call Validate.
func NewMoney(amount int64, currency string) Money {
	return Money{Amount: amount, Currency: Currency(strings.ToUpper(strings.TrimSpace(currency)))}
}

// ParseMoney parses a decimal amount followed by an ISO 4217 code,
// separated by one space: "29.99 USD", "500 JPY", "1.250 KWD". The code may
// be in any case. Fewer decimals than the currency has are allowed ("29.9
// USD" is 2990 cents); more are not ("0.001 USD" is an error), nor are
// exponents, thousands separators or a leading "+". A leading "-" is
// accepted so that String round-trips for every Money; Validate rejects
// negative amounts.
//
// Errors wrap ErrInvalidAmount (malformed or out-of-range amount) or
// ErrUnsupportedCurrency (unknown code).
func ParseMoney(s string) (Money, error) {
	num, code, ok := strings.Cut(s, " ")
	if !ok || num == "" || code == "" || strings.Contains(code, " ") {
		return Money{}, invalidAmount("malformed_money", "want an amount and a currency code, as in \"29.99 USD\"")
	}
	cur, err := ParseCurrency(code)
	if err != nil {
		return Money{}, err
	}
	amount, err := parseMinor(num, cur.Exponent())
	if err != nil {
		return Money{}, err
	}
	return Money{Amount: amount, Currency: cur}, nil
}

// parseMinor converts a decimal string to minor units with exp decimals.
func parseMinor(num string, exp int) (int64, error) {
	neg := false
	if strings.HasPrefix(num, "-") {
		neg = true
		num = num[1:]
	}
	whole, frac, hasDot := strings.Cut(num, ".")
	if whole == "" || !allDigits(whole) || (hasDot && (frac == "" || !allDigits(frac))) {
		return 0, invalidAmount("malformed_amount", "amount must be digits with an optional decimal part")
	}
	if len(frac) > exp {
		return 0, invalidAmount("amount_precision", "amount has more decimals than the currency allows ("+strconv.Itoa(exp)+")")
	}
	frac += strings.Repeat("0", exp-len(frac))
	u, err := strconv.ParseUint(whole+frac, 10, 63)
	if err != nil {
		return 0, invalidAmount("amount_out_of_range", "amount is too large")
	}
	v := int64(u)
	if neg {
		v = -v
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func invalidAmount(code, msg string) error {
	return &Error{Kind: ErrInvalidAmount, Code: code, Message: msg}
}

// String formats m as ParseMoney reads it: "29.99 USD", "500 JPY",
// "-0.05 EUR", the code in upper case. An unknown currency is printed with its amount in minor
// units ("12 XYZ").
func (m Money) String() string {
	var buf [48]byte
	exp := m.Currency.Exponent()
	b := buf[:0]
	if exp <= 0 {
		b = strconv.AppendInt(b, m.Amount, 10)
		return string(append(append(b, ' '), m.Currency.Normalize()...))
	}
	var u uint64
	if m.Amount < 0 {
		b = append(b, '-')
		u = uint64(-(m.Amount + 1)) + 1 // safe for math.MinInt64
	} else {
		u = uint64(m.Amount)
	}
	var dbuf [24]byte
	digits := strconv.AppendUint(dbuf[:0], u, 10)
	for len(digits) <= exp {
		digits = append([]byte{'0'}, digits...)
	}
	cut := len(digits) - exp
	b = append(b, digits[:cut]...)
	b = append(b, '.')
	b = append(b, digits[cut:]...)
	b = append(b, ' ')
	b = append(b, m.Currency.Normalize()...)
	return string(b)
}

// Validate reports whether m can be charged at all: a known currency (in
// any case) and a positive amount. Errors are *Error values wrapping ErrUnsupportedCurrency
// or ErrInvalidAmount.
func (m Money) Validate() error {
	if !m.Currency.Valid() {
		return &Error{Kind: ErrUnsupportedCurrency, Code: "unknown_currency",
			Message: "unknown ISO 4217 currency " + quoteCode(string(m.Currency))}
	}
	if m.Amount <= 0 {
		return invalidAmount("amount_not_positive", "amount must be greater than zero")
	}
	return nil
}

// IsZero reports whether m is the zero Money.
func (m Money) IsZero() bool { return m == Money{} }

// Major returns the amount in major units as a float64 (29.99 for 2999
// USD), for display only: never compute with it.
func (m Money) Major() float64 {
	exp := m.Currency.Exponent()
	if exp < 0 {
		exp = 0
	}
	return float64(m.Amount) / math.Pow10(exp)
}
