// Package paystackpay is the Paystack payments.Provider, written directly
// against Paystack's REST API (https://api.paystack.co) over the module's
// httpclient: Paystack has no official Go SDK.
//
// # Calls
//
//	CreatePayment  POST /transaction/initialize   (email, amount in kobo/pesewas/cents, currency,
//	                                                reference, callback_url, metadata)
//	GetPayment     GET  /transaction/verify/:reference
//	Refund         POST /refund                   (transaction, amount, merchant_note)
//	GetRefund      GET  /refund/:id
//	CancelPayment  not offered by Paystack: payments.ErrNotSupported
//
// Requests carry "Authorization: Bearer <secret key>". Answers use
// Paystack's envelope, {"status": true, "message": ..., "data": {...}}, and
// failures {"status": false, "message": ..., "type": ..., "code": ...},
// which become *payments.Error values: 401 (and 403) wrap
// payments.ErrAuthentication, 400 payments.ErrInvalidRequest, 404 (or a 400
// "... not found") payments.ErrNotFound, 429 payments.ErrRateLimited, 5xx
// and failures without an answer payments.ErrProviderUnavailable. The
// error carries Paystack's message, code and the request id.
//
// Paystack accepts NGN, GHS, ZAR, KES and USD, with the code in either
// case (it is sent in upper case); other currencies, a missing customer
// email and non-positive amounts are rejected before any call. Paystack
// documents no maximum amount, so none is checked.
//
// New returns an error wrapping payments.ErrInvalidConfig, naming the
// argument or option but never the key, for a missing or malformed secret
// key (the public pk_ key included) and for any invalid option value. The
// provider logs nothing unless given WithLogger.
//
// # Payments and statuses
//
// Payment.ID is the transaction reference, and GetPayment takes a
// reference. A new transaction waits for the customer on Paystack's
// payment page, so CreatePayment returns it in StatusRequiresAction with a
// NextAction redirecting the customer to Paystack's authorization URL
// (with the access code for the inline popup): the same status the sandbox
// and Stripe report for a new payment. Paystack answers verify with 200
// whatever happened to the charge; the status comes from data.status:
//
//	data.status             payments.Status                 NextAction
//	(just initialized)      requires_action (abandoned)     redirect: RedirectURL, AccessCode (CreatePayment only)
//	abandoned               requires_action                 none: keep CreatePayment's
//	success                 succeeded, partially_refunded   none
//	                        or refunded (processed refunds)
//	failed                  failed (FailureMessage from     none
//	                        gateway_response)
//	ongoing, processing     processing                      none
//	pending, queued         pending                         none
//	reversed                refunded (or partially_refunded none
//	                        by the processed refunds)
//	any other               pending                         none
//
// abandoned is the status verify reports for a transaction nobody has paid
// yet, including one just initialized, and its authorization URL keeps
// working, so it is requires_action rather than canceled or failed. The
// verify answer holds no authorization URL, so GetPayment, and a
// CreatePayment retried with the same idempotency key (answered from
// verify), carry no NextAction: Capabilities().NextActionOnGet is false.
// Keep the URL from the first CreatePayment.
//
// Refunds are queued by Paystack: processed is RefundSucceeded, failed is
// RefundFailed, and pending, processing and needs-attention are
// RefundPending.
//
// # Idempotency
//
// Paystack has no idempotency header; its transaction reference is unique.
// The reference is derived from the idempotency key (see ReferenceForKey),
// a duplicate_reference answer is resolved by verifying the existing
// transaction, and a hash of the request stored in the metadata tells a
// retry from a conflicting reuse of the key. See Provider for which POSTs
// are retried and why.
//
// # Webhooks
//
// Verify deliveries with webhooks.NewPaystack(secretKey) (x-paystack-signature,
// the hex HMAC-SHA512 of the body keyed with the secret key) and normalize
// them with ParseEvent: charge.success, refund.processed, refund.failed and
// charge.dispute.create. Amounts decode whether sent as numbers or strings,
// metadata whether an object or a string. Paystack sends no webhook for a
// failed charge.
package paystackpay
