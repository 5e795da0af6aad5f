package stripepay

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v76"

	"github.com/switchboard-go/switchboard/payments"
)

// Stripe's zero-decimal currencies: the API amount is in whole units.
// Source: https://docs.stripe.com/currencies#zero-decimal
var zeroDecimal = map[payments.Currency]bool{
	"BIF": true, "CLP": true, "DJF": true, "GNF": true, "JPY": true, "KMF": true,
	"KRW": true, "MGA": true, "PYG": true, "RWF": true, "UGX": true, "VND": true,
	"VUV": true, "XAF": true, "XOF": true, "XPF": true,
}

// Stripe's three-decimal currencies: the API amount is in thousandths and
// its last digit must be 0. Source: https://docs.stripe.com/currencies#three-decimal
var threeDecimal = map[payments.Currency]bool{
	"BHD": true, "JOD": true, "KWD": true, "OMR": true, "TND": true,
}

// StripeExponent returns the number of decimals Stripe's API uses for c,
// and false when Stripe does not document c's minor unit. It differs from
// ISO 4217 for ISK (ISO 0; "ISK will remain a two-decimal currency in the
// Stripe API", with amounts a multiple of 100) and MGA (ISO 2; zero-decimal
// at Stripe).
func StripeExponent(c payments.Currency) (int, bool) {
	c = c.Normalize()
	switch {
	case zeroDecimal[c]:
		return 0, true
	case threeDecimal[c]:
		return 3, true
	case c == "ISK":
		return 2, true
	case c.Exponent() == 2:
		return 2, true
	}
	return 0, false
}

// ToStripeAmount converts m (ISO 4217 minor units) to the integer Stripe's
// API expects, applying Stripe's rules: the zero- and three-decimal lists,
// three-decimal amounts ending in 0, and the ISK and MGA exceptions. The
// currency may be in any case. Errors wrap ErrUnsupportedCurrency or
// ErrInvalidAmount.
func ToStripeAmount(m payments.Money) (int64, error) {
	m = m.Normalize()
	if err := m.Validate(); err != nil {
		var perr *payments.Error
		if errors.As(err, &perr) {
			c := *perr
			c.Provider = Name
			return 0, &c
		}
		return 0, err
	}
	sexp, ok := StripeExponent(m.Currency)
	if !ok {
		return 0, &payments.Error{Kind: payments.ErrUnsupportedCurrency, Provider: Name, Code: "currency_not_accepted",
			Message: "Stripe does not document the minor unit of " + string(m.Currency)}
	}
	amount := m.Amount
	for e := m.Currency.Exponent(); e < sexp; e++ {
		if amount > (1<<63-1)/10 {
			return 0, &payments.Error{Kind: payments.ErrInvalidAmount, Provider: Name, Code: "amount_out_of_range",
				Message: "amount is too large"}
		}
		amount *= 10
	}
	for e := m.Currency.Exponent(); e > sexp; e-- {
		if amount%10 != 0 {
			return 0, &payments.Error{Kind: payments.ErrInvalidAmount, Provider: Name, Code: "amount_precision",
				Message: "Stripe charges " + string(m.Currency) + " in whole units"}
		}
		amount /= 10
	}
	if threeDecimal[m.Currency] && amount%10 != 0 {
		return 0, &payments.Error{Kind: payments.ErrInvalidAmount, Provider: Name, Code: "amount_precision",
			Message: "Stripe requires " + string(m.Currency) + " amounts to end in 0"}
	}
	return amount, nil
}

// FromStripeAmount converts an amount as Stripe's API reports it, in the
// lower-case currency Stripe uses, to Money in ISO 4217 minor units.
func FromStripeAmount(amount int64, currency string) payments.Money {
	c := payments.Currency(strings.ToUpper(currency))
	sexp, ok := StripeExponent(c)
	if !ok {
		return payments.Money{Amount: amount, Currency: c}
	}
	for e := c.Exponent(); e < sexp; e++ {
		amount /= 10
	}
	for e := c.Exponent(); e > sexp; e-- {
		amount *= 10
	}
	return payments.Money{Amount: amount, Currency: c}
}

// Stripe's largest amounts, in the units of its API: "The amount value
// supports up to eight digits (e.g., a value of 99999999 for a USD charge
// of $999,999.99)" (Stripe API reference, PaymentIntent amount), and "up
// to twelve digits for IDR (for example, a value of 999999999999 for a
// charge of 9,999,999,999.99 IDR)" (Stripe's supported currencies page,
// https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts).
// The limit is technical: it holds whatever the currency is worth.
const (
	MaxAPIAmount    = 99_999_999
	MaxAPIAmountIDR = 999_999_999_999
)

