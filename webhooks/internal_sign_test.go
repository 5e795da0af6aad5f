package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Test-only signers, written from the providers' documented schemes and
// independent of the verifiers' code.

func macOf(newHash func() hash.Hash, key []byte, parts ...string) []byte {
	m := hmac.New(newHash, key)
	for _, p := range parts {
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func signStripe(secret string, t time.Time, body []byte) string {
	return "t=" + unix(t) + ",v1=" + hex.EncodeToString(macOf(sha256.New, []byte(secret), unix(t), ".", string(body)))
}

func signStandard(secret, id string, t time.Time, body []byte) string {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		panic(err)
	}
	return "v1," + base64.StdEncoding.EncodeToString(macOf(sha256.New, key, id, ".", unix(t), ".", string(body)))
}

// testSecret returns a secret in the provider's format.
func testSecret(provider string) string {
	switch provider {
	case "stripe":
		return "whsec_test_0123456789abcdef"
	case "standardwebhooks", "svix":
		return "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	case "paystack":
		return "sk_test_0123456789abcdef"
	}
	return "s3cr3t-" + provider
}

// signedHeaders returns valid headers for body signed at t.
func signedHeaders(provider, secret string, t time.Time, body []byte) http.Header {
	h := http.Header{}
	switch provider {
	case "stripe":
		h.Set("Stripe-Signature", signStripe(secret, t, body))
	case "paystack":
		h.Set("X-Paystack-Signature", hex.EncodeToString(macOf(sha512.New, []byte(secret), string(body))))
	case "github":
		h.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(macOf(sha256.New, []byte(secret), string(body))))
		h.Set("X-GitHub-Delivery", "d-1")
		h.Set("X-GitHub-Event", "repository")
		h.Set("Content-Type", "application/json")
	case "standardwebhooks":
		h.Set("webhook-id", "msg_1")
		h.Set("webhook-timestamp", unix(t))
		h.Set("webhook-signature", signStandard(secret, "msg_1", t, body))
	case "svix":
		h.Set("svix-id", "msg_1")
		h.Set("svix-timestamp", unix(t))
		h.Set("svix-signature", signStandard(secret, "msg_1", t, body))
	case "slack":
		h.Set("X-Slack-Request-Timestamp", unix(t))
		h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(macOf(sha256.New, []byte(secret), "v0:", unix(t), ":", string(body))))
		h.Set("Content-Type", "application/json")
	case "shopify":
		h.Set("X-Shopify-Hmac-Sha256", base64.StdEncoding.EncodeToString(macOf(sha256.New, []byte(secret), string(body))))
		h.Set("X-Shopify-Topic", "orders/create")
		h.Set("X-Shopify-Webhook-Id", "wh-1")
	case "flutterwave":
		h.Set("flutterwave-signature", base64.StdEncoding.EncodeToString(macOf(sha256.New, []byte(secret), string(body))))
	default:
		panic("no signer for " + provider)
	}
	return h
}

// sigHeader names the header carrying the signature.
func sigHeader(provider string) string {
	switch provider {
	case "stripe":
		return "Stripe-Signature"
	case "paystack":
		return "X-Paystack-Signature"
	case "github":
		return "X-Hub-Signature-256"
	case "standardwebhooks":
		return "Webhook-Signature"
	case "svix":
		return "Svix-Signature"
	case "slack":
		return "X-Slack-Signature"
	case "shopify":
		return "X-Shopify-Hmac-Sha256"
	case "flutterwave":
		return "Flutterwave-Signature"
	}
	panic(provider)
}

var allProviders = []string{"stripe", "paystack", "github", "standardwebhooks", "svix", "slack", "shopify", "flutterwave"}

var timestamped = map[string]bool{"stripe": true, "standardwebhooks": true, "svix": true, "slack": true}

// universalBody satisfies every provider's event extraction.
var universalBody = []byte(`{"id":"evt_1","object":"event","type":"charge.success","created":1700000000,` +
	`"event":"charge.success","event_id":"Ev1","event_time":1700000000,"timestamp":"2023-11-14T22:13:20Z",` +
	`"data":{"id":5,"created_at":"2023-11-14T22:13:20Z","object":{"id":"pi_1","nested":[1,{"type":"no"}]}}}`)
