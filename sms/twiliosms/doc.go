// Package twiliosms is an sms.Sender for Twilio's Programmable Messaging
// API, on httpclient rather than twilio-go (whose base URL cannot be
// changed and whose calls take no context).
//
// A send is one form POST to
// /2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP Basic
// credentials (the account SID and its Auth Token): To, From or
// MessagingServiceSid, Body, MediaUrl (up to 10) and StatusCallback.
// Twilio answers 201 with the Message resource, whose sid, status,
// num_segments and price become the Receipt. The request is never
// retried here: the Messages API takes no idempotency key, so a Message
// with an IdempotencyKey goes through the at-most-once rule of package sms
// instead (WithStore).
//
// # Errors
//
// Twilio's error document ({"code", "message", "more_info", "status"}) is
// mapped to the sentinels of package sms, its code kept in sms.Error.Code
// and the Twilio-Request-Id header in RequestID:
//
//	20003 (401)                   sms.ErrAuthentication
//	20429 (429), 21611            sms.ErrTemporary (21611: the sender's queue is full)
//	21211, 21401                  sms.ErrInvalidNumber
//	21610                         sms.ErrUnsubscribed (the recipient replied STOP)
//	21608                         sms.ErrUnverifiedRecipient (trial accounts)
//	21408, 21612, 21614, 21635    sms.ErrUnreachable
//	21210, 21212, 21606, 21660,
//	21703, 21704                  sms.ErrSenderRejected
//	other 4xx                     sms.ErrRejected
//	503                           sms.ErrTemporary: nothing was sent
//	500, 502, 504, lost answers   sms.ErrTemporary and sms.ErrUnknownOutcome
//
// # Status callbacks
//
// Twilio posts status callbacks to the message's StatusCallback (or the
// Sender's WithStatusCallback), signed with X-Twilio-Signature over the
// URL and every parameter it sends, including parameters it adds later.
// Verify them with webhooks.NewTwilio (WithPublicURL set to that same URL)
// and register a function with sms.Handle and ReportParser; the statuses
// map as NormalizeStatus documents. Twilio sends no callback for the
// initial status, and callbacks can arrive out of order: keep the status
// of higher rank (sms.Advance).
package twiliosms
