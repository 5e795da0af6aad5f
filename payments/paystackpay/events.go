package paystackpay

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/webhooks"
)

// Paystack webhook event names this package normalizes.
const (
	EventChargeSuccess        = "charge.success"
	EventRefundProcessed      = "refund.processed"
	EventRefundFailed         = "refund.failed"
	EventRefundPending        = "refund.pending"
	EventChargeDisputeCreate  = "charge.dispute.create"
	eventRefundProcessing     = "refund.processing"
	eventRefundNeedsAttention = "refund.needs-attention"
)

// ErrMalformedEvent is wrapped by ParseEvent when a verified body is not a
// Paystack event of the shape its type promises.
var ErrMalformedEvent = errors.New("paystackpay: malformed event")

// webhookBody is a Paystack delivery: {"event": "...", "data": {...}}.
type webhookBody struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
}

// WebhookEventTypes lists the Paystack events ParseEvent normalizes:
// charge.success, refund.processed, refund.failed and
// charge.dispute.create.
func (p *Provider) WebhookEventTypes() []string { return webhookEventTypes() }

// ParseEvent turns a verified Paystack webhook event into a payments.Event:
//
//	charge.success         payment.succeeded  (PaymentID is data.reference)
//	refund.processed       refund.succeeded   (PaymentID is data.transaction_reference)
//	refund.failed          refund.failed
//	charge.dispute.create  dispute.opened     (PaymentID is data.transaction.reference)
//
// refund.pending, refund.processing and refund.needs-attention report a
// refund still under way and return payments.ErrUnhandledEvent, as do all
// other events. Paystack sends no webhook for failed charges; a failure is
// seen by GetPayment.
//
// Amounts decode whether Paystack sends them as JSON numbers or strings,
// and metadata whether it is an object or a string.
func (p *Provider) ParseEvent(e *webhooks.Event) (*payments.Event, error) {
	return ParseEvent(e)
}

// EventParser normalizes Paystack webhook events without a Provider (no
// secret key needed), for services that only receive webhooks. Its zero
// value is ready to use:
//
//	payments.Handle(h, paystackpay.EventParser{}, fn)
type EventParser struct{}

var (
	_ payments.EventParser       = EventParser{}
	_ payments.WebhookEventTyper = EventParser{}
)

// ParseEvent is Provider.ParseEvent.
func (EventParser) ParseEvent(e *webhooks.Event) (*payments.Event, error) { return ParseEvent(e) }

// WebhookEventTypes is Provider.WebhookEventTypes.
func (EventParser) WebhookEventTypes() []string { return webhookEventTypes() }

func webhookEventTypes() []string {
	return []string{EventChargeSuccess, EventRefundProcessed, EventRefundFailed, EventChargeDisputeCreate}
}

// ParseEvent is Provider.ParseEvent as a function.
func ParseEvent(e *webhooks.Event) (*payments.Event, error) {
	if e == nil {
		return nil, fmt.Errorf("%w: nil event", ErrMalformedEvent)
	}
	var body webhookBody
	if err := json.Unmarshal(e.Data, &body); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedEvent, err)
	}
	typ := body.Event
	if typ == "" {
		typ = e.Type
	}
	out := &payments.Event{Provider: Name, ID: e.ID, Raw: e}
	switch typ {
	case EventChargeSuccess:
		var tx transaction
		if err := json.Unmarshal(body.Data, &tx); err != nil {
			return nil, fmt.Errorf("%w: %s data: %v", ErrMalformedEvent, typ, err)
		}
		if tx.Reference == "" {
			return nil, fmt.Errorf("%w: %s without a reference", ErrMalformedEvent, typ)
		}
		out.Type = payments.EventPaymentSucceeded
		out.PaymentID, out.Reference = tx.Reference, tx.Reference
		out.Amount = money(tx.Amount, tx.Currency)
		out.Metadata = cleanMetadata(tx.Metadata)
		if tx.Customer != nil {
			out.CustomerEmail = tx.Customer.Email
		}
	case EventRefundProcessed, EventRefundFailed:
		var r refundObject
		if err := json.Unmarshal(body.Data, &r); err != nil {
			return nil, fmt.Errorf("%w: %s data: %v", ErrMalformedEvent, typ, err)
		}
		ref := r.transactionReference()
		if ref == "" {
			return nil, fmt.Errorf("%w: %s without a transaction reference", ErrMalformedEvent, typ)
		}
		out.Type = payments.EventRefundSucceeded
		if typ == EventRefundFailed {
			out.Type = payments.EventRefundFailed
			out.FailureCode = r.Status
			out.FailureMessage = "refund failed"
		}
		out.PaymentID, out.Reference = ref, ref
		out.Reason = stripMarker(r.MerchantNote)
		out.RefundID = string(r.ID)
		if out.RefundID == "" {
			out.RefundID = string(r.RefundReference)
		}
		out.Amount = money(r.Amount, r.Currency)
		if r.Customer != nil {
			out.CustomerEmail = r.Customer.Email
		}
	case EventChargeDisputeCreate:
		var d dispute
		if err := json.Unmarshal(body.Data, &d); err != nil {
			return nil, fmt.Errorf("%w: %s data: %v", ErrMalformedEvent, typ, err)
		}
		if d.Transaction == nil || d.Transaction.Reference == "" {
			return nil, fmt.Errorf("%w: %s without a transaction reference", ErrMalformedEvent, typ)
		}
		out.Type = payments.EventDisputeOpened
		out.Reason = d.Category
		out.PaymentID, out.Reference = d.Transaction.Reference, d.Transaction.Reference
		amount, currency := d.RefundAmount, d.Currency
		if amount == 0 {
			amount = d.Transaction.Amount
		}
		if currency == "" {
			currency = d.Transaction.Currency
		}
		out.Amount = money(amount, currency)
		out.Metadata = cleanMetadata(d.Transaction.Metadata)
		if d.Customer != nil {
			out.CustomerEmail = d.Customer.Email
		}
	case EventRefundPending, eventRefundProcessing, eventRefundNeedsAttention:
		return nil, fmt.Errorf("%w: %s reports a refund still under way", payments.ErrUnhandledEvent, typ)
	default:
		return nil, fmt.Errorf("%w: paystack event %q", payments.ErrUnhandledEvent, typ)
	}
	return out, nil
}

func money(amount flexInt, currency string) payments.Money {
	return payments.Money{Amount: int64(amount), Currency: payments.Currency(strings.ToUpper(currency))}
}
