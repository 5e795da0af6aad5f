// Package sendertest holds the test machinery the HTTP email senders
// (sendgridmail, mailgunmail, postmarkmail) share: a recording httptest
// server standing in for a provider's API, the table of hostile or invalid
// messages every sender must refuse before it makes a request, checks that
// a credential never shows in errors, logs or formatted values, the
// plumbing that connects a sender to the emailtest conformance suite, and
// runners for tables of provider error answers.
//
// It is meant for the tests of the packages under email/ only; a provider
// package keeps what is its own (the request it builds, how its API
// authenticates, its error bodies) and passes it in.
package sendertest
