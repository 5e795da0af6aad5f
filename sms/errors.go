package sms

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors. Every error a Sender returns matches one of them with
// errors.Is; provider failures are *Error values carrying the details.
var (
	// ErrInvalidConfig matches every error a Sender's constructor returns
	// for a configuration it cannot use: an empty, blank or padded
	// credential, a malformed URL, an option value out of range or an
	// option that does not apply. The error names the provider and the
	// argument or option at fault, never a secret's value.
	ErrInvalidConfig = errors.New("sms: invalid configuration")
	// ErrInvalidMessage means the message failed validation before any
	// network call; nothing was sent. The error is a *ValidationError
	// naming the field.
	ErrInvalidMessage = errors.New("sms: invalid message")
	// ErrInvalidNumber means a phone number is not valid: a *ValidationError
	// for To or From that is not E.164 (then ErrInvalidMessage matches
	// too), or the provider's refusal of a number (Twilio 21211,
	// Africa's Talking InvalidPhoneNumber).
	ErrInvalidNumber = errors.New("sms: invalid phone number")
	// ErrTemporary means the provider could not take the message now: HTTP
	// 429 or 5xx, a timeout, a connection failure, a queue that is full, a
	// store that could not be reached, or the key being sent elsewhere
	// right now (ErrInProgress). A retry may succeed. With an
	// IdempotencyKey a retry never sends twice; without one, a failure
	// that also matches ErrUnknownOutcome may have sent the message.
	ErrTemporary = errors.New("sms: temporary failure")
	// ErrUnknownOutcome means the provider may have accepted the message
	// but its answer did not say so: the request was written and then the
	// connection failed or timed out, the provider answered 500, 502 or
	// 504, or a successful answer could not be read. A first failure of
	// this kind also matches ErrTemporary. With an IdempotencyKey the
	// outcome is recorded, and every later Send with that key fails with
	// ErrUnknownOutcome alone (not ErrTemporary): the message is never
	// sent a second time under that key, and whether it arrived must be
	// checked at the provider (or sent anew under a new key).
	ErrUnknownOutcome = errors.New("sms: outcome unknown")
	// ErrInProgress means another Send with the same IdempotencyKey holds
	// the key right now (in this process or another replica). It also
	// matches ErrTemporary: retry later to get that send's Receipt.
	ErrInProgress error = &kindError{msg: "sms: idempotency key in progress elsewhere", also: ErrTemporary}
	// ErrIdempotencyConflict means the IdempotencyKey was used before with
	// a different message (another recipient, sender or text). Nothing was
	// sent.
	ErrIdempotencyConflict = errors.New("sms: idempotency key reused with a different message")
	// ErrAuthentication means the provider refused the credentials.
	ErrAuthentication = errors.New("sms: authentication failed")
	// ErrUnsubscribed means the recipient opted out of messages from this
	// sender (Twilio 21610, after a STOP reply; Africa's Talking
	// UserInBlacklist and DoNotDisturbRejection). Do not retry; suppress
	// the number.
	ErrUnsubscribed = errors.New("sms: recipient unsubscribed")
	// ErrUnverifiedRecipient means a trial account may send only to
	// verified numbers and this one is not (Twilio 21608).
	ErrUnverifiedRecipient = errors.New("sms: recipient not verified for this trial account")
	// ErrUnreachable means the number is valid but cannot receive this
	// message: a landline, a number that is not SMS-capable, a destination
	// the account may not send to or no route to it (Twilio 21408, 21612,
	// 21614, 21635; Africa's Talking UnsupportedNumberType, CouldNotRoute).
	ErrUnreachable = errors.New("sms: recipient unreachable")
	// ErrSenderRejected means the provider refused the sender: an invalid
	// or unregistered From, a number the account does not own, a sender
	// ID not allowed for the destination, a blocked sender, a messaging
	// service without numbers (Twilio 21212, 21606, 21660, 21703;
	// Africa's Talking InvalidSenderId).
	ErrSenderRejected = errors.New("sms: sender rejected")
	// ErrInsufficientFunds means the account's balance cannot pay for the
	// message (Africa's Talking InsufficientBalance).
	ErrInsufficientFunds = errors.New("sms: insufficient funds")
	// ErrRejected means the provider refused the message for another
	// reason a retry will not fix (its own validation, a risk hold, a
	// redirect where the API should answer).
	ErrRejected = errors.New("sms: message rejected")
	// ErrMalformedResponse is wrapped by the error for a provider answer
	// that cannot be parsed. A 2xx answer that cannot be parsed also
	// matches ErrUnknownOutcome: the provider may have taken the message.
	ErrMalformedResponse = errors.New("sms: malformed provider response")
	// ErrClosed is returned by a Sender used after Close.
	ErrClosed = errors.New("sms: sender is closed")
)

