package webhooks

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFlutterwaveVerifHash(t *testing.T) {
	secret := testSecret("flutterwave")
	body := []byte(`{"event":"charge.completed","data":{"id":285959875,"status":"successful"}}`)
	legacy := http.Header{}
	legacy.Set("verif-hash", secret)

	strict, err := NewFlutterwave(secret)
	require.NoError(t, err)
	_, err = strict.Verify(&Delivery{Header: legacy, Body: body})
	require.ErrorIs(t, err, ErrMissingSignature, "verif-hash is off by default")

	lax, err := NewFlutterwave("new-hash", WithSecrets(secret), WithFlutterwaveVerifHash())
	require.NoError(t, err)
	events, err := lax.Verify(&Delivery{Header: legacy, Body: body})
	require.NoError(t, err)
	require.Equal(t, "285959875", events[0].ID)
	require.Equal(t, "charge.completed", events[0].Type, "v3 payloads name the type in event")

	wrong := http.Header{}
	wrong.Set("verif-hash", "guess")
	_, err = lax.Verify(&Delivery{Header: wrong, Body: body})
	require.ErrorIs(t, err, ErrInvalidSignature)

	// A signature header present is checked alone: no fallback to verif-hash.
	both := signedHeaders("flutterwave", "other", testNow, body)
	both.Set("verif-hash", secret)
	_, err = lax.Verify(&Delivery{Header: both, Body: body})
	require.ErrorIs(t, err, ErrInvalidSignature)

	_, err = lax.Verify(&Delivery{Header: http.Header{}, Body: body})
	require.ErrorIs(t, err, ErrMissingSignature)

	noID := []byte(`{"type":"charge.completed","data":{}}`)
	_, err = strict.Verify(&Delivery{Header: signedHeaders("flutterwave", secret, testNow, noID), Body: noID})
	require.ErrorIs(t, err, ErrMalformedBody)
}
