package twiliosms_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/httpclient"
	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/smstest"
	"github.com/switchboard-go/switchboard/sms/twiliosms"
)

const (
	sid   = "AC0123456789abcdef0123456789abcdef"
	token = "fedcba9876543210fedcba9876543210"
)

func TestNewRefusesBadConfiguration(t *testing.T) {
	cases := []struct {
		name       string
		sid, token string
		opts       []twiliosms.Option
		want       string
	}{
		{"SIDMalformed", "AC123", token, nil, "account SID"},
		{"SIDNotAccount", "SM0123456789abcdef0123456789abcdef", token, nil, "account SID"},
		{"TokenEmpty", sid, "", nil, "auth token"},
		{"TokenPadded", sid, token + " ", nil, "auth token"},
		{"TokenCRLF", sid, "abc\r\ndef", nil, "auth token"},
		{"TokenSymbols", sid, "abc-def", nil, "auth token"},
		{"BaseURLRelative", sid, token, []twiliosms.Option{twiliosms.WithBaseURL("/api")}, "WithBaseURL"},
		{"BaseURLUser", sid, token, []twiliosms.Option{twiliosms.WithBaseURL("https://u:p@api.example.com")}, "WithBaseURL"},
		{"BaseURLQuery", sid, token, []twiliosms.Option{twiliosms.WithBaseURL("https://api.example.com?x=1")}, "WithBaseURL"},
		{"NilOption", sid, token, []twiliosms.Option{nil}, "option"},
		{"NilLogger", sid, token, []twiliosms.Option{twiliosms.WithLogger(nil)}, "WithLogger"},
		{"NilClient", sid, token, []twiliosms.Option{twiliosms.WithHTTPClient(nil)}, "WithHTTPClient"},
		{"NilStore", sid, token, []twiliosms.Option{twiliosms.WithStore(nil)}, "WithStore"},
		{"NilClock", sid, token, []twiliosms.Option{twiliosms.WithClock(nil)}, "WithClock"},
		{"ZeroTTL", sid, token, []twiliosms.Option{twiliosms.WithTTL(0)}, "WithTTL"},
		{"NegativeLease", sid, token, []twiliosms.Option{twiliosms.WithLease(-time.Second)}, "WithLease"},
		{"LeaseShorterThanSend", sid, token, []twiliosms.Option{twiliosms.WithLease(10 * time.Second)}, "WithLease"},
		{"LeaseShorterThanTimeout", sid, token, []twiliosms.Option{twiliosms.WithLease(time.Minute),
			twiliosms.WithHTTPOptions(httpclient.WithTimeout(time.Minute))}, "WithLease"},
		{"HTTPBaseURL", sid, token, []twiliosms.Option{twiliosms.WithHTTPOptions(httpclient.WithBaseURL("https://x.example.com"))}, "WithHTTPOptions"},
		{"BadHTTPOption", sid, token, []twiliosms.Option{twiliosms.WithHTTPOptions(httpclient.WithRetries(-1))}, "HTTP client"},
		{"FromInvalid", sid, token, []twiliosms.Option{twiliosms.WithFrom("not a sender!")}, "WithFrom"},
		{"ServiceInvalid", sid, token, []twiliosms.Option{twiliosms.WithMessagingService("MG1")}, "WithMessagingService"},
		{"FromAndService", sid, token, []twiliosms.Option{twiliosms.WithFrom("SHOP"), twiliosms.WithMessagingService("MG" + strings.Repeat("0", 32))}, "WithMessagingService"},
		{"CallbackUnderscore", sid, token, []twiliosms.Option{twiliosms.WithStatusCallback("https://a_b.example.com/cb")}, "WithStatusCallback"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := twiliosms.New(tc.sid, tc.token, tc.opts...)
			require.Nil(t, s)
			require.ErrorIs(t, err, sms.ErrInvalidConfig)
			require.Contains(t, err.Error(), tc.want)
			require.Contains(t, err.Error(), "twilio")
			if tc.token != "" {
				require.NotContains(t, err.Error(), strings.TrimSpace(tc.token), "the error never quotes the token")
			}
		})
	}
}

