package payments

import (
	"errors"
	"fmt"

	"github.com/switchboard-go/switchboard/webhooks"
)

// Currency is an ISO 4217 currency code in upper case ("USD", "NGN").
type Currency string

// Money is an amount in a currency's minor unit (cents for USD, kobo for
// NGN, yen for JPY, fils for KWD).
type Money struct {
	Amount   int64
	Currency Currency
}

// Status is the normalized state of a payment, shared by all providers.
type Status string

// Payment statuses.
const (
	StatusPending           Status = "pending"
	StatusRequiresAction    Status = "requires_action"
	StatusProcessing        Status = "processing"
	StatusSucceeded         Status = "succeeded"
	StatusFailed            Status = "failed"
	StatusCanceled          Status = "canceled"
	StatusRefunded          Status = "refunded"
	StatusPartiallyRefunded Status = "partially_refunded"
)

// Sentinel errors. Provider errors unwrap to one of them, so callers test
// with errors.Is and read details with errors.As and *Error.
var (
	ErrCardDeclined        = errors.New("payments: card declined")
	ErrInvalidRequest      = errors.New("payments: invalid request")
	ErrAuthentication      = errors.New("payments: authentication failed")
	ErrRateLimited         = errors.New("payments: rate limited")
	ErrProviderUnavailable = errors.New("payments: provider unavailable")
	ErrIdempotencyConflict = errors.New("payments: idempotency key reused with different parameters")
	ErrUnsupportedCurrency = errors.New("payments: unsupported currency")
	ErrInvalidAmount       = errors.New("payments: invalid amount")
	ErrNotFound            = errors.New("payments: not found")
	ErrNotSupported        = errors.New("payments: not supported by this provider")
)

// Error is a failure reported by a provider. Kind is one of the sentinel
// errors above, so errors.Is(err, payments.ErrCardDeclined) works.
type Error struct {
	// Kind is the sentinel this error is an instance of.
	Kind error
	// Provider names the provider.
	Provider string
	// StatusCode is the HTTP status of the provider's answer, when there
	// was one.
	StatusCode int
	// Code is the provider's error code ("card_declined").
	Code string
	// DeclineCode is the card issuer's decline code, when given.
	DeclineCode string
	// Message is the provider's message.
	Message string
	// RequestID is the provider's request id, for support tickets.
	RequestID string
	// Err is the underlying error, if any.
	Err error
}

// Error returns a one-line description without secrets.
func (e *Error) Error() string {
	msg := fmt.Sprint(e.Kind)
	if e.Kind == nil {
		msg = "payments: error"
	}
	if e.Provider != "" {
		msg = e.Provider + ": " + msg
	}
	if e.Code != "" {
		msg += " (" + e.Code + ")"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.RequestID != "" {
		msg += " [request " + e.RequestID + "]"
	}
	return msg
}

// Unwrap returns the sentinel kind and the underlying error.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// EventType is a normalized payment event type.
type EventType string

// Normalized event types.
const (
	EventPaymentSucceeded EventType = "payment.succeeded"
	EventPaymentFailed    EventType = "payment.failed"
	EventRefundSucceeded  EventType = "refund.succeeded"
	EventRefundFailed     EventType = "refund.failed"
	EventDisputeOpened    EventType = "dispute.opened"
)

// Event is a provider webhook event in normalized form.
type Event struct {
	// Type is the normalized type.
	Type EventType
	// Provider names the provider.
	Provider string
	// ID is the webhook event's id (the de-duplication key's second part).
	ID string
	// PaymentID is the provider's payment id the event is about.
	PaymentID string
	// RefundID is set for refund events.
	RefundID string
	// Reference is the merchant reference of the payment, when known.
	Reference string
	// Amount is the amount the event concerns (the payment, refund or
	// disputed amount).
	Amount Money
	// CustomerEmail is the customer's email, when the event carries it.
	CustomerEmail string
	// Metadata is the payment's metadata, when the event carries it.
	Metadata map[string]string
	// FailureCode and FailureMessage explain failures.
	FailureCode    string
	FailureMessage string
	// Reason is the provider's reason for a dispute or refund, when given
	// ("fraudulent", "requested_by_customer").
	Reason string
	// Raw is the verified webhook event this was made from.
	Raw *webhooks.Event
}

// ErrUnhandledEvent is returned by an EventParser for a verified webhook
// event that has no normalized form (it should be acknowledged and ignored).
var ErrUnhandledEvent = errors.New("payments: event has no normalized form")

// EventParser turns a provider's verified webhook event into a normalized
// Event. Each provider package implements it.
type EventParser interface {
	ParseEvent(e *webhooks.Event) (*Event, error)
}

// WebhookEventTyper is implemented by EventParsers that can list the
// provider event types they normalize, so that a handler can route exactly
// those types to them.
type WebhookEventTyper interface {
	WebhookEventTypes() []string
}
