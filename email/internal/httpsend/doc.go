// Package httpsend holds what the HTTP email senders (sendgridmail,
// mailgunmail, postmarkmail) share: their configuration errors and
// credential and base URL checks, building their httpclient.Client (no
// retry, no redirect, silent without a logger),
// posting one request, mapping transport failures to *email.SendError,
// keeping provider messages printable and short, and logging each send
// without credentials.
//
// A provider package keeps what is its own: the request body, the
// authentication header and the mapping of its error answers
// (a ClassifyFunc).
package httpsend