func TestSenderDoesNotPrintToken(t *testing.T) {
	s, err := twiliosms.New(sid, token)
	require.NoError(t, err)
	defer s.Close()
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v", s, s, s)} {
		require.NotContains(t, out, token)
	}
}

// The request carries exactly what Twilio documents, and the defaults
// fill what the message leaves empty.
func TestSendRequest(t *testing.T) {
	srv := smstest.NewTwilioServer(t)
	cb := "https://shop.example.com/webhooks/twilio"
	s, err := twiliosms.New(srv.AccountSID, srv.AuthToken, twiliosms.WithBaseURL(srv.URL+"/"),
		twiliosms.WithFrom(smstest.TwilioValidFrom), twiliosms.WithStatusCallback(cb),
		twiliosms.WithClock(func() time.Time { return time.Unix(1700000000, 0) }))
	require.NoError(t, err)
	defer s.Close()
	r, err := s.Send(context.Background(), &sms.Message{To: "+233241234567", Body: "Hello", MediaURLs: []string{"https://cdn.example.com/a.png"}})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(r.MessageID, "MM"), "a message with media is an MM sid")
	require.Equal(t, time.Unix(1700000000, 0), r.AcceptedAt)
	m, ok := srv.Lookup(r.MessageID)
	require.True(t, ok)
	require.Equal(t, smstest.TwilioValidFrom, m.From, "WithFrom fills an empty From")
	require.Equal(t, cb, m.StatusCallback, "WithStatusCallback fills an empty StatusCallback")
	require.ElementsMatch(t, []string{"To", "From", "Body", "MediaUrl", "StatusCallback"}, keys(m.Form))

	svc := "MG" + strings.Repeat("ab", 16)
	s2, err := twiliosms.New(srv.AccountSID, srv.AuthToken, twiliosms.WithBaseURL(srv.URL), twiliosms.WithMessagingService(svc))
	require.NoError(t, err)
	defer s2.Close()
	r, err = s2.Send(context.Background(), &sms.Message{To: "+233241234567", Body: strings.Repeat("x", 200)})
	require.NoError(t, err)
	require.Equal(t, sms.StatusQueued, r.Status, "accepted is queued")
	require.Equal(t, "accepted", r.ProviderStatus)
	require.Equal(t, 2, r.Segments, "while Twilio reports 0 segments the computed count is used")
	m, _ = srv.Lookup(r.MessageID)
	require.Equal(t, svc, m.MessagingServiceSID)
	require.Empty(t, m.From)
}

