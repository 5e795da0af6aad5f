package webhooks

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var testNow = time.Unix(1700000000, 0)

func fixedClock() SharedOption { return WithClock(func() time.Time { return testNow }) }

func TestVerifiersNegative(t *testing.T) {
	type tc struct {
		name    string
		signAt  time.Duration // offset from testNow
		mutate  func(h http.Header, body []byte) []byte
		want    error
		onlyTS  bool
		skipFor map[string]bool
	}
	cases := []tc{
		{name: "valid", want: nil},
		{name: "valid within window, past", signAt: -4 * time.Minute, want: nil, onlyTS: true},
		{name: "valid within window, future", signAt: 4 * time.Minute, want: nil, onlyTS: true},
		{name: "stale timestamp", signAt: -6 * time.Minute, want: ErrTimestampOutOfRange, onlyTS: true},
		{name: "future timestamp", signAt: 6 * time.Minute, want: ErrTimestampOutOfRange, onlyTS: true},
		{name: "tampered body", want: ErrInvalidSignature, mutate: func(_ http.Header, b []byte) []byte {
			b = append([]byte(nil), b...)
			b[len(b)-3] = '9'
			return b
		}},
		{name: "appended body", want: ErrInvalidSignature, mutate: func(_ http.Header, b []byte) []byte {
			return append(append([]byte(nil), b...), '\n')
		}},
		{name: "missing signature", want: ErrMissingSignature, mutate: func(h http.Header, b []byte) []byte {
			for k := range h {
				if k == "Stripe-Signature" || k == "X-Paystack-Signature" || k == "X-Hub-Signature-256" ||
					k == "Webhook-Signature" || k == "Svix-Signature" || k == "X-Slack-Signature" ||
					k == "X-Shopify-Hmac-Sha256" || k == "Flutterwave-Signature" {
					h.Del(k)
				}
			}
			return b
		}},
		{name: "empty signature header", want: ErrMissingSignature, mutate: func(h http.Header, b []byte) []byte {
			for _, k := range []string{"Stripe-Signature", "X-Paystack-Signature", "X-Hub-Signature-256", "Webhook-Signature", "Svix-Signature", "X-Slack-Signature", "X-Shopify-Hmac-Sha256", "Flutterwave-Signature"} {
				if h.Get(k) != "" {
					h.Set(k, "")
				}
			}
			return b
		}, skipFor: map[string]bool{"svix": true}},
	}
	for _, p := range allProviders {
		for _, c := range cases {
			if c.onlyTS && !timestamped[p] {
				continue
			}
			if c.skipFor[p] {
				continue
			}
			t.Run(p+"/"+c.name, func(t *testing.T) {
				secret := testSecret(p)
				v := newVerifier(t, p, secret, fixedClock())
				body := universalBody
				h := signedHeaders(p, secret, testNow.Add(c.signAt), body)
				if c.mutate != nil {
					body = c.mutate(h, body)
				}
				events, err := v.Verify(&Delivery{Method: http.MethodPost, Header: h, Body: body})
				if c.want == nil {
					require.NoError(t, err)
					require.Len(t, events, 1)
					require.NotEmpty(t, events[0].ID)
					return
				}
				require.ErrorIs(t, err, c.want)
				require.Nil(t, events)
				require.NotContains(t, err.Error(), secret)
			})
		}
	}
}

// TestVerifiersBadHeaders truncates and garbles the signature header.
func TestVerifiersBadHeaders(t *testing.T) {
	garbles := []struct {
		name string
		edit func(string) string
	}{
		{"truncated", func(s string) string { return s[:len(s)/2] }},
		{"last char dropped", func(s string) string { return s[:len(s)-1] }},
		{"garbage", func(string) string { return "garbage!!" }},
		{"non-ascii", func(s string) string { return "\xff\xfe" + s }},
		{"prefix only", func(s string) string {
			for i := 0; i < len(s)-2; i++ {
				if s[i] == '=' || s[i] == ',' {
					return s[:i+1]
				}
			}
			return "x"
		}},
	}
	for _, p := range allProviders {
		for _, g := range garbles {
			t.Run(p+"/"+g.name, func(t *testing.T) {
				secret := testSecret(p)
				v := newVerifier(t, p, secret, fixedClock())
				h := signedHeaders(p, secret, testNow, universalBody)
				orig := h.Get(sigHeader(p))
				h.Set(sigHeader(p), g.edit(orig))
				events, err := v.Verify(&Delivery{Header: h, Body: universalBody})
				require.Error(t, err)
				require.Nil(t, events)
				require.True(t, errors.Is(err, ErrMalformedHeader) || errors.Is(err, ErrInvalidSignature), "%v", err)
				require.NotContains(t, err.Error(), orig, "the received signature is never echoed")
			})
		}
	}
}

