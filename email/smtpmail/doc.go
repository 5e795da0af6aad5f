// Package smtpmail is an email.Sender that delivers over SMTP, built on
// github.com/wneessen/go-mail.
//
//	sender, err := smtpmail.NewFromURL("smtp://apikey:secret@smtp.example.com:587")
//	receipt, err := sender.Send(ctx, msg)
//	// receipt.MessageID is the Message-ID header, without angle brackets.
//
// # TLS
//
// TLS is mandatory by default: the server must offer STARTTLS and present
// a certificate valid for the host, or nothing is sent (ErrTLSRequired,
// or an email.ErrPermanent error for a bad certificate). WithImplicitTLS
// (or an smtps:// URL) speaks TLS from the first byte, as on port 465.
// WithTLSPolicy(TLSOpportunistic) or WithTLSPolicy(TLSNone) relax this
// only when asked. One exception: for loopback hosts (localhost,
// 127.0.0.1, ::1) the default is TLSOpportunistic, so a local relay or a
// test server such as mailpit works without certificates; an explicit
// WithTLSPolicy always wins. Whenever STARTTLS is attempted the
// certificate is verified; a failed upgrade never falls back to plain
// text. WithTLSConfig trusts a private CA.
//
// # Authentication
//
// WithCredentials enables SMTP AUTH. By default the strongest mechanism
// the server offers is chosen (SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5,
// PLAIN, LOGIN); PLAIN and LOGIN, which send the password itself, are
// only used over TLS or to a loopback host. WithAuth forces a mechanism,
// including SCRAM-SHA-*-PLUS (channel binding) and XOAUTH2. Credentials
// never appear in logs or errors.
//
// # Connections
//
// Send opens a connection per call. SendMany validates a batch and sends
// every valid message over one connection, which is several times faster
// than a connection per message; its error is an *email.BatchError whose
// Errs line up with the messages. A canceled context aborts the exchange.
//
// # Errors
//
// Replies map to the email sentinels: 4xx to email.ErrTemporary; 550, 551
// and 553 to a recipient to email.ErrRejectedRecipient; 535 (and 530,
// 534, 538) to email.ErrAuthentication; other 5xx to email.ErrPermanent;
// network failures and dropped connections to email.ErrTemporary. The
// *email.SendError carries the reply code and enhanced status code.
//
// # Configuration and logging
//
// New and NewFromURL refuse a missing host, a port out of range, empty or
// whitespace-padded credentials and invalid options with an error
// wrapping email.ErrInvalidConfig that never quotes the password. Without
// WithLogger the Sender logs nowhere.
//
// # Message format
//
// Messages are prepared with email.Prepare, so an HTML-only message gets a
// text part derived from its HTML. Text and HTML become a
// multipart/alternative body; attachments with a
// ContentID become inline parts (multipart/related) referenced from the
// HTML as cid:ID. Bcc recipients are in the SMTP envelope only: no Bcc
// header is written. Tags and Metadata have no SMTP equivalent and are
// ignored. WithDKIM signs each message with DKIM (RSA or Ed25519).
package smtpmail
