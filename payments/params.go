package payments

import "time"

// CreatePaymentParams describes a payment to create.
type CreatePaymentParams struct {
	// Amount is what to charge, in the currency's minor unit.
	Amount Money
	// CustomerEmail receives the receipt (Stripe) and is required by
	// Paystack.
	CustomerEmail string
	// Reference is the merchant's own reference for the payment. Paystack
	// uses it as the transaction reference; Stripe keeps it in metadata.
	Reference string
	// Description is shown to the customer where the provider supports it.
	Description string
	// Metadata is stored with the payment and returned in its events.
	Metadata map[string]string
	// ReturnURL is where the customer comes back after a redirect
	// (Paystack callback_url, Stripe return_url).
	ReturnURL string
	// IdempotencyKey makes the call safe to retry: the same key gives the
	// same payment.
	IdempotencyKey string
}

// Payment is a provider's payment in normalized form.
type Payment struct {
	// ID is the provider's id for the payment.
	ID string
	// Provider names the provider.
	Provider string
	// Reference is the merchant reference, when known.
	Reference string
	// Amount is the amount of the payment.
	Amount Money
	// AmountRefunded is how much of it has been refunded.
	AmountRefunded int64
	// Status is the normalized status.
	Status Status
	// RawStatus is the provider's own status string.
	RawStatus string
	// NextAction tells the client what to do when Status is
	// StatusRequiresAction (or, for redirect flows, StatusPending).
	NextAction *NextAction
	// CustomerEmail is the customer's email, when known.
	CustomerEmail string
	// Metadata is the metadata stored with the payment.
	Metadata map[string]string
	// FailureCode and FailureMessage explain a failed payment.
	FailureCode    string
	FailureMessage string
	// CreatedAt is when the provider created the payment.
	CreatedAt time.Time
}

// NextActionType says what kind of step a client must take.
type NextActionType string

// Next action types.
const (
	// NextActionConfirmWithClientSecret: confirm the payment in the browser
	// with the client secret (Stripe.js).
	NextActionConfirmWithClientSecret NextActionType = "confirm_with_client_secret"
	// NextActionRedirect: send the customer to RedirectURL (Paystack's
	// authorization URL, a 3-D Secure page).
	NextActionRedirect NextActionType = "redirect"
)

// NextAction tells the client how to move a payment forward.
type NextAction struct {
	Type NextActionType
	// ClientSecret is the Stripe PaymentIntent client secret.
	ClientSecret string
	// RedirectURL is where to send the customer.
	RedirectURL string
	// AccessCode is Paystack's access code for its inline popup.
	AccessCode string
}

// RefundParams describes a refund to create.
type RefundParams struct {
	// PaymentID is the provider's id for the payment to refund.
	PaymentID string
	// Amount is the amount to refund in minor units; zero refunds the rest.
	Amount int64
	// Reason is a free-text or provider-defined reason.
	Reason string
	// Metadata is stored with the refund where the provider supports it.
	Metadata map[string]string
	// IdempotencyKey makes the call safe to retry.
	IdempotencyKey string
}

// Refund is a provider's refund in normalized form.
type Refund struct {
	ID        string
	Provider  string
	PaymentID string
	Amount    Money
	Status    RefundStatus
	RawStatus string
	Reason    string
	CreatedAt time.Time
}
