// Package stripepay is the Stripe payments.Provider, built on
// github.com/stripe/stripe-go/v76 (Stripe API version 2023-10-16).
//
// CreatePayment creates a PaymentIntent with automatic payment methods;
// the browser confirms it with Stripe.js using Payment.NextAction's client
// secret. GetPayment, CancelPayment, Refund and GetRefund map onto the
// PaymentIntents and Refunds APIs. A caller's idempotency key is sent as
// Stripe's Idempotency-Key header, so retrying a create or a refund with
// the same key returns the first result and never charges or refunds
// twice; stripe-go's own retries (WithMaxNetworkRetries) reuse the same key.
//
// Amounts are converted between ISO 4217 minor units and Stripe's: Stripe's
// zero-decimal currencies (JPY, KRW, ...), three-decimal currencies (BHD,
// JOD, KWD, OMR, TND; amounts must end in 0) and its exceptions (ISK is
// two-decimal at Stripe, MGA zero-decimal) are checked before any request,
// as are Stripe's metadata limits.
//
// Errors are *payments.Error values: a card_error is ErrCardDeclined with
// the decline code, invalid_request_error ErrInvalidRequest (404s are
// ErrNotFound), idempotency_error ErrIdempotencyConflict, 401
// ErrAuthentication, 429 ErrRateLimited, 5xx and connection failures
// ErrProviderUnavailable. Stripe's request id is in RequestID.
//
// EventParser (and Provider, which has the same methods) normalizes
// payment_intent.succeeded, payment_intent.payment_failed,
// charge.refunded, refund failures and charge.dispute.created events that
// a webhooks.Handler verified with Stripe's signing secret.
//
// Point the provider at stripe-mock or a proxy with WithBaseURL.
package stripepay
