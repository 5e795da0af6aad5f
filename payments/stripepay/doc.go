// Package stripepay is the Stripe payments.Provider, built on
// github.com/stripe/stripe-go/v76 (Stripe API version 2023-10-16). It uses
// only stripe-go's PaymentIntents and Refunds clients, so a program that
// imports it compiles 4 of stripe-go's packages rather than all of them.
//
// CreatePayment creates a PaymentIntent with automatic payment methods;
// the browser confirms it with Stripe.js using Payment.NextAction's client
// secret. GetPayment, CancelPayment, Refund and GetRefund map onto the
// PaymentIntents and Refunds APIs. A caller's idempotency key is sent as
// Stripe's Idempotency-Key header, so retrying a create or a refund with
// the same key returns the first result and never charges or refunds
// twice; stripe-go's own retries (WithMaxNetworkRetries) reuse the same key.
//
// New returns an error wrapping payments.ErrInvalidConfig, naming the
// argument or option but never the key, for a missing or malformed secret
// key (a publishable pk_ key included) and for any invalid option value.
//
// # Statuses
//
// PaymentIntent statuses map to the normalized ones as follows (see
// StatusFor), so that code written against the sandbox behaves the same
// here:
//
//	PaymentIntent status                        payments.Status                       NextAction
//	requires_payment_method                     requires_action                       confirm_with_client_secret: ClientSecret
//	requires_payment_method, last_payment_error failed (FailureCode, FailureMessage)  none
//	requires_confirmation                       requires_action                       confirm_with_client_secret: ClientSecret
//	requires_action, next_action.redirect_to_url requires_action                      redirect: RedirectURL, and ClientSecret
//	requires_action, any other next action      requires_action                       confirm_with_client_secret: ClientSecret
//	processing                                  processing                            none
//	requires_capture                            processing                            none
//	succeeded                                   succeeded, partially_refunded or      none
//	                                            refunded (the latest charge's
//	                                            amount_refunded)
//	canceled                                    canceled                              none
//	any other                                   pending                               none
//
// A new PaymentIntent is requires_payment_method: nothing happens until
// the customer gives a payment method and confirms with the client secret,
// which is what requires_action means on every provider (the sandbox
// starts there too, and Paystack's new transaction waits on its payment
// page). requires_confirmation also waits on a confirmation the client
// makes with the client secret. A declined attempt sends the PaymentIntent
// back to requires_payment_method with last_payment_error set, which is
// failed, as a declined payment is everywhere. Stripe still lets that
// customer try another payment method through the same client secret; if
// they do, the payment moves on from failed to succeeded and a
// payment_intent.succeeded event follows. Cancel the payment
// (CancelPayment) to make a failure final.
//
// Refund statuses: succeeded is RefundSucceeded, failed RefundFailed,
// canceled RefundCanceled, and pending and requires_action (the customer
// must give bank details) RefundPending.
//
// # Amounts
//
// Amounts are converted between ISO 4217 minor units and Stripe's: Stripe's
// zero-decimal currencies (JPY, KRW, ...), three-decimal currencies (BHD,
// JOD, KWD, OMR, TND; amounts must end in 0) and its exceptions (ISK is
// two-decimal at Stripe, MGA zero-decimal) are checked before any request,
// as are Stripe's metadata limits and its maximum amount: eight digits in
// Stripe's units (999999.99 USD, 99999999 JPY), twelve for IDR (see
// MaxAmount). Currency codes are accepted in either case and sent in lower
// case, as Stripe requires.
//
// # Errors
//
// Errors are *payments.Error values: a card_error is ErrCardDeclined with
// the decline code, invalid_request_error ErrInvalidRequest (404s are
// ErrNotFound), idempotency_error ErrIdempotencyConflict, 401
// ErrAuthentication, 429 ErrRateLimited, 5xx and connection failures
// ErrProviderUnavailable. Stripe's request id is in RequestID.
//
// # Events
//
// EventParser (and Provider, which has the same methods) normalizes
// payment_intent.succeeded, payment_intent.payment_failed,
// charge.refunded, refund failures and charge.dispute.created events that
// a webhooks.Handler verified with Stripe's signing secret.
//
// The provider logs nothing unless given WithLogger, which also receives
// stripe-go's own request log. Point it at stripe-mock or a proxy with
// WithBaseURL.
package stripepay
