// Package payments is the provider-agnostic contract for taking money:
// one Provider interface with Stripe (package stripepay), Paystack
// (paystackpay) and an in-memory sandbox (sandboxpay) behind it, so that an
// application moves between them by changing one constructor.
//
// # Money
//
// Money is an int64 amount in the currency's minor unit plus an ISO 4217
// code. The package holds the exponent of every active ISO 4217 currency
// (JPY 0, USD 2, KWD 3), parses and formats decimal strings
// (ParseMoney("29.99 USD") is 2999 USD; Money.String gives "29.99 USD") and
// validates amounts. Each provider declares what it accepts through
// Capabilities and a CurrencyRule (Paystack takes NGN, GHS, ZAR, KES and USD;
// Stripe has zero-decimal and three-decimal rules), and rejects the rest
// with an error wrapping ErrUnsupportedCurrency or ErrInvalidAmount before
// any network call.
//
// # Statuses and next actions
//
// A Payment carries one normalized Status (pending, requires_action,
// processing, succeeded, failed, canceled, refunded, partially_refunded),
// the provider's raw status, and a NextAction telling the client what to
// do: confirm with a Stripe client secret, or redirect to a Paystack
// authorization URL.
//
// # Errors
//
// Provider failures are *Error values whose Kind is one of the sentinel
// errors (ErrCardDeclined, ErrInvalidRequest, ErrAuthentication,
// ErrRateLimited, ErrProviderUnavailable, ErrIdempotencyConflict,
// ErrUnsupportedCurrency, ErrInvalidAmount, ErrNotFound, ErrNotSupported):
//
//	if errors.Is(err, payments.ErrCardDeclined) { ... }
//	var perr *payments.Error
//	if errors.As(err, &perr) { log.Println(perr.Code, perr.RequestID) }
//
// # Idempotency
//
// CreatePaymentParams.IdempotencyKey and RefundParams.IdempotencyKey reach
// the provider (Stripe's Idempotency-Key header; Paystack, which has none,
// derives the transaction reference from it), so retrying a call with the
// same key never charges or refunds twice.
//
// # Webhook events
//
// Each provider package has an EventParser that turns a verified
// webhooks.Event into a normalized Event (payment succeeded or failed,
// refund succeeded or failed, dispute opened). Handle registers one
// function for all of them on a webhooks.Handler.
//
// The conformance suite in package paymentstest runs against every
// provider; package paymentsmock holds a generated mock of Provider.
package payments

//go:generate go run go.uber.org/mock/mockgen@v0.6.0 -write_package_comment=false -destination=paymentsmock/provider.go -package=paymentsmock github.com/switchboard-go/switchboard/payments Provider
