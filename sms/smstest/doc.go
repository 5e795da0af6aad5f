// Package smstest helps test code that sends text messages and code that
// implements sms.Sender.
//
//   - Recorder is an sms.Sender that keeps messages instead of sending
//     them, validating them and honouring IdempotencyKey like a real one.
//   - TwilioServer and AfricasTalkingServer are httptest fakes of the two
//     providers' APIs, built from their documented request and response
//     shapes: they check credentials and form fields, answer as the
//     providers do (Twilio's magic test numbers included), can fail, lose
//     an answer or garble one on demand, and post signed (Twilio) or
//     token-authenticated (Africa's Talking) delivery reports.
//   - Run is the conformance suite every Sender in this module passes,
//     with the same Harness shape as the other suites of this module: a
//     Sender is done when it passes against its backend, including the
//     at-most-once rule on every idempotency store backend.
package smstest