// TestVerifiersTimestampHeaders checks garbled and absent timestamps.
func TestVerifiersTimestampHeaders(t *testing.T) {
	tsHeader := map[string]string{"standardwebhooks": "Webhook-Timestamp", "slack": "X-Slack-Request-Timestamp"}
	for p, name := range tsHeader {
		for _, bad := range []string{"", "abc", "-5", "1700000000.5", "99999999999999999999"} {
			t.Run(p+"/"+bad, func(t *testing.T) {
				secret := testSecret(p)
				v := newVerifier(t, p, secret, fixedClock())
				h := signedHeaders(p, secret, testNow, universalBody)
				h.Set(name, bad)
				_, err := v.Verify(&Delivery{Header: h, Body: universalBody})
				require.ErrorIs(t, err, ErrMalformedHeader)
			})
		}
	}
}

// secretConstructors builds every verifier from a secret, with the options
// each needs besides it.
func secretConstructors(t *testing.T) map[string]func(string, ...VerifierOption) (Verifier, error) {
	_, sgPub := sendgridTestKey(t)
	const u = "https://example.com/hook"
	return map[string]func(string, ...VerifierOption) (Verifier, error){
		"stripe":           func(s string, o ...VerifierOption) (Verifier, error) { return NewStripe(s, o...) },
		"paystack":         func(s string, o ...VerifierOption) (Verifier, error) { return NewPaystack(s, o...) },
		"github":           func(s string, o ...VerifierOption) (Verifier, error) { return NewGitHub(s, o...) },
		"standardwebhooks": func(s string, o ...VerifierOption) (Verifier, error) { return NewStandardWebhooks(s, o...) },
		"svix":             func(s string, o ...VerifierOption) (Verifier, error) { return NewSvix(s, o...) },
		"slack":            func(s string, o ...VerifierOption) (Verifier, error) { return NewSlack(s, o...) },
		"shopify":          func(s string, o ...VerifierOption) (Verifier, error) { return NewShopify(s, o...) },
		"flutterwave":      func(s string, o ...VerifierOption) (Verifier, error) { return NewFlutterwave(s, o...) },
		"twilio": func(s string, o ...VerifierOption) (Verifier, error) {
			return NewTwilio(s, append(o, WithPublicURL(u))...)
		},
		"mandrill": func(s string, o ...VerifierOption) (Verifier, error) {
			return NewMandrill(s, append(o, WithPublicURL(u))...)
		},
		"sendgrid": func(s string, o ...VerifierOption) (Verifier, error) {
			if s == "valid" {
				s = sgPub
			}
			return NewSendGrid(s, o...)
		},
		"hmac": func(s string, o ...VerifierOption) (Verifier, error) {
			return NewHMAC(s, HMACConfig{Provider: "acme", Header: "X-Sig"}, o...)
		},
	}
}

