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
// validates amounts. The code may be written in either case:
// Money{Amount: 2999, Currency: "usd"} validates, formats, compares
// (Money.Equal) and passes every provider's rules as "USD" does, and
// payments, refunds and events always report the upper-case code.
//
// Each provider declares what it accepts through Capabilities and a
// CurrencyRule (Paystack takes NGN, GHS, ZAR, KES and USD; Stripe has
// zero-decimal and three-decimal rules and a maximum of 999999.99 USD, or
// 99999999 minor units in most currencies), and rejects the rest with an
// error wrapping ErrUnsupportedCurrency or ErrInvalidAmount before any
// network call. An amount above a provider's maximum fails with code
// "amount_too_large" and a message that names the limit;
// Capabilities.MaxAmount reports the limit itself, so an application can
// show it before asking.
//
// # Statuses and next actions
//
// A Payment carries one normalized Status, the provider's raw status, and,
// while it waits for the customer, a NextAction telling the client what to
// do. The statuses mean the same on every provider:
//
//	pending             created; it waits on the provider, not on the customer
//	requires_action     it waits on the customer; NextAction says how: confirm in the
//	                    browser with ClientSecret, or send the customer to RedirectURL
//	processing          the customer has acted; the provider is working on it
//	succeeded           paid
//	failed              declined or otherwise failed; FailureCode and FailureMessage say why
//	canceled            canceled before it was paid
//	partially_refunded  paid, then refunded in part (AmountRefunded)
//	refunded            paid, then refunded in full
//
// Only a payment in requires_action has a NextAction, and it always has
// one in the answer to the CreatePayment call that created it. A new
// payment waits for the customer on every provider of this module, so
// code written against the sandbox sees the same status and the same kind
// of next action on Stripe:
//
//	provider   new payment (raw status)                    NextAction
//	sandbox    requires_action (requires_action)           confirm_with_client_secret, ClientSecret
//	stripe     requires_action (requires_payment_method)   confirm_with_client_secret, ClientSecret
//	paystack   requires_action (abandoned)                 redirect, RedirectURL and AccessCode
//
// GetPayment, and CreatePayment replayed with the same idempotency key,
// report the NextAction too where the provider can
// (Capabilities.NextActionOnGet: Stripe and the sandbox). Paystack's
// answers to those hold no authorization URL, so keep the one the first
// CreatePayment returned. Each provider package documents its full
// mapping table.
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
// Constructors never panic and never defer a configuration problem to the
// first call: a missing or malformed secret key, a bad URL or an option
// value out of range makes New return an error wrapping ErrInvalidConfig
// that names the provider and the argument or option at fault, never a
// secret's value (see ConfigError, ValidateSecret and ValidateURL, which
// every provider uses).
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
// # Logging
//
// Providers are silent by default: none logs through slog.Default. Each
// takes WithLogger for its own lines (and, for Stripe, stripe-go's).
//
// The conformance suite in package paymentstest runs against every
// provider; package paymentsmock holds a generated mock of Provider.
package payments

//go:generate go run go.uber.org/mock/mockgen@v0.6.0 -write_package_comment=false -destination=paymentsmock/provider.go -package=paymentsmock github.com/switchboard-go/switchboard/payments Provider
