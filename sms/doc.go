// Package sms is a provider-agnostic contract for sending text messages
// and receiving their delivery reports.
//
// An application builds a Message and hands it to a Sender; which Sender
// it is (twiliosms, africastalkingsms, or logsms, which writes messages to
// a log) is decided in one constructor call:
//
//	type Sender interface {
//		Send(ctx context.Context, m *Message) (*Receipt, error)
//	}
//
// # Validation and segments
//
// Every Sender calls Validate before touching the network: To must be an
// E.164 number ("+233241234567"; package sms/e164 normalizes a national
// number such as "024 123 4567" given a default region), From a number, a
// short code or an alphanumeric sender ID, the body valid UTF-8 without
// NUL or control characters (new lines and tabs are fine), not empty, and
// within the provider's maximum (Limits), URLs absolute http(s) without
// CR, LF or spaces. A failure is a *ValidationError naming the field; it
// matches ErrInvalidMessage, and ErrInvalidNumber for a number. Nothing is
// sent.
//
// CountSegments tells what a body will cost before it is sent: GSM-7
// when every character is in the GSM alphabet (160 characters in one
// segment, 153 per segment beyond; ^ { } [ ] ~ \ | € count two), UCS-2
// otherwise (70, then 67; an emoji counts two), and which characters
// forced UCS-2. The Receipt reports the segments the provider bills.
//
// # Errors
//
// Provider failures are *Error values whose Kind is a sentinel:
//
//	_, err := sender.Send(ctx, msg)
//	switch {
//	case errors.Is(err, sms.ErrTemporary):      // 429, 5xx, timeouts: retry (safe with an IdempotencyKey)
//	case errors.Is(err, sms.ErrUnsubscribed):   // the recipient said STOP: suppress the number
//	case errors.Is(err, sms.ErrInvalidNumber):  // fix the number
//	case errors.Is(err, sms.ErrUnknownOutcome): // the provider may have the message: check before sending anew
//	}
//
// # At most once
//
// Neither Twilio's Messages API nor Africa's Talking's takes an
// idempotency key, so a retried request can text a customer twice. A
// Message with an IdempotencyKey is therefore sent through an
// idempotency.Runner on the Sender's store (WithStore; PostgreSQL or Redis
// when replicas share the work, an in-process memory store otherwise):
//
//  1. The key "sms:"+IdempotencyKey is claimed with a lease and a
//     fingerprint of the message (recipient, sender, body, media, status
//     callback). A key completed earlier returns its Receipt with Replayed
//     set, and nothing is sent; a key completed for another message is
//     ErrIdempotencyConflict; a key held by a send in flight, here or in
//     another replica, is ErrInProgress (also ErrTemporary); a store that
//     cannot answer is ErrTemporary, and nothing is sent.
//  2. The provider is called under a deadline that ends before the lease
//     does, less the store timeout: a send can never still be in flight
//     when another replica may claim its key. (Senders refuse a lease
//     shorter than their HTTP timeout plus the store timeout.)
//  3. The provider's answer is recorded before Send returns: an accepted
//     message completes the key with its Receipt (for WithTTL, 72 hours by
//     default). A failure that may have sent the message (the request was
//     written and the answer lost or timed out, HTTP 500, 502 or 504, a
//     success that cannot be parsed) completes the key with that unknown
//     outcome: the first Send fails with ErrUnknownOutcome and
//     ErrTemporary, and every retry with the key fails with
//     ErrUnknownOutcome alone and sends nothing. Any other failure (the
//     provider refused: 4xx, 429, 503; the request never left) releases
//     the key, so a retry sends.
//
// So with a key, retrying on ErrTemporary never sends twice. What remains
// is a window the provider's API cannot close: if the process dies (or
// the store cannot be written) after the provider accepted the message and
// before the key is completed, the key stays claimed until its lease (one
// minute by default) runs out; retries during the lease get ErrInProgress,
// and a retry after it sends the message again. The window is as short as
// the code can make it, the provider's answer travelling back and one
// store write: the Receipt is recorded before anything else happens, and
// not after logging or after the caller's own work. A Receipt whose key
// could not be completed is still returned (the message was sent) and the
// failure is logged at Error. Without a key, nothing is de-duplicated, and
// an error matching ErrUnknownOutcome means a retry may send twice.
//
// # Delivery reports
//
// Providers report a message's progress through webhooks: Twilio status
// callbacks (verified by webhooks.NewTwilio, which signs every parameter)
// and Africa's Talking delivery reports (authenticated by
// webhooks.NewAfricasTalking through a token in the callback URL). Handle
// registers one function on a webhooks.Handler for all of them, so a
// report is verified, de-duplicated and dispatched like any other event,
// and arrives normalized as a Report with one of six statuses: queued,
// sent, delivered, undelivered, failed, received.
//
// Reports travel over separate HTTP requests and can arrive out of order
// (a "sent" after the "delivered" it preceded). Order them by
// Status.Rank, not by arrival: Advance keeps the status of higher rank,
// and a final status (delivered, undelivered, failed, received) is never
// replaced.
//
// # Logging
//
// Senders log only through the *slog.Logger given with their WithLogger
// option (logsms takes its logger as an argument, since writing to it is
// its job). Outcome lines carry the provider, message id, status,
// segments, idempotency key and duration; never a credential, and never
// the body or the numbers (except logsms, whose lines are the messages).
//
// # Observability
//
// Every Sender takes WithObserver(*Observer), the observation seam shared
// with payments, email, media and login: Start before Send does anything
// (validation included), End when it returns, with the context Start
// returned carried through the send, so the provider's HTTP call (given
// httpclient.WithObserver through WithHTTPOptions) and the idempotency
// store's calls (a store put in idempotency.ObserveStore) nest under it. The outcome is a fixed word: ok, replayed (an earlier
// send with the IdempotencyKey answered; nothing was sent), invalid,
// unsubscribed, rejected or error, with the error's kind in ErrorType
// (see Observer). Numbers, bodies, metadata, message ids and keys are
// never observed. Without WithObserver nothing is observed and nothing is
// spent on it. otelobserve's Calls() turns observations into the span
// "sms.send PROVIDER" and the metrics switchboard.sms.operations and
// switchboard.sms.operation.duration.
//
// # Testing
//
// Package smstest has a Recorder for application tests, fakes of the
// Twilio and Africa's Talking APIs (TwilioServer, AfricasTalkingServer)
// and the conformance suite every Sender in this module passes; package
// smsmock has a generated mock of Sender.
package sms

//go:generate go run go.uber.org/mock/mockgen@v0.6.0 -write_package_comment=false -destination=smsmock/sender.go -package=smsmock github.com/switchboard-go/switchboard/sms Sender