func keys(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// answer starts a server answering every request with status and body.
func answer(t *testing.T, status int, header map[string]string, body string) *twiliosms.Sender {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	s, err := twiliosms.New(sid, token, twiliosms.WithBaseURL(srv.URL), twiliosms.WithFrom("SHOP"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestReceiptFields(t *testing.T) {
	s := answer(t, 201, map[string]string{"Content-Type": "application/json"},
		`{"sid":"SM0123456789abcdef0123456789abcdef","status":"sent","to":"+233241234567","from":"SHOP","num_segments":"3","price":"-0.00750","price_unit":"usd"}`)
	r, err := s.Send(context.Background(), &sms.Message{To: "+233241234567", Body: "x", Metadata: map[string]string{"o": "1"}})
	require.NoError(t, err)
	require.Equal(t, sms.StatusSent, r.Status)
	require.Equal(t, 3, r.Segments, "Twilio's num_segments is what it bills")
	require.Equal(t, &sms.Cost{Amount: "0.00750", Currency: "USD"}, r.Cost)
	require.Equal(t, "SHOP", r.From)
	require.Equal(t, map[string]string{"o": "1"}, r.Metadata)
}

func TestErrorMapping(t *testing.T) {
	cases := []struct {
		status int
		body   string
		kind   error
		code   string
	}{
		{400, `{"code":21211,"message":"The 'To' number is not a valid phone number.","status":400}`, sms.ErrInvalidNumber, "21211"},
		{400, `{"code":21610,"message":"Attempt to send to unsubscribed recipient","status":400}`, sms.ErrUnsubscribed, "21610"},
		{400, `{"code":21608,"message":"unverified","status":400}`, sms.ErrUnverifiedRecipient, "21608"},
		{400, `{"code":21614,"message":"not mobile","status":400}`, sms.ErrUnreachable, "21614"},
		{400, `{"code":21635,"message":"landline","status":400}`, sms.ErrUnreachable, "21635"},
		{400, `{"code":21408,"message":"region","status":400}`, sms.ErrUnreachable, "21408"},
		{400, `{"code":21606,"message":"from","status":400}`, sms.ErrSenderRejected, "21606"},
		{400, `{"code":21212,"message":"from","status":400}`, sms.ErrSenderRejected, "21212"},
		{400, `{"code":21611,"message":"queue full","status":400}`, sms.ErrTemporary, "21611"},
		{400, `{"code":21617,"message":"too long","status":400}`, sms.ErrRejected, "21617"},
		{401, `{"code":20003,"message":"Authenticate","status":401}`, sms.ErrAuthentication, "20003"},
		{403, `not json`, sms.ErrAuthentication, ""},
		{404, `{"code":20404,"message":"not found","status":404}`, sms.ErrRejected, "20404"},
		{429, `{"code":20429,"message":"Too Many Requests","status":429}`, sms.ErrTemporary, "20429"},
		{503, `<html>unavailable</html>`, sms.ErrTemporary, ""},
		{500, `{"code":20500,"message":"Internal Server Error","status":500}`, sms.ErrUnknownOutcome, "20500"},
		{302, ``, sms.ErrRejected, ""},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.status, tc.code), func(t *testing.T) {
			s := answer(t, tc.status, map[string]string{"Twilio-Request-Id": "RQabc", "Location": "https://evil.example.com/"}, tc.body)
			_, err := s.Send(context.Background(), &sms.Message{To: "+233241234567", Body: "x"})
			require.ErrorIs(t, err, tc.kind)
			var se *sms.Error
			require.ErrorAs(t, err, &se)
			require.Equal(t, tc.code, se.Code)
			require.Equal(t, tc.status, se.StatusCode)
			require.Equal(t, "RQabc", se.RequestID, "Twilio-Request-Id is kept")
			require.NotContains(t, err.Error(), token)
		})
	}
}

func TestUnparseableAnswers(t *testing.T) {
	for _, body := range []string{``, `{`, `[]`, `{"sid":"SM1","status":"queued"}`, `{"sid":"SM0123456789abcdef0123456789abcdef"}`, `{"sid":null,"status":{}}`, strings.Repeat("{", 10000)} {
		s := answer(t, 201, nil, body)
		_, err := s.Send(context.Background(), &sms.Message{To: "+233241234567", Body: "x"})
		require.ErrorIs(t, err, sms.ErrMalformedResponse, "body %.40q", body)
		require.ErrorIs(t, err, sms.ErrUnknownOutcome)
		require.Contains(t, err.Error(), "cannot be parsed")
	}
	s := answer(t, 200, nil, `{"sid":"SM0123456789abcdef0123456789abcdef","status":"queued"}`)
	_, err := s.Send(context.Background(), &sms.Message{To: "+233241234567", Body: "x"})
	require.ErrorIs(t, err, sms.ErrUnknownOutcome, "Twilio answers a new message with 201")
}

func TestCreatedButFailed(t *testing.T) {
	s := answer(t, 201, nil, `{"sid":"SM0123456789abcdef0123456789abcdef","status":"failed","error_code":30007,"error_message":"filtered"}`)
	_, err := s.Send(context.Background(), &sms.Message{To: "+233241234567", Body: "x"})
	require.ErrorIs(t, err, sms.ErrRejected)
	var se *sms.Error
	require.ErrorAs(t, err, &se)
	require.Equal(t, "30007", se.Code)
}
