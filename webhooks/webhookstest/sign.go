package webhookstest

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/webhooks"
)

func hmacSum(newHash func() hash.Hash, key []byte, parts ...[]byte) []byte {
	m := hmac.New(newHash, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

func jsonHeader() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return h
}

// SignStripe signs payload as Stripe does: the Stripe-Signature header is
// "t=<unix>,v1=<hex HMAC-SHA256>" over "<unix>.<payload>", keyed with the
// endpoint secret ("whsec_...") used as is.
func SignStripe(payload []byte, secret string, t time.Time) http.Header {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmacSum(sha256.New, []byte(secret), []byte(ts), []byte("."), payload)
	h := jsonHeader()
	h.Set("Stripe-Signature", "t="+ts+",v1="+hex.EncodeToString(mac))
	return h
}

// SignPaystack signs payload as Paystack does: x-paystack-signature is the
// lowercase hex HMAC-SHA512 of the body keyed with the account's secret key
// ("sk_test_...").
func SignPaystack(payload []byte, secretKey string) http.Header {
	h := jsonHeader()
	h.Set("X-Paystack-Signature", hex.EncodeToString(hmacSum(sha512.New, []byte(secretKey), payload)))
	return h
}

// SignGitHub signs payload as GitHub does: X-Hub-Signature-256 is
// "sha256=" and the hex HMAC-SHA256 of the body. It also sets
// X-GitHub-Event to event and X-GitHub-Delivery to deliveryID, or to a
// random GUID when deliveryID is empty.
func SignGitHub(payload []byte, secret, event, deliveryID string) http.Header {
	if deliveryID == "" {
		deliveryID = randomUUID()
	}
	h := jsonHeader()
	h.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(hmacSum(sha256.New, []byte(secret), payload)))
	h.Set("X-GitHub-Event", event)
	h.Set("X-GitHub-Delivery", deliveryID)
	h.Set("User-Agent", "GitHub-Hookshot/webhookstest")
	return h
}

// standardSignature computes a Standard Webhooks "v1," signature.
func standardSignature(payload []byte, secret, msgID string, t time.Time) (string, string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return "", "", fmt.Errorf("webhookstest: secret is not whsec_ followed by base64: %w", err)
	}
	if len(key) == 0 {
		return "", "", errors.New("webhookstest: empty secret")
	}
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmacSum(sha256.New, key, []byte(msgID), []byte("."), []byte(ts), []byte("."), payload)
	return ts, "v1," + base64.StdEncoding.EncodeToString(mac), nil
}

// SignStandardWebhooks signs payload as the Standard Webhooks
// specification describes: webhook-id is msgID (a random "msg_..." when
// empty), webhook-timestamp the Unix time, and webhook-signature
// "v1,<base64 HMAC-SHA256>" over "<id>.<timestamp>.<payload>", keyed with
// the base64-decoded secret after its "whsec_" prefix.
func SignStandardWebhooks(payload []byte, secret, msgID string, t time.Time) (http.Header, error) {
	return signStandard("Webhook-", payload, secret, msgID, t)
}

// SignSvix signs payload as Svix does: the Standard Webhooks scheme with
// the svix-id, svix-timestamp and svix-signature headers.
func SignSvix(payload []byte, secret, msgID string, t time.Time) (http.Header, error) {
	return signStandard("Svix-", payload, secret, msgID, t)
}

func signStandard(prefix string, payload []byte, secret, msgID string, t time.Time) (http.Header, error) {
	if msgID == "" {
		msgID = "msg_" + randomHex(12)
	}
	ts, sig, err := standardSignature(payload, secret, msgID, t)
	if err != nil {
		return nil, err
	}
	h := jsonHeader()
	h.Set(prefix+"Id", msgID)
	h.Set(prefix+"Timestamp", ts)
	h.Set(prefix+"Signature", sig)
	return h, nil
}

// SignSlack signs payload as Slack does: X-Slack-Request-Timestamp is the
// Unix time and X-Slack-Signature "v0=" and the hex HMAC-SHA256 of
// "v0:<timestamp>:<payload>" keyed with the signing secret.
func SignSlack(payload []byte, signingSecret string, t time.Time) http.Header {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmacSum(sha256.New, []byte(signingSecret), []byte("v0:"+ts+":"), payload)
	h := jsonHeader()
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac))
	return h
}

