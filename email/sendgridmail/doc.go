// Package sendgridmail sends email through the Twilio SendGrid v3 Mail
// Send API (POST /v3/mail/send) and implements email.Sender.
//
// Every message is checked with email.Validate first; a message that fails
// (an address that does not parse, CR or LF in a header value, no body, ...)
// is refused with an *email.ValidationError before any request is made.
// SendGrid also needs at least one To recipient.
//
// The message maps onto the request body as SendGrid documents it: one
// personalization holds to, cc and bcc; from and reply_to (reply_to_list
// when there are several) are {email, name} objects; content lists
// text/plain before text/html; attachments are base64 with disposition
// "attachment", or "inline" plus content_id when the attachment has a
// ContentID; Headers become headers, Tags become categories and Metadata
// becomes custom_args. WithSandboxMode sets
// mail_settings.sandbox_mode.enable, so SendGrid validates without
// delivering.
//
// The API key is sent as "Authorization: Bearer KEY" and never appears in
// errors, logs or the Sender's String form. WithEU selects
// https://api.eu.sendgrid.com for EU-pinned subusers.
//
// On 202 Accepted the receipt carries the X-Message-Id header. A failure
// is an *email.SendError whose Kind tells what to do about it:
//
//   - 429 and 5xx, or a network failure: email.ErrTemporary;
//   - 401 and 403: email.ErrAuthentication;
//   - 400 naming a recipient field (personalizations.N.to...):
//     email.ErrRejectedRecipient;
//   - any other 4xx (a 400 naming another field, 413 too large, 404, ...):
//     email.ErrPermanent, with the field SendGrid named in the Message.
//
// email.ErrInvalidMessage is kept for messages refused by email.Validate
// before sending (always an *email.ValidationError); a message the
// provider refuses is email.ErrPermanent.
//
// The SendError's Message joins the entries of SendGrid's
// {"errors":[{"field","message","help"}]} array, and errors.As still
// reaches the *httpclient.StatusError with the raw answer.
//
// # Retries
//
// The Mail Send API takes no idempotency key, so a retried request may
// deliver the message twice. The Sender never retries: it builds its
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
package sendgridmail
