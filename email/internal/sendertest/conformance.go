package sendertest

import (
	"testing"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/emailtest"
)

// Answer is a status and body the fake API answers with.
type Answer struct {
	Status int
	Body   string
}

// Conformance returns an emailtest.Harness for a sender talking to srv.
// decode turns the last request srv accepted into what the recipient
// would get for message m; failures holds, for each failure kind the
// provider can report, the answer that reports it (kinds not in it are
// skipped by the suite).
func Conformance(srv *Server, newSender func(t *testing.T) email.Sender,
	decode func(t *testing.T, last Request, m *email.Message) *emailtest.Delivery,
	failures map[error]Answer, secrets ...string) emailtest.Harness {
	return emailtest.Harness{
		New:   newSender,
		Calls: srv.Hits,
		InjectError: func(t *testing.T, kind error) bool {
			a, ok := failures[kind]
			if ok {
				t.Cleanup(srv.Respond(a.Status, a.Body))
			}
			return ok
		},
		Delivered: func(t *testing.T, _ *email.Receipt, m *email.Message) *emailtest.Delivery {
			return decode(t, srv.Last(), m)
		},
		Secrets: secrets,
	}
}