// SignShopify signs payload as Shopify does: X-Shopify-Hmac-Sha256 is the
// base64 HMAC-SHA256 of the body keyed with the app's client secret. It
// also sets X-Shopify-Topic, X-Shopify-Event-Id and X-Shopify-Webhook-Id
// (both eventID, or a random ID when empty), X-Shopify-Triggered-At (t),
// X-Shopify-Shop-Domain and X-Shopify-API-Version.
func SignShopify(payload []byte, clientSecret, topic, eventID string, t time.Time) http.Header {
	if eventID == "" {
		eventID = randomUUID()
	}
	h := jsonHeader()
	h.Set("X-Shopify-Hmac-Sha256", base64.StdEncoding.EncodeToString(hmacSum(sha256.New, []byte(clientSecret), payload)))
	h.Set("X-Shopify-Topic", topic)
	h.Set("X-Shopify-Event-Id", eventID)
	h.Set("X-Shopify-Webhook-Id", eventID)
	h.Set("X-Shopify-Triggered-At", t.UTC().Format(time.RFC3339Nano))
	h.Set("X-Shopify-Shop-Domain", "webhookstest.myshopify.com")
	h.Set("X-Shopify-API-Version", "2025-07")
	return h
}

// SignFlutterwave signs payload as Flutterwave does: flutterwave-signature
// is the base64 HMAC-SHA256 of the body keyed with the dashboard's secret
// hash.
func SignFlutterwave(payload []byte, secretHash string) http.Header {
	h := jsonHeader()
	h.Set("Flutterwave-Signature", base64.StdEncoding.EncodeToString(hmacSum(sha256.New, []byte(secretHash), payload)))
	return h
}

// SignFlutterwaveLegacy sets Flutterwave's older verif-hash header, which
// carries the dashboard's secret hash itself rather than a signature.
func SignFlutterwaveLegacy(secretHash string) http.Header {
	h := jsonHeader()
	h.Set("Verif-Hash", secretHash)
	return h
}

// SignHMAC signs payload with secret at time t under cfg, the same
// webhooks.HMACConfig that configures webhooks.NewHMAC: it writes the
// signature, encoded with cfg.Encoding after cfg.Prefix, in cfg.Header,
// over the bytes cfg.Signed describes ({body}, {timestamp},
// {header:Name}; "{body}" when empty), and, when cfg.TimestampHeader is
// set, the Unix time t in that header. Headers a {header:Name}
// placeholder reads must be in extra, which is copied into the result.
// Only the fields that describe the signature are read; the extraction
// functions are not.
func SignHMAC(payload []byte, secret string, t time.Time, cfg webhooks.HMACConfig, extra http.Header) (http.Header, error) {
	if cfg.Header == "" {
		return nil, errors.New("webhookstest: HMACConfig.Header is empty")
	}
	var newHash func() hash.Hash
	switch cfg.Hash {
	case webhooks.SHA256:
		newHash = sha256.New
	case webhooks.SHA1:
		newHash = sha1.New
	case webhooks.SHA512:
		newHash = sha512.New
	default:
		return nil, fmt.Errorf("webhookstest: unsupported hash %v", cfg.Hash)
	}
	h := jsonHeader()
	for k, vs := range extra {
		h[k] = append([]string(nil), vs...)
	}
	ts := ""
	if cfg.TimestampHeader != "" {
		ts = strconv.FormatInt(t.Unix(), 10)
		h.Set(cfg.TimestampHeader, ts)
	}
	tmpl := cfg.Signed
	if tmpl == "" {
		tmpl = "{body}"
	}
	var msg []byte
	for tmpl != "" {
		open := strings.IndexByte(tmpl, '{')
		if open < 0 {
			msg = append(msg, tmpl...)
			break
		}
		msg = append(msg, tmpl[:open]...)
		end := strings.IndexByte(tmpl[open:], '}')
		if end < 0 {
			return nil, errors.New("webhookstest: unclosed placeholder in HMACConfig.Signed")
		}
		switch name := tmpl[open+1 : open+end]; {
		case name == "body":
			msg = append(msg, payload...)
		case name == "timestamp" && cfg.TimestampHeader != "":
			msg = append(msg, ts...)
		case strings.HasPrefix(name, "header:"):
			msg = append(msg, h.Get(name[len("header:"):])...)
		default:
			return nil, fmt.Errorf("webhookstest: unknown placeholder {%s} in HMACConfig.Signed", name)
		}
		tmpl = tmpl[open+end+1:]
	}
	mac := hmacSum(newHash, []byte(secret), msg)
	var enc string
	switch cfg.Encoding {
	case webhooks.Hex:
		enc = hex.EncodeToString(mac)
	case webhooks.Base64:
		enc = base64.StdEncoding.EncodeToString(mac)
	default:
		return nil, fmt.Errorf("webhookstest: unsupported encoding %v", cfg.Encoding)
	}
	h.Set(cfg.Header, cfg.Prefix+enc)
	return h, nil
}
