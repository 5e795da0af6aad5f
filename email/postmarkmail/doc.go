// Package postmarkmail sends email through Postmark's single-message API
// (POST /email) and implements email.Sender.
//
// Every message is checked with email.Validate first; a message that fails
// (an address that does not parse, CR or LF in a header value, no body, ...)
// is refused with an *email.ValidationError before any request is made.
// Postmark also needs at least one To recipient.
//
// The message maps onto Postmark's JSON body: From; To, Cc, Bcc and
// ReplyTo as comma-separated lists (display names are quoted, so a comma
// in a name cannot split the list); Subject, HtmlBody and TextBody;
// Headers as [{Name, Value}]; Tag from the first of Message.Tags (Postmark
// takes one tag per message, the others are not sent); Metadata; and
// Attachments as {Name, Content (base64), ContentType, ContentID}, where an
// inline part's ContentID is "cid:" plus Attachment.ContentID.
// WithMessageStream sets MessageStream.
//
// Requests carry the server token in X-Postmark-Server-Token; it never
// appears in errors, logs or the Sender's String form. TestServerToken
// (POSTMARK_API_TEST) validates requests without delivering them.
//
// On success the receipt carries Postmark's MessageID. A failure is an
// *email.SendError whose Code is Postmark's ErrorCode and whose Kind tells
// what to do about it:
//
//   - HTTP 429 or 5xx, ErrorCode 429 (rate limit) or 100 (maintenance),
//     or a network failure: email.ErrTemporary;
//   - HTTP 401 or ErrorCode 10 (bad or missing token):
//     email.ErrAuthentication;
//   - ErrorCode 406 (inactive recipient: hard bounce, spam complaint or
//     manual suppression): email.ErrRejectedRecipient;
//   - every other code (300 invalid email request, 400 sender signature
//     not found, 401 not confirmed, 405 not allowed to send, 411 forbidden
//     attachment type, 412 account pending, ...) and HTTP 413:
//     email.ErrPermanent.
//
// email.ErrInvalidMessage is kept for messages refused by email.Validate
// before sending (always an *email.ValidationError); a message the
// provider refuses is email.ErrPermanent.
//
// errors.As still reaches the *httpclient.StatusError with the raw answer.
//
// # Retries
//
// The email API takes no idempotency key, so a retried request may deliver
// the message twice. The Sender never retries: it builds its
// httpclient.Client with retries off, and httpclient does not retry a POST
// without an idempotency key anyway. It follows no redirect either: an
// answer of 3xx is an email.ErrPermanent failure naming the refused
// target, since a send carries the credential and the message. Callers
// decide whether to retry an email.ErrTemporary error, knowing that a
// timeout can hide a message that was in fact accepted.
//
// The client New builds gives each call httpclient.DefaultTimeout unless
// the context has a deadline of its own; pass
// WithHTTPOptions(httpclient.WithTimeout(d)) for large attachments over
// slow links.
//
// # Configuration and logging
//
// New refuses an empty, blank or whitespace-padded server token, a malformed
// base URL and invalid options with an error wrapping
// email.ErrInvalidConfig that names the option and never the server token.
// WithHTTPClient takes the standard library *http.Client that carries the
// requests; WithHTTPOptions configures the httpclient.Client around it
// (timeouts, circuit breaker); an invalid httpclient option makes New fail
// too. Without WithLogger the Sender logs nowhere.
//
// A message with HTML and no text is sent with a text part derived from
// the HTML, as every email.Sender does (see email.Prepare).
package postmarkmail
