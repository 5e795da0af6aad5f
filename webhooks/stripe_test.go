package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestStripeVerify(t *testing.T) {
	secret := testSecret("stripe")
	body := []byte(`{"id":"evt_9","object":"event","api_version":"2099-01-01.future","created":1700000000,"data":{"object":{"id":"pi_1","type":"not this"}},"type":"payment_intent.succeeded"}`)
	good := signStripe(secret, testNow, body)
	goodSig := good[strings.Index(good, "v1=")+3:]
	otherSig := strings.Repeat("ab", 32)
	tests := []struct {
		name   string
		header string
		body   []byte
		want   error
	}{
		{"one v1", good, body, nil},
		{"v1 for an old secret first", "t=1700000000,v1=" + otherSig + ",v1=" + goodSig, body, nil},
		{"fake v0 alongside", good + ",v0=" + otherSig, body, nil},
		{"unknown schemes ignored", "t=1700000000,v2=zz,v1=" + goodSig + ",foo=bar", body, nil},
		{"api_version mismatch is no failure", good, body, nil},
		{"the right HMAC labelled v0 is refused", "t=1700000000,v0=" + goodSig, body, ErrMalformedHeader},
		{"no t", "v1=" + goodSig, body, ErrMalformedHeader},
		{"two t", "t=1700000000,t=1700000000,v1=" + goodSig, body, ErrMalformedHeader},
		{"element without =", "t=1700000000,v1", body, ErrMalformedHeader},
		{"empty key", "=x,t=1700000000,v1=" + goodSig, body, ErrMalformedHeader},
		{"uppercase hex is accepted", "t=1700000000,v1=" + strings.ToUpper(goodSig), body, nil},
		{"wrong timestamp signed", "t=1700000001,v1=" + goodSig, body, ErrInvalidSignature},
		{"not an event", signStripe(secret, testNow, []byte(`[1,2]`)), []byte(`[1,2]`), ErrMalformedBody},
		{"event without id", signStripe(secret, testNow, []byte(`{"type":"a"}`)), []byte(`{"type":"a"}`), ErrMalformedBody},
	}
	v, err := NewStripe(secret, fixedClock())
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := v.Verify(&Delivery{Header: http.Header{"Stripe-Signature": {tt.header}}, Body: tt.body})
			if tt.want != nil {
				require.ErrorIs(t, err, tt.want)
				return
			}
			require.NoError(t, err)
			require.Len(t, events, 1)
			require.Equal(t, "evt_9", events[0].ID)
			require.Equal(t, "payment_intent.succeeded", events[0].Type)
			require.Equal(t, int64(1700000000), events[0].Time.Unix())
			require.Equal(t, tt.body, []byte(events[0].Data))
		})
	}
}

func TestStripeThinEvent(t *testing.T) {
	secret := testSecret("stripe")
	body := []byte(`{"id":"evt_test_65R9","object":"v2.core.event","type":"v1.billing.meter.error_report_triggered","livemode":false,"created":"2024-09-17T06:20:52.246Z","related_object":{"id":"mtr_1","type":"billing.meter"}}`)
	v, err := NewStripe(secret, fixedClock())
	require.NoError(t, err)
	events, err := v.Verify(&Delivery{Header: http.Header{"Stripe-Signature": {signStripe(secret, testNow, body)}}, Body: body})
	require.NoError(t, err)
	require.Equal(t, "evt_test_65R9", events[0].ID)
	require.Equal(t, "v1.billing.meter.error_report_triggered", events[0].Type)
	require.Equal(t, time.Date(2024, 9, 17, 6, 20, 52, 246000000, time.UTC), events[0].Time.UTC())
}

func TestStripeEscapedStrings(t *testing.T) {
	secret := testSecret("stripe")
	body := []byte(`{"data":{"s":"}\"{\\"},"id":"evt_\u0031","type":"a\/b","created":1}`)
	v, err := NewStripe(secret, fixedClock())
	require.NoError(t, err)
	events, err := v.Verify(&Delivery{Header: http.Header{"Stripe-Signature": {signStripe(secret, testNow, body)}}, Body: body})
	require.NoError(t, err)
	require.Equal(t, "evt_1", events[0].ID)
	require.Equal(t, "a/b", events[0].Type)
}

// A genuinely signed Stripe event without a type is genuine: it reaches the
// Handler's fallback and is answered 200.
func TestStripeEventWithoutTypeIsGenuine(t *testing.T) {
	secret := testSecret("stripe")
	body := []byte(`{"id":"evt_notype","object":"event","data":{"object":{}}}`)
	v, err := NewStripe(secret, fixedClock())
	require.NoError(t, err)
	events, err := v.Verify(&Delivery{Header: http.Header{"Stripe-Signature": {signStripe(secret, testNow, body)}}, Body: body})
	require.NoError(t, err)
	require.Equal(t, "evt_notype", events[0].ID)
	require.Empty(t, events[0].Type)

	h, err := NewHandler(v, WithClock(func() time.Time { return testNow }))
	require.NoError(t, err)
	var got []string
	h.Fallback(func(_ context.Context, e *Event) error { got = append(got, e.ID); return nil })
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	r.Header.Set("Stripe-Signature", signStripe(secret, testNow, body))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, http.StatusOK, w.Code)
	require.Equal(t, []string{"evt_notype"}, got)
}

// Parsing agrees with encoding/json: a duplicated top-level id is refused
// rather than read as its first value, and so is a body that is not valid
// JSON, even where the members read come before the fault.
func TestStripeParsingAgreesWithEncodingJSON(t *testing.T) {
	secret := testSecret("stripe")
	v, err := NewStripe(secret, fixedClock())
	require.NoError(t, err)
	for _, body := range []string{
		`{"id":"evt_first","type":"a","id":"evt_last"}`,
		`{"id":"evt_first","type":"a","ID":"evt_last"}`,
		`{"id":"evt_1","type":"a",}`,
		`{"id":"evt_1","type":"a","data":{"object":{"x":[1,2,]}}}`,
		`{"id":"evt_1","type":"a"} trailing`,
		`{"id":7,"type":"a"}`,
		`{"id":"evt_1","type":["a"]}`,
	} {
		b := []byte(body)
		_, err := v.Verify(&Delivery{Header: http.Header{"Stripe-Signature": {signStripe(secret, testNow, b)}}, Body: b})
		require.ErrorIs(t, err, ErrMalformedBody, body)
		var dst struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		}
		if json.Unmarshal(b, &dst) == nil {
			// encoding/json reads it, taking the last id: the verifier
			// must never have returned the first.
			require.Equal(t, "evt_last", dst.ID, body)
		}
	}
}
