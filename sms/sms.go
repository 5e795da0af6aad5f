package sms

import (
	"context"
	"maps"
	"slices"
	"time"
)

// Message is one text message to one recipient.
type Message struct {
	// To is the recipient's number in E.164 form ("+233241234567"). Use
	// package sms/e164 to turn a national number into one.
	To string
	// From is the sender: an E.164 number, a short code (3 to 8 digits)
	// or an alphanumeric sender ID (1 to 11 ASCII letters, digits, spaces
	// and + - _ &, with at least one letter). Empty means the Sender's
	// default (its WithFrom option, or the provider's own default).
	From string
	// MessagingService is a Twilio Messaging Service SID ("MG" and 32 hex
	// digits), which picks the sender from the service's pool. It is
	// exclusive with From, and senders of providers without messaging
	// services refuse it.
	MessagingService string
	// Body is the text. It must not be empty unless MediaURLs are given,
	// and must fit the provider's maximum (Limits.MaxLength). New lines
	// (LF, CR) and tabs are allowed; other control characters, NUL
	// included, are not.
	Body string
	// MediaURLs are public http(s) URLs of images or files sent with the
	// message (MMS), for providers that take them.
	MediaURLs []string
	// StatusCallback is the URL the provider posts delivery reports to for
	// this message, for providers that take one per message (Twilio). It
	// overrides the Sender's WithStatusCallback.
	StatusCallback string
	// Metadata is the application's own data about the message (an order
	// id, a template name). Neither Twilio nor Africa's Talking carries
	// metadata, so it is not sent: the Receipt returns it (a replayed
	// Receipt too), and the log sender logs it. Correlate delivery reports
	// with Receipt.MessageID. At most 32 entries; keys are 1 to 64
	// printable ASCII characters, values at most 512 bytes of text.
	Metadata map[string]string
	// IdempotencyKey, when set, makes the send happen at most once per key
	// across every Sender that shares the key's store: a retry with the
	// same key returns the first send's Receipt (with Replayed set) and
	// sends nothing. See the package documentation for the exact rules.
	// At most MaxIdempotencyKeyLen bytes of printable text.
	IdempotencyKey string
}

// MaxIdempotencyKeyLen is the longest Message.IdempotencyKey, in bytes.
const MaxIdempotencyKeyLen = 200

// Clone returns a deep copy of m.
func (m *Message) Clone() *Message {
	if m == nil {
		return nil
	}
	c := *m
	c.MediaURLs = slices.Clone(m.MediaURLs)
	c.Metadata = maps.Clone(m.Metadata)
	return &c
}

// Cost is what the provider charged for a message, as it reported it.
type Cost struct {
	// Amount is a non-negative decimal number as the provider wrote it
	// ("0.8000", "0.0079"). Twilio reports charges as negative prices;
	// the sign is dropped here.
	Amount string
	// Currency is the ISO 4217 code ("USD", "KES").
	Currency string
}

// Receipt is what a Sender returns for a message the provider accepted.
type Receipt struct {
	// Provider is the name of the sender's provider ("twilio",
	// "africastalking", "log").
	Provider string
	// MessageID is the provider's id for the message (Twilio's SM... sid,
	// Africa's Talking's messageId). Delivery reports carry it.
	MessageID string
	// Status is the normalized status when the provider answered: queued
	// or sent, failed for a message the provider took but refused to send.
	Status Status
	// ProviderStatus is the status as the provider spelled it.
	ProviderStatus string
	// To is the recipient as the provider reported it (or as sent).
	To string
	// From is the sender as the provider reported it, when it did.
	From string
	// Segments is how many segments the provider reports it will bill, or
	// the count computed from the body when it does not say.
	Segments int
	// Encoding is the encoding the body needs (GSM-7 or UCS-2).
	Encoding Encoding
	// Cost is what the provider charged, or nil when it did not say
	// (Twilio usually prices a message only after it is sent).
	Cost *Cost
	// Metadata is a copy of the message's Metadata.
	Metadata map[string]string
	// Replayed is true when the Receipt comes from the idempotency store:
	// an earlier Send with the same IdempotencyKey sent the message, and
	// this one sent nothing.
	Replayed bool
	// AcceptedAt is when the sender read the provider's answer (the
	// sender's clock).
	AcceptedAt time.Time
}

// Clone returns a deep copy of r.
func (r *Receipt) Clone() *Receipt {
	if r == nil {
		return nil
	}
	c := *r
	if r.Cost != nil {
		cost := *r.Cost
		c.Cost = &cost
	}
	c.Metadata = maps.Clone(r.Metadata)
	return &c
}

// Sender sends text messages. Implementations are safe for concurrent
// use.
type Sender interface {
	// Send validates m and hands it to the provider, at most once per
	// m.IdempotencyKey when one is set.
	Send(ctx context.Context, m *Message) (*Receipt, error)
}