// kindError is a sentinel that also matches a broader one under
// errors.Is.
type kindError struct {
	msg  string
	also error
}

func (e *kindError) Error() string { return e.msg }

// Is reports whether target is the broader kind.
func (e *kindError) Is(target error) bool { return target == e.also }

// Error is a failure reported by a provider, or met on the way to it.
// Kind is one of the sentinel errors, so errors.Is(err, sms.ErrUnsubscribed)
// works; errors.As(err, &smsErr) reads the details.
type Error struct {
	// Kind is the sentinel this error is an instance of.
	Kind error
	// Provider names the provider ("twilio").
	Provider string
	// StatusCode is the HTTP status of the provider's answer, or zero.
	StatusCode int
	// Code is the provider's error or status code ("21610",
	// "InvalidSenderId"), or empty.
	Code string
	// Message is the provider's explanation, cut to a safe length. It
	// never holds a secret.
	Message string
	// RequestID is the provider's request id (Twilio-Request-Id), for
	// support tickets.
	RequestID string
	// OutcomeUnknown is true when the provider may have accepted the
	// message although the send failed; the error then also matches
	// ErrUnknownOutcome.
	OutcomeUnknown bool
	// Err is the underlying error (an *httpclient.StatusError, a network
	// error, a store error), or nil.
	Err error
}

// Error returns a one-line description without secrets.
func (e *Error) Error() string {
	msg := "sms: error"
	if e.Kind != nil {
		msg = e.Kind.Error()
	}
	if e.Provider != "" {
		msg = e.Provider + ": " + msg
	}
	if e.StatusCode != 0 {
		msg += " (HTTP " + strconv.Itoa(e.StatusCode) + ")"
	}
	if e.Code != "" {
		msg += " [" + e.Code + "]"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	} else if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if e.OutcomeUnknown && e.Kind != ErrUnknownOutcome {
		msg += " (the provider may have accepted the message)"
	}
	if e.RequestID != "" {
		msg += " [request " + e.RequestID + "]"
	}
	return msg
}

// Unwrap returns Kind, ErrUnknownOutcome when OutcomeUnknown is set, and
// Err.
func (e *Error) Unwrap() []error {
	out := make([]error, 0, 3)
	if e.Kind != nil {
		out = append(out, e.Kind)
	}
	if e.OutcomeUnknown {
		out = append(out, ErrUnknownOutcome)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// Temporary reports whether a retry may succeed (the error matches
// ErrTemporary).
func (e *Error) Temporary() bool { return errors.Is(e.Kind, ErrTemporary) }

// ConfigError returns the error a Sender's constructor gives for a
// configuration problem: it wraps ErrInvalidConfig and reads "sms: invalid
// configuration: provider: what: problem". what names the argument or
// option ("auth token", "WithBaseURL"); problem must never hold a secret.
func ConfigError(provider, what, problem string) error {
	return fmt.Errorf("%w: %s: %s: %s", ErrInvalidConfig, provider, what, problem)
}

// ValidationError says which field of a Message is invalid. It matches
// ErrInvalidMessage, and also ErrInvalidNumber when the field is a phone
// number (To, or a From that is meant as one).
type ValidationError struct {
	// Field names the field ("To", "Body", "MediaURLs[1]", "Metadata[order]").
	Field string
	// Reason says what is wrong without echoing the value.
	Reason string
	// Number is true when the field is a phone number that is not valid.
	Number bool
}

// Error implements error.
func (e *ValidationError) Error() string {
	return "sms: invalid " + e.Field + ": " + e.Reason
}

// Unwrap returns ErrInvalidMessage, and ErrInvalidNumber for a number.
func (e *ValidationError) Unwrap() []error {
	if e.Number {
		return []error{ErrInvalidMessage, ErrInvalidNumber}
	}
	return []error{ErrInvalidMessage}
}

// KindOf returns the sentinel an error is an instance of, most specific
// first (ErrInProgress before ErrTemporary, ErrUnknownOutcome before
// ErrTemporary), or nil when err is not an error of this package.
func KindOf(err error) error {
	for _, k := range kinds {
		if errors.Is(err, k) {
			return k
		}
	}
	return nil
}

var kinds = []error{
	ErrInvalidConfig, ErrInvalidNumber, ErrInvalidMessage, ErrIdempotencyConflict, ErrInProgress,
	ErrUnknownOutcome, ErrTemporary, ErrAuthentication, ErrUnsubscribed, ErrUnverifiedRecipient,
	ErrUnreachable, ErrSenderRejected, ErrInsufficientFunds, ErrMalformedResponse, ErrRejected, ErrClosed,
}