func TestConstructorsRejectEmptyWhitespaceOrPaddedSecrets(t *testing.T) {
	for name, ctor := range secretConstructors(t) {
		t.Run(name, func(t *testing.T) {
			valid := testSecret(name)
			if name == "sendgrid" {
				valid = "valid"
			}
			_, err := ctor(valid)
			require.NoError(t, err)
			for _, bad := range []struct {
				secret string
				want   error
			}{
				{"", ErrEmptySecret}, {"   ", ErrEmptySecret}, {"\t\n", ErrEmptySecret},
				{" " + testSecret(name), ErrInvalidSecret}, {testSecret(name) + "\n", ErrInvalidSecret},
			} {
				v, err := ctor(bad.secret)
				require.ErrorIs(t, err, bad.want, "%q", bad.secret)
				require.ErrorIs(t, err, ErrInvalidConfig)
				require.Nil(t, v)
				msg := err.Error()
				require.Contains(t, msg, map[string]string{"hmac": "acme"}[name]+map[bool]string{true: "", false: name}[name == "hmac"], "the error names the provider")
				if bad.secret != "" && strings.TrimSpace(bad.secret) != "" {
					require.NotContains(t, msg, strings.TrimSpace(bad.secret), "the error never holds the secret")
				}
				_, err = ctor(valid, WithSecrets(bad.secret))
				require.ErrorIs(t, err, bad.want, "a rotation secret %q", bad.secret)
			}
			if name == "standardwebhooks" || name == "svix" {
				_, err = ctor("whsec_")
				require.ErrorIs(t, err, ErrEmptySecret)
				_, err = ctor("whsec_not-base64!")
				require.ErrorIs(t, err, ErrInvalidSecret)
			}
		})
	}
}

func TestOptionsThatDoNotApplyAreErrors(t *testing.T) {
	ctors := secretConstructors(t)
	tests := []struct {
		provider string
		opt      VerifierOption
	}{
		{"stripe", WithFlutterwaveVerifHash()},
		{"stripe", WithPublicURL("https://example.com/hook")},
		{"github", WithTolerance(time.Minute)},
		{"github", WithClock(time.Now)},
		{"paystack", WithTolerance(time.Minute)},
		{"shopify", WithPublicURL("https://example.com/hook")},
		{"twilio", WithTolerance(time.Minute)},
		{"mandrill", WithFlutterwaveVerifHash()},
		{"hmac", WithTolerance(time.Minute)},
		{"slack", WithPublicURL("https://example.com/hook")},
	}
	for _, tt := range tests {
		secret := testSecret(tt.provider)
		if tt.provider == "sendgrid" {
			secret = "valid"
		}
		v, err := ctors[tt.provider](secret, tt.opt)
		require.ErrorIs(t, err, ErrInvalidOption, tt.provider)
		require.ErrorIs(t, err, ErrInvalidConfig, tt.provider)
		require.Nil(t, v)
	}
	_, err := NewFlutterwave(testSecret("flutterwave"), WithFlutterwaveVerifHash())
	require.NoError(t, err)
	_, err = NewTwilio("token")
	require.ErrorIs(t, err, ErrInvalidConfig, "Twilio needs the public URL")
	_, err = NewMandrill("key", WithPublicURL("/relative"))
	require.ErrorIs(t, err, ErrInvalidConfig)
	_, err = NewHMAC("k", HMACConfig{Provider: "acme", Header: "X-Sig", Signed: "{header:X-Id}"})
	require.ErrorIs(t, err, ErrInvalidOption, "a template without the body")
}

func TestTimestampedToleranceMustBePositive(t *testing.T) {
	for _, p := range []string{"stripe", "standardwebhooks", "svix", "slack"} {
		for _, d := range []time.Duration{0, -time.Second} {
			var err error
			switch p {
			case "stripe":
				_, err = NewStripe(testSecret(p), WithTolerance(d))
			case "standardwebhooks":
				_, err = NewStandardWebhooks(testSecret(p), WithTolerance(d))
			case "svix":
				_, err = NewSvix(testSecret(p), WithTolerance(d))
			case "slack":
				_, err = NewSlack(testSecret(p), WithTolerance(d))
			}
			require.ErrorIs(t, err, ErrInvalidOption, p)
		}
	}
	// A wider window accepts what the default rejects.
	v, err := NewStripe(testSecret("stripe"), fixedClock(), WithTolerance(time.Hour))
	require.NoError(t, err)
	h := signedHeaders("stripe", testSecret("stripe"), testNow.Add(-30*time.Minute), universalBody)
	_, err = v.Verify(&Delivery{Header: h, Body: universalBody})
	require.NoError(t, err)
}

// sendgridTestKey returns a new P-256 key pair, the public half in the form
// SendGrid shows it.
func sendgridTestKey(t *testing.T) (*ecdsa.PrivateKey, string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	require.NoError(t, err)
	return priv, base64.StdEncoding.EncodeToString(der)
}
