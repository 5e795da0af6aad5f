// Package mailgunmail sends email through Mailgun's messages API
// (POST /v3/{domain}/messages) and implements email.Sender.
//
// Every message is checked with email.Validate first; a message that fails
// (an address that does not parse, CR or LF in a header value, no body, ...)
// is refused with an *email.ValidationError before any request is made.
// Mailgun also needs at least one To recipient.
//
// The message is sent as multipart/form-data with the parameters Mailgun
// documents: from; to, cc and bcc, one field per address; subject, text
// and html; h:Reply-To and h:NAME for each custom header; o:tag for each
// tag (Mailgun keeps at most three per message); v:KEY for each metadata
// entry, which Mailgun returns as user-variables in events and webhooks
// and also writes into the delivered message as the X-Mailgun-Variables
// header, so recipients can see it; attachment for each file and inline
// for each part with a ContentID. Mailgun derives an inline part's
// Content-ID from its file name, so inline files are named after their
// ContentID and the HTML refers to them as cid:CONTENTID.
//
// Requests use HTTP Basic auth, user "api" and the API key as password; the
// key never appears in errors, logs or the Sender's String form. A domain
// lives in one region: WithEU selects https://api.eu.mailgun.net.
//
// On success the receipt carries the id of Mailgun's
// {"id":"<...>","message":"Queued. Thank you."} answer. A failure is an
// *email.SendError whose Kind tells what to do about it:
//
//   - 429 and 5xx, or a network failure: email.ErrTemporary;
//   - 401 and 403: email.ErrAuthentication;
//   - 400 "'to' (or cc, bcc) parameter is not a valid address":
//     email.ErrRejectedRecipient;
//   - any other 4xx (other 400s, 404 for an unknown domain, 413 too
//     large): email.ErrPermanent.
//
// email.ErrInvalidMessage is kept for messages refused by email.Validate
// before sending (always an *email.ValidationError); a message the
// provider refuses is email.ErrPermanent.
//
// The SendError's Message is the "message" of Mailgun's JSON answer, and
// errors.As still reaches the *httpclient.StatusError with the raw answer.
//
// # Retries
//
// The messages API takes no idempotency key, so a retried request may
// deliver the message twice. The Sender never retries: it builds its
// httpclient.Client with retries off, and httpclient does not retry a POST
// without an idempotency key anyway. It follows no redirect either: an
// answer of 3xx is an email.ErrPermanent failure naming the refused
// target, since a send carries the credential and the message. Callers
// decide whether to retry an email.ErrTemporary error, knowing that a
// timeout can hide a message that was in fact queued.
//
// The client New builds gives each call httpclient.DefaultTimeout unless
// the context has a deadline of its own; pass
// WithHTTPOptions(httpclient.WithTimeout(d)) for large attachments over
// slow links.
//
// # Configuration and logging
//
// New refuses an empty, blank or whitespace-padded API key, a malformed
// base URL and invalid options with an error wrapping
// email.ErrInvalidConfig that names the option and never the API key.
// WithHTTPClient takes the standard library *http.Client that carries the
// requests; WithHTTPOptions configures the httpclient.Client around it
// (timeouts, circuit breaker); an invalid httpclient option makes New fail
// too. Without WithLogger the Sender logs nowhere.
//
// A message with HTML and no text is sent with a text part derived from
// the HTML, as every email.Sender does (see email.Prepare).
package mailgunmail
