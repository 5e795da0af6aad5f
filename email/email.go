package email

import (
	"context"
	"errors"
	"fmt"
)

// Message is one email. Addresses are RFC 5322 strings, with or without a
// display name ("Ada <ada@example.com>" or "ada@example.com").
type Message struct {
	From    string
	To      []string
	Cc      []string
	Bcc     []string
	ReplyTo []string
	Subject string
	// Text is the plain-text body. When it is empty and HTML is set, the
	// senders derive it from HTML (see Prepare).
	Text string
	// HTML is the HTML body.
	HTML string
	// Attachments are files attached to the message; those with a
	// ContentID are inline parts referenced from the HTML as cid:ID.
	Attachments []Attachment
	// Headers are extra headers. Names and values must not hold CR or LF.
	Headers map[string]string
	// Tags label the message for providers that support them (SendGrid
	// categories, Mailgun o:tag, Postmark Tag).
	Tags []string
	// Metadata is key/value data for providers that support it (SendGrid
	// custom_args, Mailgun v: variables, Postmark Metadata).
	Metadata map[string]string
}

// Attachment is a file attached to a message.
type Attachment struct {
	// Filename is the name shown to the recipient.
	Filename string
	// ContentType is the MIME type ("application/pdf").
	ContentType string
	// Data is the file's content.
	Data []byte
	// ContentID, when set, makes the attachment an inline part.
	ContentID string
}

// Receipt is what a Sender returns for an accepted message.
type Receipt struct {
	// Provider names the sender ("smtp", "sendgrid", ...).
	Provider string
	// MessageID is the provider's id for the message (the SMTP Message-ID,
	// SendGrid X-Message-Id, Mailgun id, Postmark MessageID).
	MessageID string
}

// Sender sends email. Implementations are safe for concurrent use.
type Sender interface {
	// Send validates m and hands it to the provider.
	Send(ctx context.Context, m *Message) (*Receipt, error)
}

// Sentinel errors. Errors returned by senders unwrap to these.
var (
	// ErrInvalidMessage means the message failed validation; nothing was
	// sent. The error is a *ValidationError naming the field.
	ErrInvalidMessage = errors.New("email: invalid message")
	// ErrTemporary means the provider could not take the message now (SMTP
	// 4xx, HTTP 429 or 5xx, a network failure); a retry may succeed.
	ErrTemporary = errors.New("email: temporary failure")
	// ErrRejectedRecipient means the provider refused a recipient.
	ErrRejectedRecipient = errors.New("email: recipient rejected")
	// ErrAuthentication means the provider refused the credentials.
	ErrAuthentication = errors.New("email: authentication failed")
	// ErrPermanent means the provider refused the message for a reason
	// that a retry will not fix.
	ErrPermanent = errors.New("email: permanent failure")
	// ErrInvalidConfig matches every configuration error a Sender's
	// constructor returns (an empty or malformed credential, a bad URL, an
	// option value out of range). The error names the provider and the
	// option at fault, never the value of a secret.
	ErrInvalidConfig = errors.New("email: invalid configuration")
)

// ValidationError says which field of a Message is invalid.
type ValidationError struct {
	// Field names the field ("To[1]", "Headers[X-Tag]", "Subject").
	Field string
	// Reason says what is wrong, without echoing hostile input verbatim.
	Reason string
}

// Error implements error.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("email: invalid %s: %s", e.Field, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalidMessage) true.
func (e *ValidationError) Unwrap() error { return ErrInvalidMessage }

// SendError is a failure reported by a provider.
type SendError struct {
	// Kind is ErrTemporary, ErrRejectedRecipient, ErrAuthentication or
	// ErrPermanent.
	Kind error
	// Provider names the sender.
	Provider string
	// StatusCode is the SMTP reply code or HTTP status, when there was one.
	StatusCode int
	// Code is the provider's own error code, when it gave one.
	Code string
	// Message is the provider's message.
	Message string
	// Err is the underlying error, if any.
	Err error
}

// Error implements error.
func (e *SendError) Error() string {
	msg := fmt.Sprintf("%s: %v", e.Provider, e.Kind)
	if e.StatusCode != 0 {
		msg += fmt.Sprintf(" (%d)", e.StatusCode)
	}
	if e.Code != "" {
		msg += " [" + e.Code + "]"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Unwrap returns the kind and the underlying error.
func (e *SendError) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

// Temporary reports whether a retry may succeed.
func (e *SendError) Temporary() bool { return errors.Is(e.Kind, ErrTemporary) }
