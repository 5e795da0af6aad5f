// Package emailtest helps test code that sends email, and checks that
// email.Sender implementations behave alike.
//
// # Recording sender
//
// NewRecorder returns an email.Sender that validates and keeps messages
// instead of sending them. Wire it where production code takes an
// email.Sender, then inspect Messages or Last. FailNext and WithFailure
// inject provider errors to test retry paths.
//
// # Conformance suite
//
// Run checks a Sender against the contract of package email: delivery of
// every field, a text part derived from HTML-only messages, Bcc recipients
// hidden from headers, attachments and inline parts, validation before any
// network call, and error classification. A Harness plugs a Sender and its
// backend into the suite; New is required, and each optional hook that is
// nil skips the checks that need it, with a reason naming the hook:
//
//	func TestConformance(t *testing.T) {
//		srv := newFakeAPI(t) // an httptest.Server that records requests
//		emailtest.Run(t, emailtest.Harness{
//			New: func(t *testing.T) email.Sender {
//				s, err := mysender.New("key", mysender.WithBaseURL(srv.URL))
//				require.NoError(t, err)
//				return s
//			},
//			Calls: srv.count,
//			// Make the API answer as it does for each kind of failure
//			// (429/503 temporary, 401 authentication, 422 recipient...)
//			// until the test ends.
//			InjectError: func(t *testing.T, kind error) bool {
//				status, ok := srv.statusFor(kind)
//				if ok {
//					t.Cleanup(srv.respond(status))
//				}
//				return ok
//			},
//			// Decode the captured request (JSON or form fields) into a Delivery.
//			Delivered: func(t *testing.T, r *email.Receipt, m *email.Message) *emailtest.Delivery {
//				return srv.lastRequestAsDelivery(t)
//			},
//			Secrets: []string{"key"},
//		})
//	}
//
// A harness that decodes the captured request back into an
// email.Message can return FromMessage of it.
//
// For SMTP the backend is a server: smtpmail's tests run the suite
// against an in-process github.com/emersion/go-smtp server, whose
// envelope and raw message show exactly which headers were sent, and
// against mailpit, whose chaos mode produces the failures.
package emailtest
