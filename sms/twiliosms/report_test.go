package twiliosms_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/twiliosms"
	"github.com/switchboard-go/switchboard/webhooks"
)

func TestNormalizeStatus(t *testing.T) {
	for raw, want := range map[string]sms.Status{
		"queued": sms.StatusQueued, "accepted": sms.StatusQueued, "scheduled": sms.StatusQueued, "sending": sms.StatusQueued,
		"sent": sms.StatusSent, "delivered": sms.StatusDelivered, "read": sms.StatusDelivered,
		"partially_delivered": sms.StatusDelivered, "undelivered": sms.StatusUndelivered, "failed": sms.StatusFailed,
		"canceled": sms.StatusFailed, "receiving": sms.StatusReceived, "received": sms.StatusReceived, "new-status": "",
	} {
		require.Equal(t, want, twiliosms.NormalizeStatus(raw), raw)
	}
	for _, typ := range (twiliosms.ReportParser{}).ReportTypes() {
		require.True(t, twiliosms.NormalizeStatus(typ).Valid(), "every registered type normalizes: %s", typ)
	}
}

func TestParseReport(t *testing.T) {
	p := twiliosms.ReportParser{}
	parse := func(fields map[string]any) (*sms.Report, error) {
		b, _ := json.Marshal(fields)
		return p.ParseReport(&webhooks.Event{Provider: "twilio", Data: b})
	}
	r, err := parse(map[string]any{"MessageSid": "SM1", "SmsSid": "SM1", "MessageStatus": "failed", "ErrorCode": "21610", "To": "+1", "From": "+2"})
	require.NoError(t, err)
	require.Equal(t, sms.StatusFailed, r.Status)
	require.ErrorIs(t, r.Err, sms.ErrUnsubscribed)
	require.Equal(t, "+1", r.To)
	r, err = parse(map[string]any{"SmsSid": []string{"SM2", "SM3"}, "SmsStatus": "received", "Body": "STOP"})
	require.NoError(t, err)
	require.Equal(t, "SM2", r.MessageID, "a repeated parameter gives its first value")
	require.Equal(t, "STOP", r.Body)
	r, err = parse(map[string]any{"MessageSid": "SM4", "MessageStatus": "undelivered", "ErrorCode": "39999"})
	require.NoError(t, err)
	require.ErrorIs(t, r.Err, sms.ErrRejected, "an unknown code is a plain rejection")

	_, err = parse(map[string]any{"CallSid": "CA1", "CallStatus": "completed"})
	require.ErrorIs(t, err, sms.ErrUnhandledEvent)
	_, err = parse(map[string]any{"MessageSid": "SM1", "MessageStatus": "brand-new"})
	require.ErrorIs(t, err, sms.ErrUnhandledEvent)
	_, err = parse(map[string]any{"MessageSid": "SM1"})
	require.ErrorIs(t, err, webhooks.ErrMalformedBody)
	_, err = p.ParseReport(&webhooks.Event{Data: json.RawMessage(`"x"`)})
	require.ErrorIs(t, err, webhooks.ErrMalformedBody)
	_, err = p.ParseReport(nil)
	require.ErrorIs(t, err, webhooks.ErrMalformedBody)
}
