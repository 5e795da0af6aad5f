package payments

import "errors"

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
// payment can still be refunded, so it is not terminal.
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

// Valid reports whether t is one of the normalized event types.
func (t EventType) Valid() bool {
	switch t {
	case EventPaymentSucceeded, EventPaymentFailed, EventRefundSucceeded,
		EventRefundFailed, EventDisputeOpened:
		return true
	}
	return false
}

// KindOf returns the sentinel an error is an instance of (ErrCardDeclined,
// ErrRateLimited, ...), or nil when err is not a payments error.
func KindOf(err error) error {
	for _, k := range kinds {
		if errors.Is(err, k) {
			return k
		}
	}
	return nil
}

var kinds = []error{
	ErrCardDeclined, ErrInvalidRequest, ErrAuthentication, ErrRateLimited,
	ErrProviderUnavailable, ErrIdempotencyConflict, ErrUnsupportedCurrency,
	ErrInvalidAmount, ErrNotFound, ErrNotSupported,
}

// IsRetryable reports whether retrying the same call later, with the same
// idempotency key, may succeed: rate limits and provider outages.
func IsRetryable(err error) bool {
	return errors.Is(err, ErrRateLimited) || errors.Is(err, ErrProviderUnavailable)
}
