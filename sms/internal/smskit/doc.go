// Package smskit holds what the senders of package sms share: the options
// every sender takes, the at-most-once send over an idempotency.Runner
// (Once), and the HTTP plumbing of the senders built on httpclient (a
// client that never retries a send, detection of whether a request was
// written, and the mapping of transport failures to *sms.Error).
package smskit
