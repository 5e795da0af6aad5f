package africastalkingsms_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/africastalkingsms"
	"github.com/switchboard-go/switchboard/sms/smstest"
	"github.com/switchboard-go/switchboard/webhooks"
)

const apiKey = "atsk_0123456789abcdef0123456789abcdef"

func TestNewRefusesBadConfiguration(t *testing.T) {
	cases := []struct {
		name      string
		user, key string
		opts      []africastalkingsms.Option
		want      string
	}{
		{"NoUsername", "", apiKey, nil, "username"},
		{"PaddedKey", "shop", apiKey + "\n", nil, "API key"},
		{"EmptyKey", "shop", " ", nil, "API key"},
		{"SandboxUserLive", "sandbox", apiKey, nil, "WithSandbox"},
		{"SandboxOtherUser", "shop", apiKey, []africastalkingsms.Option{africastalkingsms.WithSandbox()}, "WithSandbox"},
		{"BadBaseURL", "shop", apiKey, []africastalkingsms.Option{africastalkingsms.WithBaseURL("ftp://x")}, "WithBaseURL"},
		{"BadFrom", "shop", apiKey, []africastalkingsms.Option{africastalkingsms.WithFrom("TOO LONG SENDER")}, "WithFrom"},
		{"NilOption", "shop", apiKey, []africastalkingsms.Option{nil}, "option"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := africastalkingsms.New(tc.user, tc.key, tc.opts...)
			require.Nil(t, s)
			require.ErrorIs(t, err, sms.ErrInvalidConfig)
			require.Contains(t, err.Error(), tc.want)
			require.NotContains(t, err.Error(), apiKey)
		})
	}
	s, err := africastalkingsms.New(africastalkingsms.SandboxUsername, apiKey, africastalkingsms.WithSandbox())
	require.NoError(t, err)
	require.Contains(t, s.String(), africastalkingsms.SandboxBaseURL)
	require.NotContains(t, fmt.Sprintf("%v %#v", s, s), apiKey)
	require.NoError(t, s.Close())
}

func TestSendRequest(t *testing.T) {
	srv := smstest.NewAfricasTalkingServer(t)
	s, err := africastalkingsms.New(srv.Username, srv.APIKey, africastalkingsms.WithBaseURL(srv.URL), africastalkingsms.WithFrom("SHOP"))
	require.NoError(t, err)
	defer s.Close()
	r, err := s.Send(context.Background(), &sms.Message{To: "+254711082300", Body: "Asante! Order 7"})
	require.NoError(t, err)
	require.Equal(t, sms.StatusSent, r.Status)
	require.Equal(t, "Success", r.ProviderStatus)
	require.Equal(t, &sms.Cost{Amount: "0.8000", Currency: "KES"}, r.Cost)
	require.True(t, strings.HasPrefix(r.MessageID, "ATXid_"))
	m, ok := srv.Lookup(r.MessageID)
	require.True(t, ok)
	require.Equal(t, "SHOP", m.From, "WithFrom fills an empty From")
	require.Equal(t, srv.Username, m.Form.Get("username"))
	require.Equal(t, "1", m.Form.Get("bulkSMSMode"))
	require.Equal(t, "Asante! Order 7", m.Message)
}

func answer(t *testing.T, status int, body string) *africastalkingsms.Sender {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	s, err := africastalkingsms.New("shop", apiKey, africastalkingsms.WithBaseURL(srv.URL))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func recipients(code int, number, status, cost, id string) string {
	b, _ := json.Marshal(map[string]any{"SMSMessageData": map[string]any{"Message": "Sent to 1/1", "Recipients": []any{
		map[string]any{"statusCode": code, "number": number, "status": status, "cost": cost, "messageId": id}}}})
	return string(b)
}

func TestPerRecipientStatus(t *testing.T) {
	const to = "+254711082300"
	cases := []struct {
		code   int
		status sms.Status
		kind   error
	}{
		{100, sms.StatusQueued, nil}, {101, sms.StatusSent, nil}, {102, sms.StatusQueued, nil},
		{401, "", sms.ErrRejected}, {402, "", sms.ErrSenderRejected}, {403, "", sms.ErrInvalidNumber},
		{404, "", sms.ErrUnreachable}, {405, "", sms.ErrInsufficientFunds}, {406, "", sms.ErrUnsubscribed},
		{407, "", sms.ErrUnreachable}, {409, "", sms.ErrUnsubscribed}, {500, "", sms.ErrTemporary},
		{501, "", sms.ErrTemporary}, {502, "", sms.ErrRejected}, {499, "", sms.ErrRejected},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.code), func(t *testing.T) {
			s := answer(t, 201, recipients(tc.code, to, "S", "KES 0.8000", "ATXid_1"))
			r, err := s.Send(context.Background(), &sms.Message{To: to, Body: "x"})
			if tc.kind == nil {
				require.NoError(t, err)
				require.Equal(t, tc.status, r.Status)
				return
			}
			require.ErrorIs(t, err, tc.kind)
			require.NotErrorIs(t, err, sms.ErrUnknownOutcome, "a refused recipient was not sent to")
			var se *sms.Error
			require.ErrorAs(t, err, &se)
			require.Equal(t, fmt.Sprint(tc.code), se.Code)
		})
	}
}

