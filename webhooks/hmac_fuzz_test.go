package webhooks

import (
	"net/http"
	"testing"
	"time"
)

// FuzzHMACHeaders feeds arbitrary signature and timestamp headers to every
// HMAC verifier built on the shared single-header scheme (GitHub, Paystack,
// Shopify, Slack, Flutterwave and the generic one with a separator).
func FuzzHMACHeaders(f *testing.F) {
	f.Add("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", "1531420618", []byte("Hello, World!"))
	f.Add("v0=", "", []byte(`{}`))
	f.Add("sha256=,sha256=zz", "999999999999", []byte(`{"event":"x","data":{"id":1}}`))
	f.Add("dzJZAsrKgS3CWXM6rNBGtz==", "0", []byte(nil))
	now := time.Unix(1531420618, 0)
	clock := WithClock(func() time.Time { return now })
	var vs []Verifier
	for _, p := range []string{"github", "paystack", "shopify", "slack", "flutterwave"} {
		vs = append(vs, newVerifier(f, p, testSecret(p), clock))
	}
	generic, err := NewHMAC("k", HMACConfig{
		Provider: "acme", Header: "X-Sig", Prefix: "sha256=", Separator: ",",
		TimestampHeader: "X-Ts", Signed: "{timestamp}.{header:X-Id}.{body}",
		EventID: func(d *Delivery) (string, error) { return d.Header.Get("X-Id"), nil },
	}, clock)
	if err != nil {
		f.Fatal(err)
	}
	vs = append(vs, generic)
	f.Fuzz(func(t *testing.T, sig, ts string, body []byte) {
		for _, v := range vs {
			h := http.Header{}
			for _, k := range []string{"X-Hub-Signature-256", "X-Paystack-Signature", "X-Shopify-Hmac-Sha256", "X-Slack-Signature", "Flutterwave-Signature", "X-Sig"} {
				h.Set(k, sig)
			}
			h.Set("X-Slack-Request-Timestamp", ts)
			h.Set("X-Ts", ts)
			h.Set("X-Id", "id")
			h.Set("X-GitHub-Delivery", "d")
			h.Set("X-GitHub-Event", "e")
			h.Set("X-Shopify-Topic", "t")
			h.Set("X-Shopify-Webhook-Id", "w")
			_, err := v.Verify(&Delivery{Header: h, Body: body})
			if err == nil {
				t.Fatalf("%s accepted a forged signature %q", v.Provider(), sig)
			}
			if !isSentinel(err) {
				t.Fatalf("%s error without a sentinel: %v", v.Provider(), err)
			}
		}
	})
}
