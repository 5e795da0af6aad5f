package payments

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

// RefundStatus is the normalized state of a refund.
type RefundStatus string

// Refund statuses.
const (
	RefundPending   RefundStatus = "pending"
	RefundSucceeded RefundStatus = "succeeded"
	RefundFailed    RefundStatus = "failed"
	RefundCanceled  RefundStatus = "canceled"
)

// Valid reports whether s is one of the normalized statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusPending, StatusRequiresAction, StatusProcessing, StatusSucceeded,
		StatusFailed, StatusCanceled, StatusRefunded, StatusPartiallyRefunded:
		return true
	}
	return false
}

// IsTerminal reports whether a payment in status s will not move on by
// itself: failed, canceled and refunded. A succeeded or partially refunded
// payment can still be refunded, so it is not terminal. On Stripe a
// customer whose attempt was declined may still pay the failed payment
// through the same client secret; cancel it to make the failure final.
func (s Status) IsTerminal() bool {
	return s == StatusFailed || s == StatusCanceled || s == StatusRefunded
}

// IsPaid reports whether money was captured: succeeded, partially refunded
// or refunded.
func (s Status) IsPaid() bool {
	return s == StatusSucceeded || s == StatusPartiallyRefunded || s == StatusRefunded
}

// IsOpen reports whether the payment is still waiting for the customer or
// the provider: pending, requires_action or processing.
func (s Status) IsOpen() bool {
	return s == StatusPending || s == StatusRequiresAction || s == StatusProcessing
}

// String returns the status name.
func (s Status) String() string { return string(s) }

// PaidStatus returns the status of a paid payment of amount minor units of
// which refunded have been refunded: succeeded, partially_refunded or
// refunded. Providers use it to fold refund totals into a status.
func PaidStatus(amount, refunded int64) Status {
	switch {
	case refunded <= 0:
		return StatusSucceeded
	case refunded >= amount:
		return StatusRefunded
	default:
		return StatusPartiallyRefunded
	}
}

// Valid reports whether s is one of the normalized refund statuses.
func (s RefundStatus) Valid() bool {
	switch s {
	case RefundPending, RefundSucceeded, RefundFailed, RefundCanceled:
		return true
	}
	return false
}

// IsTerminal reports whether the refund will not change any more.
func (s RefundStatus) IsTerminal() bool { return s != RefundPending }
