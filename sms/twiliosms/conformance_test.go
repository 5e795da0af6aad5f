package twiliosms_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/internal/smsstores"
	"github.com/switchboard-go/switchboard/sms/smstest"
	"github.com/switchboard-go/switchboard/sms/twiliosms"
)

// harness runs the suite against the fake of Twilio's Messages API.
func harness(t *testing.T, srv *smstest.TwilioServer) smstest.Harness {
	return smstest.Harness{
		New: func(t *testing.T, store idempotency.Store) sms.Sender {
			opts := []twiliosms.Option{twiliosms.WithBaseURL(srv.URL)}
			if store != nil {
				opts = append(opts, twiliosms.WithStore(store))
			}
			s, err := twiliosms.New(srv.AccountSID, srv.AuthToken, opts...)
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
		Limits: twiliosms.Limits(),
		From:   smstest.TwilioValidFrom,
		Calls:  srv.Calls,
		Sent: func(t *testing.T, r *sms.Receipt) *smstest.Sent {
			m, ok := srv.Lookup(r.MessageID)
			if !ok {
				return nil
			}
			return &smstest.Sent{To: m.To, From: m.From, MessagingService: m.MessagingServiceSID, Body: m.Body,
				StatusCallback: m.StatusCallback, MediaURLs: m.MediaURLs}
		},
		InjectError: func(t *testing.T, kind error) bool {
			switch kind {
			case sms.ErrTemporary:
				t.Cleanup(srv.Fail(429, 20429, "Too Many Requests"))
			case sms.ErrAuthentication:
				t.Cleanup(srv.Fail(401, 20003, "Authenticate"))
			case sms.ErrUnknownOutcome:
				t.Cleanup(srv.Drop())
			case sms.ErrMalformedResponse:
				t.Cleanup(srv.Garble())
			default:
				return false
			}
			return true
		},
		Decline: func(t *testing.T, kind error, m *sms.Message) bool {
			switch kind {
			case sms.ErrInvalidNumber:
				m.To = smstest.TwilioInvalidTo
			case sms.ErrUnsubscribed:
				m.To = smstest.TwilioUnsubscribedTo
			case sms.ErrUnreachable:
				m.To = smstest.TwilioUnroutableTo
			case sms.ErrSenderRejected:
				m.From = smstest.TwilioUnownedFrom
			case sms.ErrUnverifiedRecipient:
				m.To = "+233209999001"
				srv.Unverify(m.To)
			default:
				return false
			}
			return true
		},
		Stores:  smsstores.All(),
		Secrets: []string{srv.AuthToken},
	}
}

func TestConformance(t *testing.T) {
	srv := smstest.NewTwilioServer(t)
	smstest.Run(t, harness(t, srv))
}