// MaxAmount returns the largest amount Stripe charges in c, in ISO 4217
// minor units (999999.99 USD, 99999999 JPY, 999999 ISK, 99999.990 KWD,
// 9999999999.99 IDR), and false when Stripe does not document c's minor
// unit. CreatePayment rejects larger amounts before any request, with an
// error wrapping payments.ErrInvalidAmount (code "amount_too_large") that
// names the limit; Capabilities().MaxAmount reports the same value.
func MaxAmount(c payments.Currency) (payments.Money, bool) {
	c = c.Normalize()
	sexp, ok := StripeExponent(c)
	if !ok {
		return payments.Money{}, false
	}
	limit := int64(MaxAPIAmount)
	if c == "IDR" {
		limit = MaxAPIAmountIDR
	}
	// From Stripe's units to ISO minor units, rounding down where Stripe
	// counts finer units (ISK): 99999999 ISK hundredths are 999999 ISK.
	for e := c.Exponent(); e < sexp; e++ {
		limit /= 10
	}
	for e := c.Exponent(); e > sexp; e-- {
		limit *= 10
	}
	if threeDecimal[c] {
		limit -= limit % 10 // the largest amount that ends in 0
	}
	return payments.Money{Amount: limit, Currency: c}, true
}

// maxAmounts is Stripe's maximum for every currency it documents.
var maxAmounts = func() payments.CurrencyRule {
	m := make(map[payments.Currency]int64)
	for _, c := range payments.Currencies() {
		if limit, ok := MaxAmount(c); ok {
			m[c] = limit.Amount
		}
	}
	return payments.MaximumAmounts(m)
}()

// currencyRule is Stripe's CurrencyRule: the currency's minor unit and
// precision (ToStripeAmount) and the maximum amount (MaxAmount). It
// implements payments.AmountLimiter.
type currencyRule struct{}

// MaxAmount returns Stripe's maximum for c; see the function MaxAmount.
func (currencyRule) MaxAmount(c payments.Currency) (payments.Money, bool) {
	return maxAmounts.(payments.AmountLimiter).MaxAmount(c)
}

func (currencyRule) CheckAmount(m payments.Money) error {
	if _, ok := StripeExponent(m.Currency); ok {
		// The maximum first: it names the limit, where an enormous amount
		// would otherwise fail as out of range.
		if err := maxAmounts.CheckAmount(m); err != nil {
			return withProvider(err)
		}
	}
	_, err := ToStripeAmount(m)
	return err
}

// withProvider names Stripe in a *payments.Error from a shared rule.
func withProvider(err error) error {
	var perr *payments.Error
	if errors.As(err, &perr) && perr.Provider == "" {
		c := *perr
		c.Provider = Name
		return &c
	}
	return err
}

// StatusFor maps a PaymentIntent status to the normalized status, so that
// code written against another provider (or the sandbox) sees the same
// statuses for the same situations:
//
//	requires_payment_method  requires_action (failed when the last attempt failed: hasPaymentError)
//	requires_confirmation    requires_action
//	requires_action          requires_action
//	processing               processing
//	requires_capture         processing
//	succeeded                succeeded, partially_refunded or refunded (by amountRefunded)
//	canceled                 canceled
//	anything else            pending
//
// A new PaymentIntent is requires_payment_method: nothing happens until
// the customer gives a payment method and confirms in the browser with the
// client secret, which is what requires_action means. requires_confirmation
// also waits on a confirmation the client makes with the client secret,
// and Stripe's own requires_action (3-D Secure, a redirect) waits on the
// customer. None of them is pending, which is for a payment that moves on
// without the customer. A declined attempt sends a PaymentIntent back to
// requires_payment_method with its last_payment_error set: that is failed,
// as a declined payment is on every provider.
func StatusFor(status stripe.PaymentIntentStatus, hasPaymentError bool, amount, amountRefunded int64) payments.Status {
	switch status {
	case stripe.PaymentIntentStatusRequiresPaymentMethod:
		if hasPaymentError {
			return payments.StatusFailed
		}
		return payments.StatusRequiresAction
	case stripe.PaymentIntentStatusRequiresConfirmation, stripe.PaymentIntentStatusRequiresAction:
		return payments.StatusRequiresAction
	case stripe.PaymentIntentStatusProcessing, stripe.PaymentIntentStatusRequiresCapture:
		return payments.StatusProcessing
	case stripe.PaymentIntentStatusSucceeded:
		return payments.PaidStatus(amount, amountRefunded)
	case stripe.PaymentIntentStatusCanceled:
		return payments.StatusCanceled
	}
	return payments.StatusPending
}

func toPayment(pi *stripe.PaymentIntent) *payments.Payment {
	var refunded int64
	if pi.LatestCharge != nil {
		refunded = pi.LatestCharge.AmountRefunded
	}
	amount := FromStripeAmount(pi.Amount, string(pi.Currency))
	out := &payments.Payment{
		ID:             pi.ID,
		Provider:       Name,
		Reference:      pi.Metadata[MetadataReference],
		Amount:         amount,
		AmountRefunded: FromStripeAmount(refunded, string(pi.Currency)).Amount,
		Status:         StatusFor(pi.Status, pi.LastPaymentError != nil, pi.Amount, refunded),
		RawStatus:      string(pi.Status),
		CustomerEmail:  pi.ReceiptEmail,
		Metadata:       pi.Metadata,
	}
	if pi.Created > 0 {
		out.CreatedAt = time.Unix(pi.Created, 0).UTC()
	}
	if e := pi.LastPaymentError; e != nil && out.Status == payments.StatusFailed {
		out.FailureCode = string(e.Code)
		if e.DeclineCode != "" {
			out.FailureCode = string(e.DeclineCode)
		}
		out.FailureMessage = e.Msg
	}
	if out.Status == payments.StatusRequiresAction {
		out.NextAction = nextAction(pi)
	}
	return out
}

