package sms_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/africastalkingsms"
	"github.com/switchboard-go/switchboard/sms/twiliosms"
	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

const (
	twilioToken = "0123456789abcdef0123456789abcdef"
	twilioURL   = "https://shop.example.com/webhooks/twilio"
	atToken     = "at-token-0123456789abcdef0123456789"
	atURL       = "https://shop.example.com/webhooks/africastalking"
)

func twilioHandler(t *testing.T, fn func(context.Context, *sms.Report) error) *webhooks.Handler {
	t.Helper()
	v, err := webhooks.NewTwilio(twilioToken, webhooks.WithPublicURL(twilioURL))
	require.NoError(t, err)
	h, err := webhooks.NewHandler(v)
	require.NoError(t, err)
	sms.Handle(h, twiliosms.ReportParser{}, fn)
	return h
}

func postTwilio(h http.Handler, form url.Values) int {
	hd, body := webhookstest.SignTwilio(twilioURL, form, twilioToken)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, webhookstest.NewRequest(twilioURL, body, hd))
	return rec.Code
}

func twilioCallback(sid, status string) url.Values {
	return url.Values{"MessageSid": {sid}, "SmsSid": {sid}, "MessageStatus": {status}, "SmsStatus": {status},
		"AccountSid": {"AC" + "0123456789abcdef0123456789abcdef"}, "From": {"+15005550006"}, "To": {"+233241234567"}, "ApiVersion": {"2010-04-01"}}
}

// Reports arrive out of order and twice; the handler runs each distinct
// report once, and Advance keeps the highest status.
func TestHandleTwilioOutOfOrder(t *testing.T) {
	status := map[string]sms.Status{}
	runs := 0
	h := twilioHandler(t, func(_ context.Context, r *sms.Report) error {
		runs++
		require.Equal(t, "twilio", r.Provider)
		require.NotNil(t, r.Webhook)
		status[r.MessageID] = sms.Advance(status[r.MessageID], r.Status)
		return nil
	})
	sid := "SM0123456789abcdef0123456789abcdef"
	for _, s := range []string{"delivered", "sent", "delivered", "queued"} {
		require.Equal(t, http.StatusOK, postTwilio(h, twilioCallback(sid, s)))
	}
	require.Equal(t, 3, runs, "the repeated delivered callback runs once")
	require.Equal(t, sms.StatusDelivered, status[sid], "a late sent or queued never replaces delivered")
}

func TestHandleTwilioUndelivered(t *testing.T) {
	var got *sms.Report
	h := twilioHandler(t, func(_ context.Context, r *sms.Report) error { got = r; return nil })
	f := twilioCallback("SM0123456789abcdef0123456789abcdee", "undelivered")
	f.Set("ErrorCode", "30003")
	require.Equal(t, http.StatusOK, postTwilio(h, f))
	require.Equal(t, sms.StatusUndelivered, got.Status)
	require.Equal(t, "30003", got.ErrorCode)
	require.ErrorIs(t, got.Err, sms.ErrUnreachable)
}

// A voice callback on the same endpoint is acknowledged without running
// the function.
func TestHandleTwilioIgnoresCalls(t *testing.T) {
	runs := 0
	h := twilioHandler(t, func(context.Context, *sms.Report) error { runs++; return nil })
	require.Equal(t, http.StatusOK, postTwilio(h, url.Values{"CallSid": {"CA1"}, "CallStatus": {"failed"}}))
	require.Zero(t, runs)
}

// A function error makes the provider deliver again; the retry runs.
func TestHandleErrorRetries(t *testing.T) {
	fail := true
	runs := 0
	h := twilioHandler(t, func(context.Context, *sms.Report) error {
		runs++
		if fail {
			return errors.New("database down")
		}
		return nil
	})
	f := twilioCallback("SM0123456789abcdef0123456789abcdea", "delivered")
	require.Equal(t, http.StatusInternalServerError, postTwilio(h, f))
	fail = false
	require.Equal(t, http.StatusOK, postTwilio(h, f))
	require.Equal(t, 2, runs)
}

func TestHandleAfricasTalking(t *testing.T) {
	v, err := webhooks.NewAfricasTalking(atToken, webhooks.WithPublicURL(atURL))
	require.NoError(t, err)
	h, err := webhooks.NewHandler(v)
	require.NoError(t, err)
	var got []*sms.Report
	sms.Handle(h, africastalkingsms.ReportParser{}, func(_ context.Context, r *sms.Report) error {
		got = append(got, r)
		return nil
	})
	post := func(form url.Values) int {
		target, hd, body := webhookstest.SignAfricasTalking(atURL, form, atToken)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, webhookstest.NewRequest(target, body, hd))
		return rec.Code
	}
	require.Equal(t, http.StatusOK, post(webhookstest.AfricasTalkingDeliveryReport("ATXid_1", "Failed", "+254711082300", "UserInBlackList")))
	require.Equal(t, http.StatusOK, post(webhookstest.AfricasTalkingDeliveryReport("ATXid_1", "Failed", "+254711082300", "UserInBlackList")))
	require.Equal(t, http.StatusOK, post(url.Values{"senderId": {"SHOP"}, "phoneNumber": {"+254711082300"}}))
	require.Equal(t, http.StatusOK, post(url.Values{"id": {"in-1"}, "from": {"+254711082300"}, "to": {"20880"}, "text": {"STOP"}}))
	require.Len(t, got, 2, "the duplicate report and the opt-out do not run the function")
	require.Equal(t, sms.StatusUndelivered, got[0].Status)
	require.ErrorIs(t, got[0].Err, sms.ErrUnsubscribed)
	require.Equal(t, sms.StatusReceived, got[1].Status)
	require.Equal(t, "STOP", got[1].Body)
}

func TestHandlePanicsOnNil(t *testing.T) {
	v, _ := webhooks.NewTwilio(twilioToken, webhooks.WithPublicURL(twilioURL))
	h, _ := webhooks.NewHandler(v)
	require.Panics(t, func() {
		sms.Handle(nil, twiliosms.ReportParser{}, func(context.Context, *sms.Report) error { return nil })
	})
	require.Panics(t, func() { sms.Handle(h, nil, func(context.Context, *sms.Report) error { return nil }) })
	require.Panics(t, func() { sms.Handle(h, twiliosms.ReportParser{}, nil) })
}
