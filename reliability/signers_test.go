package reliability

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// hookURL is where signed requests are addressed in handler tests that
// call ServeHTTP directly; URL-signing schemes sign it.
const hookURL = "http://hooks.example.com/hook"

// provider builds a verifier and signs arbitrary bodies for it, so that
// hostile bodies reach the code behind a valid signature.
type provider struct {
	name      string
	sigHeader string
	secrets   []string
	verifier  func(t *testing.T) webhooks.Verifier
	// sign returns the headers, the request target and the body to send
	// for payload.
	sign func(t *testing.T, payload []byte) (http.Header, string, []byte)
}

func providers() []provider {
	const (
		stripe   = stripeSecret
		paystack = "sk_test_reliability_paystack_secret"
		github   = "github-reliability-secret"
		slack    = "slack-reliability-signing-secret"
		shopify  = "shopify-reliability-client-secret"
		flw      = "flutterwave-reliability-secret-hash"
		mandrill = "mandrill-reliability-webhook-key"
		twilio   = "twilio-reliability-auth-token-0123"
		generic  = "generic-reliability-secret"
	)
	standard := "whsec_" + base64.StdEncoding.EncodeToString([]byte("reliability-standard-webhooks-key"))
	must := func(t *testing.T, v webhooks.Verifier, err error) webhooks.Verifier {
		t.Helper()
		require.NoError(t, err)
		return v
	}
	return []provider{
		{"stripe", "Stripe-Signature", []string{stripe},
			func(t *testing.T) webhooks.Verifier { v, err := webhooks.NewStripe(stripe); return must(t, v, err) },
			func(_ *testing.T, p []byte) (http.Header, string, []byte) {
				return webhookstest.SignStripe(p, stripe, time.Now()), hookURL, p
			}},
		{"paystack", "X-Paystack-Signature", []string{paystack},
			func(t *testing.T) webhooks.Verifier { v, err := webhooks.NewPaystack(paystack); return must(t, v, err) },
			func(_ *testing.T, p []byte) (http.Header, string, []byte) {
				return webhookstest.SignPaystack(p, paystack), hookURL, p
			}},
		{"github", "X-Hub-Signature-256", []string{github},
			func(t *testing.T) webhooks.Verifier { v, err := webhooks.NewGitHub(github); return must(t, v, err) },
			func(_ *testing.T, p []byte) (http.Header, string, []byte) {
				return webhookstest.SignGitHub(p, github, "push", ""), hookURL, p
			}},
		{"standardwebhooks", "Webhook-Signature", []string{standard},
			func(t *testing.T) webhooks.Verifier {
				v, err := webhooks.NewStandardWebhooks(standard)
				return must(t, v, err)
			},
			func(t *testing.T, p []byte) (http.Header, string, []byte) {
				h, err := webhookstest.SignStandardWebhooks(p, standard, "", time.Now())
				require.NoError(t, err)
				return h, hookURL, p
			}},
		{"slack", "X-Slack-Signature", []string{slack},
			func(t *testing.T) webhooks.Verifier { v, err := webhooks.NewSlack(slack); return must(t, v, err) },
			func(_ *testing.T, p []byte) (http.Header, string, []byte) {
				return webhookstest.SignSlack(p, slack, time.Now()), hookURL, p
			}},
		{"shopify", "X-Shopify-Hmac-Sha256", []string{shopify},
			func(t *testing.T) webhooks.Verifier { v, err := webhooks.NewShopify(shopify); return must(t, v, err) },
			func(_ *testing.T, p []byte) (http.Header, string, []byte) {
				return webhookstest.SignShopify(p, shopify, "orders/create", "", time.Now()), hookURL, p
			}},
		{"flutterwave", "Flutterwave-Signature", []string{flw},
			func(t *testing.T) webhooks.Verifier { v, err := webhooks.NewFlutterwave(flw); return must(t, v, err) },
			func(_ *testing.T, p []byte) (http.Header, string, []byte) {
				return webhookstest.SignFlutterwave(p, flw), hookURL, p
			}},
		{"mandrill", "X-Mandrill-Signature", []string{mandrill},
			func(t *testing.T) webhooks.Verifier {
				v, err := webhooks.NewMandrill(mandrill, webhooks.WithPublicURL(hookURL))
				return must(t, v, err)
			},
			func(_ *testing.T, p []byte) (http.Header, string, []byte) {
				h, body := webhookstest.SignMandrill(hookURL, p, mandrill)
				return h, hookURL, body
			}},
		{"twilio", "X-Twilio-Signature", []string{twilio},
			func(t *testing.T) webhooks.Verifier {
				v, err := webhooks.NewTwilio(twilio, webhooks.WithPublicURL(hookURL))
				return must(t, v, err)
			},
			func(_ *testing.T, p []byte) (http.Header, string, []byte) {
				target, h := webhookstest.SignTwilioJSON(hookURL, p, twilio)
				return h, target, p
			}},
		{"hmac", "X-Acme-Signature", []string{generic},
			func(t *testing.T) webhooks.Verifier {
				v, err := webhooks.NewHMAC(generic, webhooks.HMACConfig{
					Provider: "acme", Header: "X-Acme-Signature", Prefix: "sha256=",
					TimestampHeader: "X-Acme-Timestamp", Signed: "{timestamp}.{body}",
				})
				return must(t, v, err)
			},
			func(_ *testing.T, p []byte) (http.Header, string, []byte) {
				ts := strconv.FormatInt(time.Now().Unix(), 10)
				m := hmac.New(sha256.New, []byte(generic))
				m.Write([]byte(ts + "."))
				m.Write(p)
				h := http.Header{}
				h.Set("Content-Type", "application/json")
				h.Set("X-Acme-Timestamp", ts)
				h.Set("X-Acme-Signature", "sha256="+hex.EncodeToString(m.Sum(nil)))
				return h, hookURL, p
			}},
	}
}
