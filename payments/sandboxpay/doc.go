// Package sandboxpay is an in-memory payments.Provider for demos and for
// tests of code written against payments.Provider. It behaves like a real
// provider: payments move through the normalized statuses when a test (or a
// demo endpoint) calls Succeed, Decline or RequireAction; refunds can be
// full or partial; idempotency keys are honoured; currencies and amounts
// are validated (in either case of the currency code, up to
// DefaultMaxAmount, Stripe's limit, unless WithMaxAmount says otherwise);
// errors are the typed payments errors; and every state change is
// delivered as a signed webhook in the Standard Webhooks format, to a URL,
// to an http.Handler, or both. It logs nothing unless given WithLogger.
//
// New returns an error wrapping payments.ErrInvalidConfig, naming the
// option, for any option value it cannot use, and never panics.
//
// # Payment lifecycle and statuses
//
// The sandbox's raw status is the normalized status itself. Its statuses
// and next actions are those Stripe reports for the same situations (see
// package stripepay), so code written against the sandbox behaves the same
// on Stripe:
//
//	what happened                       status               NextAction
//	CreatePayment                       requires_action      confirm_with_client_secret: ClientSecret
//	CreatePayment, WithPendingPayments  pending              none
//	RequireAction (3-D Secure)          requires_action      confirm_with_client_secret: a new ClientSecret
//	Succeed (the customer paid)         succeeded            none
//	Decline (the bank refused)          failed               none (FailureCode, FailureMessage)
//	CancelPayment                       canceled             none
//	Refund                              partially_refunded   none
//	                                    or refunded
//
// GetPayment and a CreatePayment replayed with the same idempotency key
// report the NextAction too (Capabilities().NextActionOnGet). The
// transitions:
//
//	pending, requires_action, processing  --Succeed-->        succeeded
//	pending, requires_action, processing  --Decline-->        failed
//	pending, requires_action, processing  --RequireAction-->  requires_action
//	pending, requires_action, processing  --CancelPayment-->  canceled
//	succeeded, partially_refunded         --Refund-->         partially_refunded | refunded
//
// Any other transition fails with an error wrapping payments.ErrInvalidRequest
// (code "invalid_state"). ControlHandler exposes the same transitions over
// HTTP for demos. Refunds succeed at once, or start pending with
// WithPendingRefunds and then move with SucceedRefund and FailRefund.
//
// # Wiring it to a webhook handler
//
// The sandbox's signing secret exists as soon as New returns (generated,
// or set with WithWebhookSecret), so its Verifier can build the
// application's webhook handler before any delivery target is known; the
// handler is then attached with SetWebhookHandler, or reached over HTTP
// through WithWebhookURL:
//
//	sandbox, err := sandboxpay.New()
//	verifier, err := sandbox.Verifier()
//	h := webhooks.NewHandler(verifier)
//	payments.Handle(h, sandbox, onPaymentEvent)
//	sandbox.SetWebhookHandler(h)
//
// # Webhooks
//
// Each delivery is a POST with the headers webhook-id, webhook-timestamp
// (Unix seconds) and webhook-signature ("v1,<base64 HMAC-SHA256>"), the
// signature computed over id + "." + timestamp + "." + body with the key
// that is the base64 decoding of the secret after its "whsec_" prefix. The
// body is JSON:
//
//	{
//	  "type": "payment.succeeded",
//	  "timestamp": "2026-01-02T03:04:05Z",
//	  "data": {
//	    "object": "payment",
//	    "id": "pay_...", "status": "succeeded", "amount": 2999, "currency": "USD",
//	    "amount_refunded": 0, "reference": "order-1", "customer_email": "a@example.com",
//	    "metadata": {"order": "1"}, "failure_code": "", "failure_message": "",
//	    "created_at": "2026-01-02T03:04:00Z"
//	  }
//	}
//
// Event types: payment.succeeded, payment.failed, payment.requires_action,
// payment.canceled, refund.pending, refund.succeeded, refund.failed and
// dispute.opened. Refund events carry "object": "refund" with id,
// payment_id, amount, currency, status, reason, failure_code,
// failure_message, created_at and the refunded payment under "payment";
// dispute events carry "object": "dispute" with id, payment_id, amount,
// currency, reason and "payment".
//
// Deliveries are made synchronously, before the call that caused them
// returns, so a test can assert on its handler's effects right after
// calling Succeed. A target that answers non-2xx (or cannot be reached) is
// retried with exponential backoff (WithDeliveryRetries), within the
// caller's context. Succeed, Decline, RequireAction, SucceedRefund, FailRefund
// and OpenDispute report a delivery that finally failed with an error
// wrapping ErrDeliveryFailed (the state change stands); the
// payments.Provider methods only log it, to the WithLogger logger, as a
// real provider's API would not fail because a webhook endpoint is down.
// Deliveries lists every delivery made.
//
// # Error paths
//
// FailNext makes the next call fail with a chosen error (a
// *payments.Error looks like a real provider's answer) and FailCalls makes
// every call fail until it is cleared, as during an outage: the transport
// or the provider failing, where Decline is the customer's bank refusing. Calls counts
// the calls that passed input validation, so a test can prove that invalid
// input never reached the provider.
//
// The Provider is also a payments.EventParser for its own events, so the
// same normalization path as for Stripe or Paystack runs in tests, and
// Verifier returns the webhooks verifier for its deliveries: the Standard
// Webhooks scheme under the provider name "sandbox", which the handler's
// idempotency keys, log lines and observations carry.
package sandboxpay
