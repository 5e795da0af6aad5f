package webhookstest

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// urlSignature is the base64 HMAC-SHA1 of signedURL followed by each form
// parameter, sorted by name and then by value, as name and value.
// Repeated identical values count once, as in twilio-python.
func urlSignature(key, signedURL string, form url.Values) string {
	names := make([]string, 0, len(form))
	for k := range form {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(signedURL)
	for _, k := range names {
		vs := append([]string(nil), form[k]...)
		sort.Strings(vs)
		for i, v := range vs {
			if i > 0 && vs[i-1] == v {
				continue
			}
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	return base64.StdEncoding.EncodeToString(hmacSum(sha1.New, []byte(key), []byte(b.String())))
}

// SignTwilio signs a form-encoded Twilio request to publicURL, the webhook
// URL exactly as configured at Twilio: X-Twilio-Signature is the base64
// HMAC-SHA1, keyed with the Auth Token, of the URL followed by every
// parameter sorted by name, name and value with no delimiter. A fragment of
// publicURL is left out. It returns the headers and the form-encoded body.
func SignTwilio(publicURL string, form url.Values, authToken string) (http.Header, []byte) {
	publicURL, _, _ = strings.Cut(publicURL, "#")
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	h.Set("X-Twilio-Signature", urlSignature(authToken, publicURL, form))
	h.Set("I-Twilio-Idempotency-Token", randomUUID())
	return h, []byte(form.Encode())
}

// SignTwilioJSON signs a Twilio request with a JSON body: Twilio adds a
// bodySHA256 query parameter, the hex SHA-256 of the body, to publicURL and
// signs that URL alone. It returns the URL to send the request to and the
// headers. Like SignTwilio, it leaves out any fragment of publicURL (where
// Twilio's connection overrides go), which Twilio does not sign.
func SignTwilioJSON(publicURL string, body []byte, authToken string) (string, http.Header) {
	sum := sha256.Sum256(body)
	base, _, _ := strings.Cut(publicURL, "#")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	target := base + sep + "bodySHA256=" + hex.EncodeToString(sum[:])
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Twilio-Signature", urlSignature(authToken, target, nil))
	h.Set("I-Twilio-Idempotency-Token", randomUUID())
	return target, h
}

// SignMandrill signs a Mailchimp Transactional (Mandrill) webhook to
// publicURL, the URL exactly as entered at Mandrill. events is the JSON
// array of events, sent as the mandrill_events form field;
// X-Mandrill-Signature is the base64 HMAC-SHA1, keyed with the webhook key,
// of the URL followed by each POST field's key and value sorted by key. It
// returns the headers and the form-encoded body.
func SignMandrill(publicURL string, events []byte, webhookKey string) (http.Header, []byte) {
	form := url.Values{"mandrill_events": {string(events)}}
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	h.Set("X-Mandrill-Signature", urlSignature(webhookKey, publicURL, form))
	h.Set("User-Agent", "Mandrill-Webhook/1.0")
	return h, []byte(form.Encode())
}
