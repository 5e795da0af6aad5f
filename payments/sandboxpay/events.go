package sandboxpay

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/webhooks"
)

// errMalformedEvent is wrapped by ParseEvent for bodies that are not
// sandbox events.
var errMalformedEvent = errors.New("sandboxpay: malformed event")

// normalizedTypes maps the sandbox event types that have a normalized form.
var normalizedTypes = map[string]payments.EventType{
	"payment.succeeded": payments.EventPaymentSucceeded,
	"payment.failed":    payments.EventPaymentFailed,
	"refund.succeeded":  payments.EventRefundSucceeded,
	"refund.failed":     payments.EventRefundFailed,
	"dispute.opened":    payments.EventDisputeOpened,
}

// WebhookEventTypes lists the sandbox event types ParseEvent normalizes.
func (p *Provider) WebhookEventTypes() []string {
	return []string{"payment.succeeded", "payment.failed", "refund.succeeded", "refund.failed", "dispute.opened"}
}

// ParseEvent turns a verified sandbox webhook event into a payments.Event.
// payment.requires_action, payment.canceled and refund.pending have no
// normalized form and return payments.ErrUnhandledEvent.
func (p *Provider) ParseEvent(e *webhooks.Event) (*payments.Event, error) {
	return parseEvent(e)
}

func parseEvent(e *webhooks.Event) (*payments.Event, error) {
	if e == nil {
		return nil, fmt.Errorf("%w: nil event", errMalformedEvent)
	}
	var env wireEvent
	if err := json.Unmarshal(e.Data, &env); err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformedEvent, err)
	}
	typ := env.Type
	if typ == "" {
		typ = e.Type
	}
	nt, ok := normalizedTypes[typ]
	if !ok {
		return nil, fmt.Errorf("%w: sandbox event %q", payments.ErrUnhandledEvent, typ)
	}
	out := &payments.Event{Type: nt, Provider: Name, ID: e.ID, Raw: e}
	fillPayment := func(w *wirePayment) {
		if w == nil {
			return
		}
		out.PaymentID = w.ID
		out.Reference = w.Reference
		out.CustomerEmail = w.CustomerEmail
		out.Metadata = w.Metadata
	}
	switch typ {
	case "payment.succeeded", "payment.failed":
		var w wirePayment
		if err := json.Unmarshal(env.Data, &w); err != nil || w.ID == "" {
			return nil, fmt.Errorf("%w: payment data", errMalformedEvent)
		}
		fillPayment(&w)
		out.Amount = payments.Money{Amount: w.Amount, Currency: payments.Currency(w.Currency)}
		out.FailureCode, out.FailureMessage = w.FailureCode, w.FailureMessage
	case "refund.succeeded", "refund.failed":
		var w wireRefund
		if err := json.Unmarshal(env.Data, &w); err != nil || w.ID == "" || w.PaymentID == "" {
			return nil, fmt.Errorf("%w: refund data", errMalformedEvent)
		}
		fillPayment(w.Payment)
		out.PaymentID = w.PaymentID
		out.RefundID = w.ID
		out.Reason = w.Reason
		out.Amount = payments.Money{Amount: w.Amount, Currency: payments.Currency(w.Currency)}
		out.FailureCode, out.FailureMessage = w.FailureCode, w.FailureMessage
	case "dispute.opened":
		var w wireDispute
		if err := json.Unmarshal(env.Data, &w); err != nil || w.PaymentID == "" {
			return nil, fmt.Errorf("%w: dispute data", errMalformedEvent)
		}
		fillPayment(w.Payment)
		out.PaymentID = w.PaymentID
		out.Reason = w.Reason
		out.Amount = payments.Money{Amount: w.Amount, Currency: payments.Currency(w.Currency)}
	}
	return out, nil
}
