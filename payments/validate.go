package payments

import (
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// CurrencyRule decides whether a provider accepts an amount. Each provider
// declares its rules (the currencies it takes, zero- and three-decimal
// rules, minimum amounts) and ValidateCreatePayment applies them before any
// network call. CheckAmount is given a Money that already passed
// Money.Validate; it returns nil or an error wrapping ErrUnsupportedCurrency
// or ErrInvalidAmount (an *Error is best, so callers can read Code).
type CurrencyRule interface {
	CheckAmount(m Money) error
}

// CurrencyRuleFunc adapts a function to a CurrencyRule.
type CurrencyRuleFunc func(m Money) error

// CheckAmount calls f(m).
func (f CurrencyRuleFunc) CheckAmount(m Money) error { return f(m) }

// AcceptCurrencies returns a rule that accepts only the given currencies
// (Paystack: NGN, GHS, ZAR, KES, USD). Codes compare without regard to
// case.
func AcceptCurrencies(codes ...Currency) CurrencyRule {
	set := make(map[Currency]struct{}, len(codes))
	for _, c := range codes {
		set[c.Normalize()] = struct{}{}
	}
	return CurrencyRuleFunc(func(m Money) error {
		c := m.Currency.Normalize()
		if _, ok := set[c]; !ok {
			return &Error{Kind: ErrUnsupportedCurrency, Code: "currency_not_accepted",
				Message: "currency " + string(c) + " is not accepted by this provider"}
		}
		return nil
	})
}

// MinimumAmounts returns a rule that rejects amounts below a per-currency
// minimum, in minor units. Currencies absent from the map have no minimum.
// Codes compare without regard to case.
func MinimumAmounts(min map[Currency]int64) CurrencyRule {
	norm := make(map[Currency]int64, len(min))
	for c, v := range min {
		norm[c.Normalize()] = v
	}
	return CurrencyRuleFunc(func(m Money) error {
		c := m.Currency.Normalize()
		if v, ok := norm[c]; ok && m.Amount < v {
			return &Error{Kind: ErrInvalidAmount, Code: "amount_too_small",
				Message: "amount is below the minimum of " + Money{Amount: v, Currency: c}.String()}
		}
		return nil
	})
}

// AmountLimiter is implemented by CurrencyRules that bound amounts from
// above, so that an application can read a provider's limit (to show it,
// or to refuse an order before asking) through Capabilities.MaxAmount.
// The rules of MaximumAmounts and AllRules implement it, and so do the
// providers' own rules.
type AmountLimiter interface {
	// MaxAmount returns the largest amount the rule accepts in currency c
	// (in any case), and false when it sets no maximum for c.
	MaxAmount(c Currency) (Money, bool)
}

// maxRule is the rule MaximumAmounts returns.
type maxRule map[Currency]int64

// MaximumAmounts returns a rule that rejects amounts above a per-currency
// maximum, in minor units, with an error wrapping ErrInvalidAmount whose
// Code is "amount_too_large" and whose message names the limit ("amount is
// above the maximum of 999999.99 USD"). Currencies absent from the map
// have no maximum. Codes compare without regard to case. The rule
// implements AmountLimiter.
func MaximumAmounts(max map[Currency]int64) CurrencyRule {
	norm := make(maxRule, len(max))
	for c, v := range max {
		norm[c.Normalize()] = v
	}
	return norm
}

// CheckAmount rejects m when it is above its currency's maximum.
func (r maxRule) CheckAmount(m Money) error {
	if limit, ok := r.MaxAmount(m.Currency); ok && m.Amount > limit.Amount {
		return &Error{Kind: ErrInvalidAmount, Code: "amount_too_large",
			Message: "amount is above the maximum of " + limit.String()}
	}
	return nil
}

// MaxAmount returns the maximum for c.
func (r maxRule) MaxAmount(c Currency) (Money, bool) {
	c = c.Normalize()
	v, ok := r[c]
	return Money{Amount: v, Currency: c}, ok
}

// allRules is the rule AllRules returns.
type allRules []CurrencyRule

// AllRules returns a rule that passes when every non-nil rule passes, and
// otherwise returns the first failure. It implements AmountLimiter: the
// maximum for a currency is the lowest of its rules' maximums.
func AllRules(rules ...CurrencyRule) CurrencyRule {
	out := make(allRules, 0, len(rules))
	for _, r := range rules {
		if r != nil {
			out = append(out, r)
		}
	}
	return out
}

// CheckAmount applies every rule in order and returns the first failure.
func (rs allRules) CheckAmount(m Money) error {
	for _, r := range rs {
		if err := r.CheckAmount(m); err != nil {
			return err
		}
	}
	return nil
}

// MaxAmount returns the lowest maximum the rules set for c.
func (rs allRules) MaxAmount(c Currency) (Money, bool) {
	var best Money
	found := false
	for _, r := range rs {
		l, ok := r.(AmountLimiter)
		if !ok {
			continue
		}
		if m, ok := l.MaxAmount(c); ok && (!found || m.Amount < best.Amount) {
			best, found = m, true
		}
	}
	return best, found
}

// Capabilities declares what a provider accepts and can do. Providers
// return it from a Capabilities method (see CapabilityReporter) and run
// their input through ValidateCreatePayment and ValidateRefund, so that
// invalid input fails the same way, with no network call, everywhere.
type Capabilities struct {
	// Currencies checks amounts after Money.Validate; nil accepts every
	// known currency.
	Currencies CurrencyRule
	// RequiresEmail means CreatePayment needs CustomerEmail (Paystack).
	RequiresEmail bool
	// Cancel means CancelPayment is supported; without it CancelPayment
	// returns an error wrapping ErrNotSupported.
	Cancel bool
	// PartialRefund means Refund accepts an amount below what is left.
	PartialRefund bool
	// MaxIdempotencyKeyLength is the longest idempotency key the provider
	// takes; zero means no limit.
	MaxIdempotencyKeyLength int
	// NextActionOnGet means GetPayment, and CreatePayment replayed with
	// the same idempotency key, report the NextAction of a payment in
	// StatusRequiresAction, as the CreatePayment call that created it does
	// (Stripe, the sandbox). Without it only that first answer carries the
	// next action (Paystack, whose verify answer holds no authorization
	// URL): keep it from there.
	NextActionOnGet bool
}

// MaxAmount returns the largest amount the provider takes in currency c,
// and false when its rules set no maximum for c (see AmountLimiter).
func (c Capabilities) MaxAmount(cur Currency) (Money, bool) {
	if l, ok := c.Currencies.(AmountLimiter); ok {
		return l.MaxAmount(cur)
	}
	return Money{}, false
}

// CapabilityReporter is implemented by providers that declare their
// Capabilities. Every provider in this module implements it.
type CapabilityReporter interface {
	Capabilities() Capabilities
}

// ValidateCreatePayment checks p against the generic rules (a positive
// amount in a known currency, a syntactically valid email when given, the
// idempotency key length) and then against c. provider names the provider
// in the returned *Error. It makes no network call; providers call it
// first thing in CreatePayment.
func (c Capabilities) ValidateCreatePayment(provider string, p CreatePaymentParams) error {
	if err := p.Amount.Validate(); err != nil {
		return withProvider(err, provider)
	}
	if c.Currencies != nil {
		if err := c.Currencies.CheckAmount(p.Amount); err != nil {
			return withProvider(err, provider)
		}
	}
	email := strings.TrimSpace(p.CustomerEmail)
	if email == "" && c.RequiresEmail {
		return &Error{Kind: ErrInvalidRequest, Provider: provider, Code: "email_required",
			Message: "a customer email is required"}
	}
	if email != "" {
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
			return &Error{Kind: ErrInvalidRequest, Provider: provider, Code: "email_invalid",
				Message: "customer email is not a valid address"}
		}
	}
	return c.checkKey(provider, p.IdempotencyKey)
}

