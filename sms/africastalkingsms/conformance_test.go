package africastalkingsms_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/africastalkingsms"
	"github.com/switchboard-go/switchboard/sms/internal/smsstores"
	"github.com/switchboard-go/switchboard/sms/smstest"
)

func TestConformance(t *testing.T) {
	srv := smstest.NewAfricasTalkingServer(t)
	smstest.Run(t, smstest.Harness{
		New: func(t *testing.T, store idempotency.Store) sms.Sender {
			opts := []africastalkingsms.Option{africastalkingsms.WithBaseURL(srv.URL)}
			if store != nil {
				opts = append(opts, africastalkingsms.WithStore(store))
			}
			s, err := africastalkingsms.New(srv.Username, srv.APIKey, opts...)
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
		Limits: africastalkingsms.Limits(),
		From:   "SHOP",
		Calls:  srv.Calls,
		Sent: func(t *testing.T, r *sms.Receipt) *smstest.Sent {
			m, ok := srv.Lookup(r.MessageID)
			if !ok {
				return nil
			}
			return &smstest.Sent{To: m.To, From: m.From, Body: m.Message}
		},
		InjectError: func(t *testing.T, kind error) bool {
			switch kind {
			case sms.ErrTemporary:
				t.Cleanup(srv.Fail(http.StatusServiceUnavailable))
			case sms.ErrAuthentication:
				t.Cleanup(srv.Fail(http.StatusUnauthorized))
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
			codes := map[error]int{
				sms.ErrInvalidNumber:     smstest.ATInvalidPhoneNumber,
				sms.ErrUnsubscribed:      smstest.ATUserInBlacklist,
				sms.ErrUnreachable:       smstest.ATCouldNotRoute,
				sms.ErrInsufficientFunds: smstest.ATInsufficientBalance,
			}
			if code, ok := codes[kind]; ok {
				m.To = "+2547110" + string(rune('0'+code%10)) + "0" + string(rune('0'+code/100))
				srv.Refuse(m.To, code)
				return true
			}
			if kind == sms.ErrSenderRejected {
				m.From = "UNKNOWNID"
				srv.RefuseSender(m.From)
				return true
			}
			return false
		},
		Stores:  smsstores.All(),
		Secrets: []string{srv.APIKey},
	})
}
