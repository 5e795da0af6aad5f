// Package email is a provider-agnostic contract for sending email.
//
// An application builds a Message and hands it to a Sender. Which Sender
// it is (SMTP through smtpmail, or an HTTP API through sendgridmail,
// mailgunmail or postmarkmail) is decided in one constructor call; the
// rest of the code only sees the interface:
//
//	type Sender interface {
//		Send(ctx context.Context, m *Message) (*Receipt, error)
//	}
//
// # Validation
//
// Every sender calls Validate before touching the network. It parses
// addresses with net/mail, requires a recipient and a body, refuses CR, LF
// and NUL in anything that becomes a header (so data from users cannot
// inject headers), checks header names, and enforces a size limit. A
// failure is a *ValidationError naming the field ("To[1]",
// "Headers[X-Tag]") that unwraps to ErrInvalidMessage.
//
// # Text parts
//
// Every Sender sends what Prepare returns: a message with HTML but no
// Text gets a text/plain part derived from the HTML with HTMLToText, so
// that mail clients that do not show HTML, screen readers and spam
// filters get a readable body. The caller's Message is never modified.
//
// # Errors
//
// Provider failures are *SendError values whose Kind is one of the
// sentinels, so callers decide what to do with errors.Is:
//
//	_, err := sender.Send(ctx, msg)
//	switch {
//	case errors.Is(err, email.ErrTemporary):         // SMTP 4xx, HTTP 429/5xx, network: retry later
//	case errors.Is(err, email.ErrRejectedRecipient): // fix or drop the address
//	case errors.Is(err, email.ErrAuthentication):    // credentials are wrong
//	case errors.Is(err, email.ErrInvalidMessage):    // the message itself is wrong
//	}
//
// A Sender's constructor refuses an empty or malformed credential, a bad
// URL or an invalid option with an error wrapping ErrInvalidConfig, which
// names the provider and the option but never a secret.
//
// # Logging
//
// Senders log only through the *slog.Logger given with their WithLogger
// option; without it they log nowhere (never through slog.Default).
//
// # Templates
//
// LoadTemplates reads subject, HTML and text templates from an fs.FS
// (typically an embed.FS), with optional layouts shared by every message.
// Render produces the subject and both bodies; when a message has no text
// template its text part is derived from the HTML with HTMLToText.
//
// # Testing
//
// Package emailtest has a recording Sender for application tests and the
// conformance suite every Sender in this module passes; package emailmock
// has a generated mock of Sender.
package email

//go:generate go run go.uber.org/mock/mockgen@v0.6.0 -write_package_comment=false -destination=emailmock/sender.go -package=emailmock github.com/switchboard-go/switchboard/email Sender