// ValidateRefund checks p: a payment id, an amount that is zero (refund the
// rest) or positive, and the idempotency key length. It makes no network
// call.
func (c Capabilities) ValidateRefund(provider string, p RefundParams) error {
	if err := ValidateID(provider, "payment", p.PaymentID); err != nil {
		return err
	}
	if p.Amount < 0 {
		return &Error{Kind: ErrInvalidAmount, Provider: provider, Code: "amount_negative",
			Message: "refund amount must be zero (the rest) or positive"}
	}
	return c.checkKey(provider, p.IdempotencyKey)
}

func (c Capabilities) checkKey(provider, key string) error {
	if c.MaxIdempotencyKeyLength > 0 && len(key) > c.MaxIdempotencyKeyLength {
		return &Error{Kind: ErrInvalidRequest, Provider: provider, Code: "idempotency_key_too_long",
			Message: "idempotency key is longer than " + strconv.Itoa(c.MaxIdempotencyKeyLength) + " bytes"}
	}
	return nil
}

// ValidateID checks that an id passed to GetPayment, CancelPayment or
// GetRefund is non-empty and holds no characters that would change the
// request path (slash, question mark, hash, whitespace or control
// characters). what names the object ("payment", "refund").
func ValidateID(provider, what, id string) error {
	if id == "" {
		return &Error{Kind: ErrInvalidRequest, Provider: provider, Code: what + "_id_missing",
			Message: what + " id is required"}
	}
	for _, r := range id {
		if r <= ' ' || r == 0x7f || r == '/' || r == '?' || r == '#' || r == '%' || r == '\\' {
			return &Error{Kind: ErrInvalidRequest, Provider: provider, Code: what + "_id_invalid",
				Message: what + " id holds characters that are not allowed"}
		}
	}
	return nil
}

