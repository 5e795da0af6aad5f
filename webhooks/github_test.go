package webhooks

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGitHubFormBody(t *testing.T) {
	secret := testSecret("github")
	payload := `{"zen":"Design for failure.","hook_id":1}`
	body := []byte(url.Values{"payload": {payload}}.Encode())
	h := signedHeaders("github", secret, testNow, body)
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	h.Set("X-GitHub-Event", "ping")
	v, err := NewGitHub(secret)
	require.NoError(t, err)
	events, err := v.Verify(&Delivery{Header: h, Body: body})
	require.NoError(t, err)
	require.Equal(t, "ping", events[0].Type)
	require.Equal(t, "d-1", events[0].ID)
	require.JSONEq(t, payload, string(events[0].Data))

	h.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	_, err = v.Verify(&Delivery{Header: h, Body: body})
	require.NoError(t, err)

	noPayload := []byte("other=1")
	h = signedHeaders("github", secret, testNow, noPayload)
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	_, err = v.Verify(&Delivery{Header: h, Body: noPayload})
	require.ErrorIs(t, err, ErrMalformedBody)
}

func TestGitHubNoSHA1Fallback(t *testing.T) {
	secret := testSecret("github")
	body := []byte(`{}`)
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	h := http.Header{}
	h.Set("X-Hub-Signature", "sha1="+hex.EncodeToString(m.Sum(nil)))
	h.Set("X-GitHub-Delivery", "d")
	h.Set("X-GitHub-Event", "push")
	v, err := NewGitHub(secret)
	require.NoError(t, err)
	_, err = v.Verify(&Delivery{Header: h, Body: body})
	require.ErrorIs(t, err, ErrMissingSignature)

	// A SHA-1 value in the SHA-256 header is malformed, not accepted.
	h.Set("X-Hub-Signature-256", "sha1="+hex.EncodeToString(m.Sum(nil)))
	_, err = v.Verify(&Delivery{Header: h, Body: body})
	require.ErrorIs(t, err, ErrMalformedHeader)
}

func TestGitHubRequiredHeaders(t *testing.T) {
	secret := testSecret("github")
	v, err := NewGitHub(secret)
	require.NoError(t, err)
	for _, k := range []string{"X-GitHub-Delivery", "X-GitHub-Event"} {
		h := signedHeaders("github", secret, testNow, universalBody)
		h.Del(k)
		_, err := v.Verify(&Delivery{Header: h, Body: universalBody})
		require.ErrorIs(t, err, ErrMalformedHeader, k)
	}
	// Header names in any case, as a hand-built map may hold them.
	h := signedHeaders("github", secret, testNow, universalBody)
	raw := http.Header{}
	for k, vs := range h {
		raw[toLower(k)] = vs
	}
	_, err = v.Verify(&Delivery{Header: raw, Body: universalBody})
	require.NoError(t, err)
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func TestIsForm(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/x-www-form-urlencoded":                true,
		"Application/X-WWW-Form-Urlencoded; charset=utf-8": true,
		" application/x-www-form-urlencoded ;charset=x":    true,
		"application/x-www-form-urlencodedx":               false,
		"application/json":                                 false,
		"":                                                 false,
		"multipart/form-data; boundary=x":                  false,
	} {
		require.Equal(t, want, isForm(ct), ct)
	}
}
