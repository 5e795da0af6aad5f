package paystackpay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/switchboard-go/switchboard/httpclient"
	"github.com/switchboard-go/switchboard/payments"
)

// refundListPageSize is how many refunds of one transaction are read when
// looking for an earlier refund or totalling refunds. A transaction with
// more refunds than this is not expected.
const refundListPageSize = 100

// keyMarkerPrefix introduces the idempotency marker in a refund's
// merchant_note: " [idempotency:<32 hex>]".
const keyMarkerPrefix = "[idempotency:"

// keyMarker returns the marker Refund writes into merchant_note for an
// idempotency key: a hash of the transaction reference and the key, so
// the key itself (which may hold anything) is never sent.
func keyMarker(paymentID, key string) string {
	sum := sha256.Sum256([]byte(paymentID + "\x00" + key))
	return keyMarkerPrefix + hex.EncodeToString(sum[:16]) + "]"
}

// noteWithMarker appends the marker to the merchant's note.
func noteWithMarker(reason, marker string) string {
	if reason == "" {
		return marker
	}
	return reason + " " + marker
}

// stripMarker removes an idempotency marker from a merchant note.
func stripMarker(note string) string {
	i := strings.LastIndex(note, keyMarkerPrefix)
	if i < 0 || !strings.HasSuffix(note, "]") {
		return note
	}
	return strings.TrimSpace(note[:i])
}

// listRefunds returns the refunds of the transaction with the given
// reference (GET /refund?reference=...). Refunds of other transactions are
// dropped, in case the filter is not applied.
func (p *Provider) listRefunds(ctx context.Context, reference string) ([]refundObject, error) {
	q := url.Values{}
	q.Set("reference", reference)
	q.Set("perPage", strconv.Itoa(refundListPageSize))
	var list []refundObject
	if err := p.call(ctx, http.MethodGet, "/refund", nil, &list, httpclient.WithQuery(q)); err != nil {
		return nil, err
	}
	out := list[:0]
	for _, r := range list {
		if r.transactionReference() == reference {
			out = append(out, r)
		}
	}
	return out, nil
}

// findRefund looks for a refund of the transaction made with the same
// idempotency key.
func (p *Provider) findRefund(ctx context.Context, params payments.RefundParams, marker string) (*refundObject, error) {
	list, err := p.listRefunds(ctx, params.PaymentID)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if strings.HasSuffix(list[i].MerchantNote, marker) {
			return &list[i], nil
		}
	}
	return nil, nil
}

// Refund refunds a transaction (POST /refund) in full (zero Amount) or in
// part. PaymentID is the transaction reference; Reason is sent as the
// merchant note. Paystack queues refunds, so the result is normally
// RefundPending; GetRefund and the refund.* webhooks report how it ends.
//
// Paystack has no idempotency handle for refunds, so POST /refund is sent
// exactly once and never retried. With an IdempotencyKey, Refund writes a
// marker derived from the key into the merchant note and, before creating
// a refund, lists the transaction's refunds (GET /refund?reference=...):
// a refund carrying the marker is returned instead of refunding again, or
// fails with payments.ErrIdempotencyConflict when its amount differs from
// a non-zero Amount. This protects retries made one after the other;
// concurrent calls with one key are not serialized.
func (p *Provider) Refund(ctx context.Context, params payments.RefundParams) (got *payments.Refund, err error) {
	ctx, ob := payments.StartObservation(ctx, p.obs, Name, "refund")
	defer func() { ob.EndRefund(got, err) }()
	if err := p.caps.ValidateRefund(Name, params); err != nil {
		return nil, err
	}
	note := params.Reason
	if params.IdempotencyKey != "" {
		marker := keyMarker(params.PaymentID, params.IdempotencyKey)
		prev, err := p.findRefund(ctx, params, marker)
		if err != nil {
			return nil, err
		}
		if prev != nil {
			if params.Amount != 0 && int64(prev.Amount) != params.Amount {
				return nil, &payments.Error{Kind: payments.ErrIdempotencyConflict, Provider: Name,
					Code: "idempotency_key_reused", Message: "a refund with a different amount was made with this idempotency key"}
			}
			p.log.LogAttrs(ctx, slog.LevelInfo, "paystackpay: refund already made with this idempotency key",
				slog.String("reference", params.PaymentID), slog.String("refund", string(prev.ID)))
			return toRefund(prev), nil
		}
		note = noteWithMarker(params.Reason, marker)
	}
	req := refundRequest{Transaction: params.PaymentID, Amount: params.Amount, MerchantNote: note}
	var r refundObject
	if err := p.call(ctx, http.MethodPost, "/refund", req, &r); err != nil {
		return nil, err
	}
	out := toRefund(&r)
	if out.PaymentID == "" {
		out.PaymentID = params.PaymentID
	}
	if out.Reason == "" {
		out.Reason = params.Reason
	}
	return out, nil
}

// refundedTotal sums the processed refunds of a transaction.
func (p *Provider) refundedTotal(ctx context.Context, reference string) (int64, error) {
	list, err := p.listRefunds(ctx, reference)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, r := range list {
		if refundStatus(r.Status) == payments.RefundSucceeded {
			total += int64(r.Amount)
		}
	}
	return total, nil
}

// addRefunds folds the transaction's processed refunds into a paid
// payment: AmountRefunded, and succeeded becoming partially_refunded or
// refunded. Verify reports no refunded amount, and only a full reversal in
// its status. When the refunds cannot be listed the payment is returned as
// verify reported it and the failure is logged.
func (p *Provider) addRefunds(ctx context.Context, pay *payments.Payment) {
	if pay.Status != payments.StatusSucceeded && pay.Status != payments.StatusRefunded {
		return
	}
	total, err := p.refundedTotal(ctx, pay.ID)
	if err != nil {
		p.log.LogAttrs(ctx, slog.LevelWarn, "paystackpay: could not list refunds; refunded amount unknown",
			slog.String("reference", pay.ID), slog.Any("error", err))
		return
	}
	if pay.Status == payments.StatusRefunded {
		// A reversal without processed refunds is a chargeback: the whole
		// amount went back.
		if total > 0 && total < pay.Amount.Amount {
			pay.Status = payments.StatusPartiallyRefunded
			pay.AmountRefunded = total
		}
		return
	}
	pay.AmountRefunded = min(total, pay.Amount.Amount)
	pay.Status = payments.PaidStatus(pay.Amount.Amount, pay.AmountRefunded)
}
