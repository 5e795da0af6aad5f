package sms

// Status is a message's normalized delivery status, the same for every
// provider. Each provider's own statuses map onto these (twiliosms and
// africastalkingsms document their tables); Report.ProviderStatus keeps the
// original.
type Status string

// Normalized statuses, in lifecycle order.
const (
	// StatusQueued: the provider accepted the message and has not yet
	// handed it to a carrier.
	StatusQueued Status = "queued"
	// StatusSent: a carrier took the message; no handset has confirmed it.
	StatusSent Status = "sent"
	// StatusDelivered: the carrier confirmed delivery to the handset (or
	// the recipient read it, on channels that report reads). Final.
	StatusDelivered Status = "delivered"
	// StatusUndelivered: a carrier could not deliver the message
	// (unreachable handset, filtering, an unknown number). Final.
	StatusUndelivered Status = "undelivered"
	// StatusFailed: the message never left the provider (a full queue, a
	// refused sender, a canceled scheduled message). Final.
	StatusFailed Status = "failed"
	// StatusReceived: an inbound message, sent to one of the account's
	// numbers. Final.
	StatusReceived Status = "received"
)

// Statuses lists every normalized status in lifecycle order.
func Statuses() []Status {
	return []Status{StatusQueued, StatusSent, StatusDelivered, StatusUndelivered, StatusFailed, StatusReceived}
}

// Valid reports whether s is one of the normalized statuses.
func (s Status) Valid() bool { return s.Rank() > 0 }

// Final reports whether no later status can follow s.
func (s Status) Final() bool { return s.Rank() == rankFinal }

const rankFinal = 3

// Rank orders statuses along a message's lifecycle: 1 for queued, 2 for
// sent, 3 for the final ones (delivered, undelivered, failed, received),
// 0 for a status that is not valid.
//
// Providers send status callbacks over independent HTTP requests, which
// can arrive out of order: a "sent" callback delayed behind "delivered" is
// common on Twilio. Keep the status with the highest rank, never the one
// that arrived last; Advance does that.
func (s Status) Rank() int {
	switch s {
	case StatusQueued:
		return 1
	case StatusSent:
		return 2
	case StatusDelivered, StatusUndelivered, StatusFailed, StatusReceived:
		return rankFinal
	}
	return 0
}

// Advance returns the status to keep when a report of next arrives for a
// message whose recorded status is current: next when it ranks higher,
// current otherwise. So a late "sent" never replaces "delivered", a
// status that is not valid never replaces a valid one, and between two
// final statuses the first recorded stays (a final status is final).
func Advance(current, next Status) Status {
	if next.Rank() > current.Rank() {
		return next
	}
	return current
}
