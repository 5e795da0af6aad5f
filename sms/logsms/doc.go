// Package logsms is an sms.Sender that writes each message to a
// *slog.Logger instead of sending it: the zero-configuration default of
// an application in development, which can switch to twiliosms or
// africastalkingsms by changing its constructor.
//
// It validates every message as a real sender does (with Limits, the most
// permissive of this module's providers), computes its segments, honours
// IdempotencyKey through the same at-most-once rule (WithStore), and
// returns a Receipt with a random "log-..." message id and the status
// sent. No delivery report ever follows.
//
// The log line holds the recipient's number and the body: use it for
// development and tests, not for real customers' messages.
package logsms
