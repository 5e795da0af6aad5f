package paystackpay

import "github.com/switchboard-go/switchboard/payments"

// paymentStatus maps a Paystack transaction status (data.status of
// GET /transaction/verify/:reference) to the normalized status.
//
// Paystack's "Verify Payments" guide lists: abandoned (the customer has not
// completed the transaction), failed, ongoing (the customer is in the
// middle of an action such as entering an OTP or making a transfer),
// pending, processing (direct debit), queued (bulk charges), reversed
// (refunded or charged back) and success.
//
// abandoned maps to requires_action rather than canceled: Paystack reports
// a freshly initialized transaction as abandoned until the customer pays,
// and the customer can still complete it through its authorization URL.
// reversed maps to refunded, with the whole amount counted as refunded.
// Unknown statuses map to pending, keeping the raw status.
func paymentStatus(raw string) payments.Status {
	switch raw {
	case "success":
		return payments.StatusSucceeded
	case "failed":
		return payments.StatusFailed
	case "abandoned":
		return payments.StatusRequiresAction
	case "ongoing", "processing":
		return payments.StatusProcessing
	case "pending", "queued":
		return payments.StatusPending
	case "reversed":
		return payments.StatusRefunded
	default:
		return payments.StatusPending
	}
}

// refundStatus maps a Paystack refund status to the normalized one:
// processed is succeeded, failed is failed, and pending, processing and
// needs-attention (the refund waits for the merchant to supply customer
// bank details) are pending. Unknown statuses are pending.
func refundStatus(raw string) payments.RefundStatus {
	switch raw {
	case "processed":
		return payments.RefundSucceeded
	case "failed":
		return payments.RefundFailed
	default:
		return payments.RefundPending
	}
}
