package payments

import "context"

// Provider is the contract every payment provider fulfils. An application
// written against it moves from one provider to another by changing the
// constructor it calls.
type Provider interface {
	// Name returns the provider's name in lower case ("stripe", "paystack").
	Name() string
	// CreatePayment starts a payment. With an IdempotencyKey, repeating the
	// call returns the same payment and never charges twice.
	CreatePayment(ctx context.Context, p CreatePaymentParams) (*Payment, error)
	// GetPayment returns the current state of a payment by its provider id
	// (Stripe PaymentIntent id, Paystack reference).
	GetPayment(ctx context.Context, id string) (*Payment, error)
	// CancelPayment cancels a payment that has not succeeded. Providers
	// without cancellation return an error wrapping ErrNotSupported.
	CancelPayment(ctx context.Context, id string) (*Payment, error)
	// Refund refunds a payment in full (zero Amount) or in part.
	Refund(ctx context.Context, p RefundParams) (*Refund, error)
	// GetRefund returns the current state of a refund.
	GetRefund(ctx context.Context, id string) (*Refund, error)
}
