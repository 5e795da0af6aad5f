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

// currencyRule is Stripe's CurrencyRule.
type currencyRule struct{}

func (currencyRule) CheckAmount(m payments.Money) error {
	_, err := ToStripeAmount(m)
	return err
}

// StatusFor maps a PaymentIntent status to the normalized status.
// requires_payment_method is failed when the last attempt failed
// (hasPaymentError) and pending otherwise; requires_confirmation is
// pending; requires_capture (authorized, to be captured) is processing; a
// succeeded intent is refunded or partially_refunded when its charge's
// amountRefunded says so.
func StatusFor(status stripe.PaymentIntentStatus, hasPaymentError bool, amount, amountRefunded int64) payments.Status {
	switch status {
	case stripe.PaymentIntentStatusRequiresPaymentMethod:
		if hasPaymentError {
			return payments.StatusFailed
		}
		return payments.StatusPending
	case stripe.PaymentIntentStatusRequiresConfirmation:
		return payments.StatusPending
	case stripe.PaymentIntentStatusRequiresAction:
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
	if e := pi.LastPaymentError; e != nil {
		out.FailureCode = string(e.Code)
		if e.DeclineCode != "" {
			out.FailureCode = string(e.DeclineCode)
		}
		out.FailureMessage = e.Msg
	}
	switch pi.Status {
	case stripe.PaymentIntentStatusRequiresPaymentMethod, stripe.PaymentIntentStatusRequiresConfirmation,
		stripe.PaymentIntentStatusRequiresAction:
		na := &payments.NextAction{Type: payments.NextActionConfirmWithClientSecret, ClientSecret: pi.ClientSecret}
		if pi.NextAction != nil && pi.NextAction.RedirectToURL != nil && pi.NextAction.RedirectToURL.URL != "" {
			na.Type = payments.NextActionRedirect
			na.RedirectURL = pi.NextAction.RedirectToURL.URL
		}
		if na.ClientSecret != "" || na.RedirectURL != "" {
			out.NextAction = na
		}
	}
	return out
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
