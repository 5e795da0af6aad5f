package webhooks

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSlackEvents(t *testing.T) {
	secret := testSecret("slack")
	v, err := NewSlack(secret, fixedClock())
	require.NoError(t, err)
	tests := []struct {
		name, ct, body   string
		wantID, wantType string
	}{
		{"event callback", "application/json", `{"type":"event_callback","event_id":"Ev08MFMKH6","event_time":1700000000,"event":{"type":"message","channel":"C1"}}`, "Ev08MFMKH6", "message"},
		{"app rate limited", "application/json", `{"token":"x","type":"app_rate_limited","team_id":"T1","minute_rate_limited":1518467820,"api_app_id":"A1"}`, "", "app_rate_limited"},
		{"challenge", "application/json", `{"token":"x","challenge":"abc","type":"url_verification"}`, "url_verification:abc", SlackURLVerification},
		{"interactivity", "application/x-www-form-urlencoded", "payload=" + url.QueryEscape(`{"type":"block_actions","trigger_id":"123.456.abc","user":{"id":"U1"}}`), "123.456.abc", "block_actions"},
		{"slash command", "application/x-www-form-urlencoded", "command=%2Fweather&text=94070&trigger_id=13345224609.738474920.8088930838d88f008e0", "13345224609.738474920.8088930838d88f008e0", "slash_command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			h := signedHeaders("slack", secret, testNow, body)
			h.Set("Content-Type", tt.ct)
			events, err := v.Verify(&Delivery{Header: h, Body: body})
			require.NoError(t, err)
			require.Len(t, events, 1)
			require.Equal(t, tt.wantType, events[0].Type)
			if tt.wantID != "" {
				require.Equal(t, tt.wantID, events[0].ID)
			} else {
				require.NotEmpty(t, events[0].ID)
			}
			require.True(t, len(events[0].Data) > 0 && (events[0].Data[0] == '{'), "Data is JSON: %s", events[0].Data)
		})
	}
	for _, bad := range []string{`{"event_id":"x"}`, `not json`, `[]`} {
		body := []byte(bad)
		h := signedHeaders("slack", secret, testNow, body)
		_, err := v.Verify(&Delivery{Header: h, Body: body})
		require.ErrorIs(t, err, ErrMalformedBody, bad)
	}
	form := []byte("text=hi")
	h := signedHeaders("slack", secret, testNow, form)
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	_, err = v.Verify(&Delivery{Header: h, Body: form})
	require.ErrorIs(t, err, ErrMalformedBody)
}

func TestSlackRespond(t *testing.T) {
	v, err := NewSlack(testSecret("slack"))
	require.NoError(t, err)
	var r Responder = v
	w := httptest.NewRecorder()
	require.False(t, r.Respond(w, &Delivery{}, []Event{{Type: "message"}}))
	require.Equal(t, http.StatusOK, w.Code)
	require.Empty(t, w.Body.String(), "nothing written when not answering")
	d := &Delivery{Body: []byte(`{"challenge":"c\u0041","type":"url_verification"}`)}
	require.True(t, r.Respond(w, d, []Event{{Type: SlackURLVerification}}))
	require.Equal(t, "cA", w.Body.String())
}