// nextAction tells the client how to move a PaymentIntent that waits on
// it: confirm with the client secret in Stripe.js (which also handles
// Stripe's use_stripe_sdk actions), or, when Stripe asks for a redirect,
// send the customer to its URL. The client secret is always kept, so a
// client can use Stripe.js either way.
func nextAction(pi *stripe.PaymentIntent) *payments.NextAction {
	na := &payments.NextAction{Type: payments.NextActionConfirmWithClientSecret, ClientSecret: pi.ClientSecret}
	if pi.NextAction != nil && pi.NextAction.RedirectToURL != nil && pi.NextAction.RedirectToURL.URL != "" {
		na.Type = payments.NextActionRedirect
		na.RedirectURL = pi.NextAction.RedirectToURL.URL
	}
	if na.ClientSecret == "" && na.RedirectURL == "" {
		return nil
	}
	return na
}

// RefundStatusFor maps a Stripe refund status to the normalized one.
// requires_action (the customer must give bank details) is pending.
func RefundStatusFor(s stripe.RefundStatus) payments.RefundStatus {
	switch s {
	case stripe.RefundStatusSucceeded:
		return payments.RefundSucceeded
	case stripe.RefundStatusFailed:
		return payments.RefundFailed
	case stripe.RefundStatusCanceled:
		return payments.RefundCanceled
	}
	return payments.RefundPending
}

func toRefund(r *stripe.Refund) *payments.Refund {
	out := &payments.Refund{
		ID:        r.ID,
		Provider:  Name,
		Amount:    FromStripeAmount(r.Amount, string(r.Currency)),
		Status:    RefundStatusFor(r.Status),
		RawStatus: string(r.Status),
		Reason:    string(r.Reason),
	}
	if r.PaymentIntent != nil {
		out.PaymentID = r.PaymentIntent.ID
	}
	if out.Reason == "" {
		out.Reason = r.Metadata["reason"]
	}
	if r.Created > 0 {
		out.CreatedAt = time.Unix(r.Created, 0).UTC()
	}
	return out
}

// mapError turns a stripe-go error into a *payments.Error:
//
//   - 401 and 403 are ErrAuthentication, 404 ErrNotFound, 429
//     ErrRateLimited, 5xx ErrProviderUnavailable;
//   - otherwise by Stripe's error type: card_error is ErrCardDeclined (with
//     the decline code), idempotency_error ErrIdempotencyConflict,
//     invalid_request_error ErrInvalidRequest, api_error
//     ErrProviderUnavailable;
//   - connection failures and unreadable answers are ErrProviderUnavailable.
//
// Stripe's code, message and request id are copied; the *stripe.Error stays
// reachable with errors.As.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var se *stripe.Error
	if !errors.As(err, &se) {
		out := &payments.Error{Kind: payments.ErrProviderUnavailable, Provider: Name, Err: err,
			Message: "no usable answer from Stripe"}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			out.Message = "request canceled or timed out"
		}
		return out
	}
	out := &payments.Error{
		Provider:    Name,
		StatusCode:  se.HTTPStatusCode,
		Code:        string(se.Code),
		DeclineCode: string(se.DeclineCode),
		Message:     redact(se.Msg),
		RequestID:   se.RequestID,
		Err:         err,
	}
	switch {
	case se.HTTPStatusCode == http.StatusUnauthorized || se.HTTPStatusCode == http.StatusForbidden:
		out.Kind = payments.ErrAuthentication
	case se.HTTPStatusCode == http.StatusTooManyRequests:
		out.Kind = payments.ErrRateLimited
	case se.HTTPStatusCode >= 500:
		out.Kind = payments.ErrProviderUnavailable
	case se.Type == stripe.ErrorTypeCard:
		out.Kind = payments.ErrCardDeclined
	case se.Type == stripe.ErrorTypeIdempotency:
		out.Kind = payments.ErrIdempotencyConflict
	case se.HTTPStatusCode == http.StatusNotFound || se.Code == stripe.ErrorCodeResourceMissing:
		out.Kind = payments.ErrNotFound
	case se.Type == stripe.ErrorTypeAPI:
		out.Kind = payments.ErrProviderUnavailable
	default:
		out.Kind = payments.ErrInvalidRequest
	}
	return out
}

// keyPattern matches Stripe API keys, which some answers quote (stripe-mock
// echoes the whole Authorization header in its 401 message).
var keyPattern = regexp.MustCompile(`\b(sk|rk|pk)_(live|test)_[A-Za-z0-9_]+`)

// redact hides API keys in a provider message.
func redact(msg string) string {
	return keyPattern.ReplaceAllString(msg, "${1}_${2}_****")
}
