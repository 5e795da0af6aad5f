package webhooks

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestStandardWebhooksSignatureList(t *testing.T) {
	secret := testSecret("standardwebhooks")
	body := []byte(`{"type":"invoice.paid","timestamp":"2023-11-14T22:00:00Z","data":{"id":"inv_1"}}`)
	good := signStandard(secret, "msg_1", testNow, body)
	wrong := "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
	v1a := "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg=="
	v, err := NewStandardWebhooks(secret, fixedClock())
	require.NoError(t, err)
	tests := []struct {
		name, sig string
		want      error
	}{
		{"single", good, nil},
		{"rotation list", strings.Join([]string{wrong, "v2," + strings.TrimPrefix(good, "v1,"), v1a, good}, " "), nil},
		{"the right HMAC under another version", "v2," + strings.TrimPrefix(good, "v1,"), ErrMalformedHeader},
		{"only wrong", wrong, ErrInvalidSignature},
		{"partial", "v1,", ErrMalformedHeader},
		{"no comma", "v1" + strings.TrimPrefix(good, "v1,"), ErrMalformedHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			h.Set("webhook-id", "msg_1")
			h.Set("webhook-timestamp", unix(testNow))
			h.Set("webhook-signature", tt.sig)
			events, err := v.Verify(&Delivery{Header: h, Body: body})
			if tt.want != nil {
				require.ErrorIs(t, err, tt.want)
				return
			}
			require.NoError(t, err)
			require.Equal(t, "msg_1", events[0].ID)
			require.Equal(t, "invoice.paid", events[0].Type)
			require.Equal(t, time.Date(2023, 11, 14, 22, 0, 0, 0, time.UTC), events[0].Time.UTC())
		})
	}
}

func TestSvixHeaderFallback(t *testing.T) {
	secret := testSecret("svix")
	body := []byte(`{"type":"x"}`)
	sig := signStandard(secret, "msg_1", testNow, body)
	sv, err := NewSvix(secret, fixedClock())
	require.NoError(t, err)
	sw, err := NewStandardWebhooks(secret, fixedClock())
	require.NoError(t, err)

	unbranded := http.Header{}
	unbranded.Set("webhook-id", "msg_1")
	unbranded.Set("webhook-timestamp", unix(testNow))
	unbranded.Set("webhook-signature", sig)
	_, err = sv.Verify(&Delivery{Header: unbranded, Body: body})
	require.NoError(t, err, "svix falls back to webhook- headers")

	branded := http.Header{}
	branded.Set("svix-id", "msg_1")
	branded.Set("svix-timestamp", unix(testNow))
	branded.Set("svix-signature", sig)
	events, err := sv.Verify(&Delivery{Header: branded, Body: body})
	require.NoError(t, err)
	require.Equal(t, "svix", events[0].Provider)
	_, err = sw.Verify(&Delivery{Header: branded, Body: body})
	require.ErrorIs(t, err, ErrMissingSignature, "Standard Webhooks reads only webhook- headers")

	// svix-id missing: every header comes from the webhook- set.
	branded.Del("svix-id")
	_, err = sv.Verify(&Delivery{Header: branded, Body: body})
	require.ErrorIs(t, err, ErrMissingSignature)

	noID := unbranded.Clone()
	noID.Del("webhook-id")
	_, err = sw.Verify(&Delivery{Header: noID, Body: body})
	require.ErrorIs(t, err, ErrMalformedHeader)

	// The time falls back to the signed timestamp when the body has none.
	events, err = sw.Verify(&Delivery{Header: unbranded, Body: body})
	require.NoError(t, err)
	require.True(t, events[0].Time.Equal(testNow))
}

func TestStandardWebhooksSecretWithoutPrefix(t *testing.T) {
	// The official libraries accept the base64 key without whsec_.
	v, err := NewStandardWebhooks("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", WithClock(func() time.Time { return time.Unix(1614265330, 0) }))
	require.NoError(t, err)
	h := http.Header{}
	h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	_, err = v.Verify(&Delivery{Header: h, Body: []byte(`{"test": 2432232314}`)})
	require.NoError(t, err)
}
