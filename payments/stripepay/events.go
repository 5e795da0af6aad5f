package stripepay

import (
	"encoding/json"
	"fmt"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/webhooks"
)

// Stripe event types this package normalizes.
const (
	EventPaymentIntentSucceeded     = "payment_intent.succeeded"
	EventPaymentIntentPaymentFailed = "payment_intent.payment_failed"
	EventChargeRefunded             = "charge.refunded"
	EventRefundUpdated              = "refund.updated"
	EventChargeRefundUpdated        = "charge.refund.updated"
	EventRefundFailed               = "refund.failed"
	EventChargeDisputeCreated       = "charge.dispute.created"
)

// EventParser turns verified Stripe webhook events into payments.Events.
// The zero value is ready to use; Provider has the same methods.
//
//   - payment_intent.succeeded: EventPaymentSucceeded with the amount
//     received;
//   - payment_intent.payment_failed: EventPaymentFailed with the last
//     payment error's decline code (or code) and message;
//   - charge.refunded: EventRefundSucceeded with the charge's total amount
//     refunded so far;
//   - refund.updated, charge.refund.updated and refund.failed with a
//     refund in status failed: EventRefundFailed (refund successes are
//     reported once, through charge.refunded, so other statuses are
//     unhandled);
//   - charge.dispute.created: EventDisputeOpened with the disputed amount
//     and reason.
//
// Other types give payments.ErrUnhandledEvent. Only the fields needed are
// decoded from the event JSON, so events from any API version whose
// objects keep these fields are read.
type EventParser struct{}

var (
	_ payments.EventParser       = EventParser{}
	_ payments.WebhookEventTyper = EventParser{}
)

// WebhookEventTypes lists the Stripe event types ParseEvent normalizes.
func (EventParser) WebhookEventTypes() []string {
	return []string{
		EventPaymentIntentSucceeded, EventPaymentIntentPaymentFailed, EventChargeRefunded,
		EventRefundUpdated, EventChargeRefundUpdated, EventRefundFailed, EventChargeDisputeCreated,
	}
}

// ParseEvent normalizes e, a verified Stripe event whose Data is the event
// JSON ({"id", "type", "data": {"object": ...}}). Malformed JSON gives an
// error wrapping webhooks.ErrMalformedBody.
func (EventParser) ParseEvent(e *webhooks.Event) (*payments.Event, error) {
	if e == nil {
		return nil, fmt.Errorf("stripepay: nil event: %w", webhooks.ErrMalformedBody)
	}
	var env struct {
		ID   string `json:"id"`
		Type string `json:"type"`
		Data struct {
			Object json.RawMessage `json:"object"`
		} `json:"data"`
	}
	if err := json.Unmarshal(e.Data, &env); err != nil {
		return nil, fmt.Errorf("stripepay: event is not Stripe event JSON: %w", webhooks.ErrMalformedBody)
	}
	typ := e.Type
	if typ == "" {
		typ = env.Type
	}
	id := e.ID
	if id == "" {
		id = env.ID
	}
	out := &payments.Event{Provider: Name, ID: id, Raw: e}
	obj := env.Data.Object
	if len(obj) == 0 || string(obj) == "null" {
		switch typ {
		case EventPaymentIntentSucceeded, EventPaymentIntentPaymentFailed, EventChargeRefunded,
			EventRefundUpdated, EventChargeRefundUpdated, EventRefundFailed, EventChargeDisputeCreated:
			return nil, fmt.Errorf("stripepay: %s event without data.object: %w", typ, webhooks.ErrMalformedBody)
		}
		return nil, payments.ErrUnhandledEvent
	}
	var err error
	switch typ {
	case EventPaymentIntentSucceeded, EventPaymentIntentPaymentFailed:
		err = parseIntentEvent(typ, obj, out)
	case EventChargeRefunded:
		err = parseChargeRefunded(obj, out)
	case EventRefundUpdated, EventChargeRefundUpdated, EventRefundFailed:
		err = parseRefundEvent(obj, out)
	case EventChargeDisputeCreated:
		err = parseDispute(obj, out)
	default:
		return nil, payments.ErrUnhandledEvent
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// idOf reads a field that Stripe sends either as an id string or as an
// expanded object with an "id".
type idOf string

func (i *idOf) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*i = idOf(s)
		return nil
	}
	var o struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*i = idOf(o.ID)
	return nil
}

func malformed(typ string) error {
	return fmt.Errorf("stripepay: %s object does not decode: %w", typ, webhooks.ErrMalformedBody)
}

