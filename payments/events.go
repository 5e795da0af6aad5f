package payments

import (
	"errors"

	"github.com/switchboard-go/switchboard/webhooks"
)

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

// Valid reports whether t is one of the normalized event types.
func (t EventType) Valid() bool {
	switch t {
	case EventPaymentSucceeded, EventPaymentFailed, EventRefundSucceeded,
		EventRefundFailed, EventDisputeOpened:
		return true
	}
	return false
}

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