func TestUnexpectedAnswers(t *testing.T) {
	const to = "+254711082300"
	both, _ := json.Marshal(map[string]any{"SMSMessageData": map[string]any{"Recipients": []any{
		map[string]any{"statusCode": 101, "number": to, "messageId": "a"}, map[string]any{"statusCode": 101, "number": to, "messageId": "b"}}}})
	for name, body := range map[string]string{
		"NotJSON":       "Sent",
		"NoData":        `{}`,
		"OtherNumber":   recipients(101, "+254700000000", "Success", "KES 1", "ATXid_1"),
		"NoMessageID":   recipients(101, to, "Success", "KES 1", "None"),
		"TwoRecipients": string(both),
		"BadCode":       strings.Replace(recipients(101, to, "Success", "KES 1", "ATXid_1"), `"statusCode":101`, `"statusCode":"x"`, 1),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := answer(t, 201, body).Send(context.Background(), &sms.Message{To: to, Body: "x"})
			require.ErrorIs(t, err, sms.ErrMalformedResponse)
			require.ErrorIs(t, err, sms.ErrUnknownOutcome)
		})
	}
	_, err := answer(t, 201, `{"SMSMessageData":{"Message":"InvalidSenderId","Recipients":[]}}`).Send(context.Background(), &sms.Message{To: to, Body: "x"})
	require.ErrorIs(t, err, sms.ErrSenderRejected)
	_, err = answer(t, 201, `{"SMSMessageData":{"Message":"Something new","Recipients":[]}}`).Send(context.Background(), &sms.Message{To: to, Body: "x"})
	require.ErrorIs(t, err, sms.ErrRejected)
	_, err = answer(t, 401, "The supplied authentication is invalid").Send(context.Background(), &sms.Message{To: to, Body: "x"})
	require.ErrorIs(t, err, sms.ErrAuthentication)
	require.Contains(t, err.Error(), "The supplied authentication is invalid")
	_, err = answer(t, 400, "Invalid phone number").Send(context.Background(), &sms.Message{To: to, Body: "x"})
	require.ErrorIs(t, err, sms.ErrRejected)
}

func TestParseReport(t *testing.T) {
	p := africastalkingsms.ReportParser{}
	ev := func(typ string, f map[string]string) *webhooks.Event {
		b, _ := json.Marshal(f)
		return &webhooks.Event{Provider: "africastalking", Type: typ, Data: b}
	}
	for raw, want := range map[string]sms.Status{"Sent": "sent", "Submitted": "sent", "Buffered": "sent", "Success": "delivered", "Rejected": "undelivered", "Failed": "undelivered"} {
		r, err := p.ParseReport(ev(raw, map[string]string{"id": "ATXid_1", "status": raw, "phoneNumber": "+254711082300"}))
		require.NoError(t, err)
		require.Equal(t, want, r.Status, raw)
		require.Equal(t, r.Status == sms.StatusUndelivered, r.Err != nil)
	}
	r, err := p.ParseReport(ev("Failed", map[string]string{"id": "ATXid_1", "status": "Failed", "failureReason": "UserIsInactive"}))
	require.NoError(t, err)
	require.ErrorIs(t, r.Err, sms.ErrUnreachable)
	require.Equal(t, "UserIsInactive", r.ErrorCode)
	_, err = p.ParseReport(ev("optout", map[string]string{"senderId": "SHOP", "phoneNumber": "+254711082300"}))
	require.ErrorIs(t, err, sms.ErrUnhandledEvent)
	_, err = p.ParseReport(ev("Weird", map[string]string{"id": "1", "status": "Weird"}))
	require.ErrorIs(t, err, sms.ErrUnhandledEvent)
	_, err = p.ParseReport(ev("Success", map[string]string{"status": "Success"}))
	require.ErrorIs(t, err, webhooks.ErrMalformedBody)
	_, err = p.ParseReport(ev("incoming", map[string]string{"text": "hi"}))
	require.ErrorIs(t, err, webhooks.ErrMalformedBody)
	_, err = p.ParseReport(&webhooks.Event{Data: json.RawMessage(`{"id":1}`)})
	require.ErrorIs(t, err, webhooks.ErrMalformedBody)
}