func parseIntentEvent(typ string, obj json.RawMessage, out *payments.Event) error {
	var pi struct {
		ID               string            `json:"id"`
		Amount           int64             `json:"amount"`
		AmountReceived   int64             `json:"amount_received"`
		Currency         string            `json:"currency"`
		Metadata         map[string]string `json:"metadata"`
		ReceiptEmail     string            `json:"receipt_email"`
		LastPaymentError *struct {
			Code        string `json:"code"`
			DeclineCode string `json:"decline_code"`
			Message     string `json:"message"`
		} `json:"last_payment_error"`
	}
	if err := json.Unmarshal(obj, &pi); err != nil || pi.ID == "" {
		return malformed(typ)
	}
	out.PaymentID = pi.ID
	out.Reference = pi.Metadata[MetadataReference]
	out.Metadata = pi.Metadata
	out.CustomerEmail = pi.ReceiptEmail
	out.Amount = FromStripeAmount(pi.Amount, pi.Currency)
	if typ == EventPaymentIntentSucceeded {
		out.Type = payments.EventPaymentSucceeded
		if pi.AmountReceived > 0 {
			out.Amount = FromStripeAmount(pi.AmountReceived, pi.Currency)
		}
		return nil
	}
	out.Type = payments.EventPaymentFailed
	if e := pi.LastPaymentError; e != nil {
		out.FailureCode = e.Code
		if e.DeclineCode != "" {
			out.FailureCode = e.DeclineCode
		}
		out.FailureMessage = e.Message
	}
	return nil
}

func parseChargeRefunded(obj json.RawMessage, out *payments.Event) error {
	var ch struct {
		ID             string            `json:"id"`
		AmountRefunded int64             `json:"amount_refunded"`
		Currency       string            `json:"currency"`
		PaymentIntent  idOf              `json:"payment_intent"`
		Metadata       map[string]string `json:"metadata"`
		BillingDetails struct {
			Email string `json:"email"`
		} `json:"billing_details"`
		ReceiptEmail string `json:"receipt_email"`
		Refunds      *struct {
			Data []struct {
				ID     string `json:"id"`
				Reason string `json:"reason"`
			} `json:"data"`
		} `json:"refunds"`
	}
	if err := json.Unmarshal(obj, &ch); err != nil || ch.ID == "" {
		return malformed(EventChargeRefunded)
	}
	out.Type = payments.EventRefundSucceeded
	out.PaymentID = string(ch.PaymentIntent)
	if out.PaymentID == "" {
		out.PaymentID = ch.ID
	}
	out.Amount = FromStripeAmount(ch.AmountRefunded, ch.Currency)
	out.Metadata = ch.Metadata
	out.Reference = ch.Metadata[MetadataReference]
	out.CustomerEmail = ch.ReceiptEmail
	if out.CustomerEmail == "" {
		out.CustomerEmail = ch.BillingDetails.Email
	}
	if ch.Refunds != nil && len(ch.Refunds.Data) > 0 {
		out.RefundID = ch.Refunds.Data[0].ID
		out.Reason = ch.Refunds.Data[0].Reason
	}
	return nil
}

func parseRefundEvent(obj json.RawMessage, out *payments.Event) error {
	var r struct {
		ID            string            `json:"id"`
		Amount        int64             `json:"amount"`
		Currency      string            `json:"currency"`
		Status        string            `json:"status"`
		FailureReason string            `json:"failure_reason"`
		Reason        string            `json:"reason"`
		PaymentIntent idOf              `json:"payment_intent"`
		Charge        idOf              `json:"charge"`
		Metadata      map[string]string `json:"metadata"`
	}
	if err := json.Unmarshal(obj, &r); err != nil || r.ID == "" {
		return malformed("refund")
	}
	if r.Status != "failed" {
		return payments.ErrUnhandledEvent
	}
	out.Type = payments.EventRefundFailed
	out.RefundID = r.ID
	out.PaymentID = string(r.PaymentIntent)
	if out.PaymentID == "" {
		out.PaymentID = string(r.Charge)
	}
	out.Amount = FromStripeAmount(r.Amount, r.Currency)
	out.Metadata = r.Metadata
	out.FailureCode = r.FailureReason
	out.Reason = r.Reason
	return nil
}

func parseDispute(obj json.RawMessage, out *payments.Event) error {
	var d struct {
		ID            string            `json:"id"`
		Amount        int64             `json:"amount"`
		Currency      string            `json:"currency"`
		Reason        string            `json:"reason"`
		Charge        idOf              `json:"charge"`
		PaymentIntent idOf              `json:"payment_intent"`
		Metadata      map[string]string `json:"metadata"`
	}
	if err := json.Unmarshal(obj, &d); err != nil || d.ID == "" {
		return malformed(EventChargeDisputeCreated)
	}
	out.Type = payments.EventDisputeOpened
	out.PaymentID = string(d.PaymentIntent)
	if out.PaymentID == "" {
		out.PaymentID = string(d.Charge)
	}
	out.Amount = FromStripeAmount(d.Amount, d.Currency)
	out.Metadata = d.Metadata
	out.Reason = d.Reason
	return nil
}

// ParseEvent normalizes a verified Stripe webhook event; see EventParser.
func (p *Provider) ParseEvent(e *webhooks.Event) (*payments.Event, error) {
	return EventParser{}.ParseEvent(e)
}

// WebhookEventTypes lists the Stripe event types ParseEvent normalizes.
func (p *Provider) WebhookEventTypes() []string { return EventParser{}.WebhookEventTypes() }