// ValidateSecret checks a secret given to a provider's constructor (an API
// secret key, a webhook signing secret). It fails, with an error from
// ConfigError naming provider and what but never the secret, when secret
// is empty, only whitespace, padded with whitespace, or holds whitespace
// or control characters anywhere: such a value is a copy-and-paste
// mistake, and sending it would fail every call or, in a header, split it.
// prefixes, when given, are the forms the provider issues ("sk_", "rk_");
// a secret that starts with none of them is malformed too.
func ValidateSecret(provider, what, secret string, prefixes ...string) error {
	if strings.TrimSpace(secret) == "" {
		return ConfigError(provider, what, "is required")
	}
	for _, r := range secret {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			if strings.TrimSpace(secret) != secret {
				return ConfigError(provider, what, "is padded with whitespace")
			}
			return ConfigError(provider, what, "holds whitespace or control characters")
		}
	}
	if len(prefixes) == 0 {
		return nil
	}
	for _, p := range prefixes {
		if strings.HasPrefix(secret, p) {
			return nil
		}
	}
	return ConfigError(provider, what, "must start with "+strings.Join(prefixes, " or "))
}

// ValidateURL checks a URL given to a provider's constructor (an API base
// URL, a webhook target): it must be an absolute http or https URL with a
// host and without credentials in its user part. The error, from
// ConfigError, names provider and what but never repeats the URL, which
// may hold a token.
func ValidateURL(provider, what, raw string) error {
	if raw == "" {
		return ConfigError(provider, what, "URL is empty")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return ConfigError(provider, what, "must be an absolute http or https URL")
	}
	if u.User != nil {
		return ConfigError(provider, what, "URL must not hold credentials")
	}
	return nil
}

// withProvider sets the provider on an *Error that has none.
func withProvider(err error, provider string) error {
	if e, ok := err.(*Error); ok && e.Provider == "" {
		c := *e
		c.Provider = provider
		return &c
	}
	return err
}
