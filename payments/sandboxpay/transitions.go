package sandboxpay

import (
	"context"

	"github.com/switchboard-go/switchboard/payments"
)

// Succeed moves a pending, requires_action or processing payment to
// StatusSucceeded, as if the customer had paid, and delivers a
// payment.succeeded event. The returned error wraps ErrDeliveryFailed when
// the event could not be delivered; the payment has succeeded regardless.
func (p *Provider) Succeed(ctx context.Context, id string) (*payments.Payment, error) {
	return p.transition(ctx, id, "succeed", "payment.succeeded", func(pay *payments.Payment) bool {
		if !cancelable(pay.Status) {
			return false
		}
		setStatus(pay, payments.StatusSucceeded)
		pay.NextAction = nil
		pay.FailureCode, pay.FailureMessage = "", ""
		return true
	})
}

// Decline moves a pending, requires_action or processing payment to
// StatusFailed with the given failure code (for example "card_declined")
// and message, as when the customer's bank refuses the charge, and
// delivers a payment.failed event. The returned error wraps
// ErrDeliveryFailed when the event could not be delivered.
func (p *Provider) Decline(ctx context.Context, id, code, message string) (*payments.Payment, error) {
	return p.transition(ctx, id, "decline", "payment.failed", func(pay *payments.Payment) bool {
		if !cancelable(pay.Status) {
			return false
		}
		setStatus(pay, payments.StatusFailed)
		pay.NextAction = nil
		pay.FailureCode, pay.FailureMessage = code, message
		return true
	})
}

// RequireAction moves a pending, processing or requires_action payment to
// StatusRequiresAction with a fresh client secret, as when a bank asks for
// 3-D Secure (again), and delivers a payment.requires_action event. The
// returned error wraps ErrDeliveryFailed when the event could not be
// delivered.
func (p *Provider) RequireAction(ctx context.Context, id string) (*payments.Payment, error) {
	return p.transition(ctx, id, "require action on", "payment.requires_action", func(pay *payments.Payment) bool {
		if !cancelable(pay.Status) {
			return false
		}
		setStatus(pay, payments.StatusRequiresAction)
		pay.NextAction = &payments.NextAction{
			Type:         payments.NextActionConfirmWithClientSecret,
			ClientSecret: pay.ID + "_secret_" + randomHex(12),
		}
		return true
	})
}

// OpenDispute opens a dispute (chargeback) for the full amount of a
// succeeded or partially refunded payment and delivers a dispute.opened
// event. The payment's status does not change. The returned error wraps
// ErrDeliveryFailed when the event could not be delivered.
func (p *Provider) OpenDispute(ctx context.Context, id, reason string) (*payments.Payment, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	pay, err := p.lookup(id)
	if err != nil {
		p.mu.Unlock()
		return nil, err
	}
	if pay.p.Status != payments.StatusSucceeded && pay.p.Status != payments.StatusPartiallyRefunded {
		p.mu.Unlock()
		return nil, invalidState(pay.p.Status, "dispute")
	}
	out := clonePayment(&pay.p)
	msg := p.newMessage("dispute.opened", disputeData(&pay.p, reason))
	p.mu.Unlock()
	return out, p.deliver(ctx, msg)
}

func (p *Provider) transition(ctx context.Context, id, action, eventType string, apply func(*payments.Payment) bool) (*payments.Payment, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	pay, err := p.lookup(id)
	if err != nil {
		p.mu.Unlock()
		return nil, err
	}
	from := pay.p.Status
	if !apply(&pay.p) {
		p.mu.Unlock()
		return nil, invalidState(from, action)
	}
	out := clonePayment(&pay.p)
	msg := p.newMessage(eventType, paymentData(&pay.p))
	p.mu.Unlock()
	return out, p.deliver(ctx, msg)
}

// SucceedRefund settles a pending refund (see WithPendingRefunds) and
// delivers a refund.succeeded event. The returned error wraps
// ErrDeliveryFailed when the event could not be delivered.
func (p *Provider) SucceedRefund(ctx context.Context, id string) (*payments.Refund, error) {
	return p.settleRefund(ctx, id, payments.RefundSucceeded, "", "")
}

// FailRefund fails a pending refund (see WithPendingRefunds), releasing its
// amount for other refunds, and delivers a refund.failed event. The returned
// error wraps ErrDeliveryFailed when the event could not be delivered.
func (p *Provider) FailRefund(ctx context.Context, id, code, message string) (*payments.Refund, error) {
	return p.settleRefund(ctx, id, payments.RefundFailed, code, message)
}

func (p *Provider) settleRefund(ctx context.Context, id string, to payments.RefundStatus, code, message string) (*payments.Refund, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	ref, ok := p.refunds[id]
	if !ok {
		p.mu.Unlock()
		return nil, newError(payments.ErrNotFound, 404, "resource_missing", "no such refund")
	}
	if ref.r.Status != payments.RefundPending {
		p.mu.Unlock()
		return nil, newError(payments.ErrInvalidRequest, 400, "invalid_state",
			"refund in status "+string(ref.r.Status)+" cannot change")
	}
	pay := p.pays[ref.r.PaymentID]
	pay.reserved -= ref.r.Amount.Amount
	eventType := "refund.failed"
	if to == payments.RefundSucceeded {
		applyRefund(&pay.p, ref.r.Amount.Amount)
		eventType = "refund.succeeded"
	} else {
		ref.failureCode, ref.failureMessage = code, message
	}
	setRefundStatus(&ref.r, to)
	out := ref.r
	msg := p.newMessage(eventType, refundData(ref, &pay.p))
	p.mu.Unlock()
	return &out, p.deliver(ctx, msg)
}
