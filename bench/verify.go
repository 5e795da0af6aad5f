package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

const benchStripeSecret = "whsec_bench_0123456789abcdef0123456789"

// stripeBody returns a Stripe invoice.paid event of at least size bytes,
// pretty-printed as Stripe sends it, with as many invoice lines as needed.
func stripeBody(id string, size int) []byte {
	var lines []any
	for {
		ev := map[string]any{
			"id": id, "object": "event", "api_version": "2023-10-16", "created": 1709251234,
			"data": map[string]any{"object": map[string]any{
				"id": "in_1OqXYZ2eZvKYlo2CinvoiceX", "object": "invoice", "amount_due": 2000,
				"amount_paid": 2000, "currency": "usd", "customer": "cus_PfXYZ2eZvKYlo2",
				"customer_email": "jenny.rosen@example.com", "status": "paid", "paid": true,
				"lines": map[string]any{"object": "list", "data": lines, "has_more": false},
			}},
			"livemode": false, "pending_webhooks": 1,
			"request": map[string]any{"id": nil, "idempotency_key": nil}, "type": "invoice.paid",
		}
		b, err := json.MarshalIndent(ev, "", "  ")
		if err != nil {
			panic(err)
		}
		if len(b) >= size {
			return b
		}
		n := len(lines)
		lines = append(lines, map[string]any{
			"id": fmt.Sprintf("il_1OqXYZ2eZvKYlo2C%08d", n), "object": "line_item", "amount": 2000 + n,
			"currency": "usd", "description": fmt.Sprintf("1 x Pro plan (at $20.00 / month) #%d", n),
			"period":   map[string]any{"end": 1711929600, "start": 1709251200},
			"price":    map[string]any{"id": "price_1OqXYZ2eZvKYlo2CproPlan", "unit_amount": 2000, "type": "recurring"},
			"quantity": 1, "type": "subscription",
		})
	}
}

// bareHMAC is what a hand-written handler does: a new HMAC over the signed
// parts, the decoded signature, hmac.Equal.
func bareHMAC(newHash func() hash.Hash, key []byte, decode func(string) ([]byte, error), sig string, parts ...[]byte) bool {
	m := hmac.New(newHash, key)
	for _, p := range parts {
		m.Write(p)
	}
	want, err := decode(sig)
	return err == nil && hmac.Equal(m.Sum(nil), want)
}

func hexDecode(s string) ([]byte, error) { return hex.DecodeString(s) }
func b64Decode(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

// verifyBench benchmarks v.Verify on one delivery.
func verifyBench(v webhooks.Verifier, d *webhooks.Delivery, check func([]webhooks.Event) bool) func(*testing.B) {
	return func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ev, err := v.Verify(d)
			guard(b, err == nil && check(ev), "verify", err)
		}
	}
}

// bareBench benchmarks a bare computation that must report true.
func bareBench(f func() bool) func(*testing.B) {
	return func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			guard(b, f(), "bare baseline", errors.New("mismatch"))
		}
	}
}

// stripeRows compares the Stripe verifier with stripe-go and bare HMAC on
// 1 KiB and 16 KiB events.
func stripeRows(cfg config) []Row {
	var rows []Row
	now := time.Now()
	v, err := webhooks.NewStripe(benchStripeSecret, webhooks.WithClock(func() time.Time { return now }))
	if err != nil {
		return []Row{errorRow("Stripe verifier", "", err)}
	}
	for _, size := range []struct {
		name string
		n    int
	}{{"1 KiB", 1 << 10}, {"16 KiB", 16 << 10}} {
		body := stripeBody("evt_1OqXYZ2eZvKYlo2CaBcDeFgH", size.n)
		h := webhookstest.SignStripe(body, benchStripeSecret, now)
		sigHeader := h.Get("Stripe-Signature")
		d := &webhooks.Delivery{Method: http.MethodPost, Header: h, Body: body, ReceivedAt: now}
		check := func(ev []webhooks.Event) bool { return len(ev) == 1 && ev[0].Type == "invoice.paid" }

		goal := "≥4x faster"
		parseName := fmt.Sprintf("Stripe verify+parse, %s (%d B) vs stripe-go ConstructEventWithOptions", size.name, len(body))
		verifyName := fmt.Sprintf("Stripe Verify, %s vs bare crypto/hmac", size.name)
		if !cfg.want(parseName) && !cfg.want(verifyName) {
			continue
		}
		s, base := micro{
			subject: verifyBench(v, d, check),
			baseline: func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					ev, err := webhook.ConstructEventWithOptions(body, sigHeader, benchStripeSecret,
						webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
					guard(b, err == nil && ev.Type == "invoice.paid", "stripe-go", err)
				}
			},
		}.run(cfg.rounds)
		rows = append(rows, microRow(parseName, s, base, goal, func(r float64) bool { return r > 0 && 1/r >= 4 }))

		ts := []byte(strconv.FormatInt(now.Unix(), 10))
		sig := sigHeader[strings.Index(sigHeader, "v1=")+3:]
		s, base = micro{
			subject: verifyBench(v, d, check),
			baseline: bareBench(func() bool {
				return bareHMAC(sha256.New, []byte(benchStripeSecret), hexDecode, sig, ts, []byte("."), body)
			}),
		}.run(cfg.rounds)
		row := microRow(verifyName, s, base, "≤1.3x time, allocs ≤ bare", func(r float64) bool { return r > 0 && r <= 1.3 && s.allocsPerOp <= base.allocsPerOp })
		row.Note = "Verify also validates the whole body as JSON and reads id, type and created"
		rows = append(rows, row)
	}
	return rows
}

// microRow builds a table row from a pair of micro-benchmark results.
func microRow(name string, s, b result, goal string, ok func(ratio float64) bool) Row {
	if s.nsPerOp == 0 || b.nsPerOp == 0 {
		return errorRow(name, goal, errors.New("benchmark failed"))
	}
	r := timeRatio(s, b)
	row := Row{Name: name, Subject: s.describe(), Baseline: b.describe(), Ratio: ratioText(r), Goal: goal}
	if ok == nil {
		row.Status = Info
	} else {
		row.Status = verdict(ok(r))
	}
	return row
}

// verifierCase is one provider's verifier, a signed delivery and the bare
// HMAC computation over the same signed bytes.
type verifierCase struct {
	name      string
	urlSigned bool
	v         webhooks.Verifier
	d         *webhooks.Delivery
	bare      func() bool
}

func mustSample(provider string) []byte {
	b, err := webhookstest.SampleEvent(provider, "")
	if err != nil {
		panic(err)
	}
	return b
}

// signedParams is a form's parameters sorted by name, each name followed
// by its value, as Twilio and Mandrill sign them after the URL.
func signedParams(form url.Values) []byte {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var buf bytes.Buffer
	for _, k := range keys {
		vals := append([]string(nil), form[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			buf.WriteString(k)
			buf.WriteString(v)
		}
	}
	return buf.Bytes()
}

// verifierCases builds one case per HMAC verifier.
func verifierCases() ([]verifierCase, error) {
	now := time.Now()
	clock := webhooks.WithClock(func() time.Time { return now })
	ts := []byte(strconv.FormatInt(now.Unix(), 10))
	publicURL, _ := url.Parse("https://hooks.example.com/webhooks/in")
	var cases []verifierCase
	add := func(name string, v webhooks.Verifier, err error, h http.Header, body []byte, u *url.URL, bare func() bool) error {
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		d := &webhooks.Delivery{Method: http.MethodPost, URL: u, Header: h, Body: body, ReceivedAt: now}
		if _, err := v.Verify(d); err != nil {
			return fmt.Errorf("%s: sample delivery does not verify: %w", name, err)
		}
		if !bare() {
			return fmt.Errorf("%s: bare baseline does not verify", name)
		}
		cases = append(cases, verifierCase{name: name, urlSigned: name == "Mandrill" || strings.HasPrefix(name, "Twilio"), v: v, d: d, bare: bare})
		return nil
	}

	{
		secret := "sk_test_bench_paystack_0123456789"
		body := mustSample("paystack")
		h := webhookstest.SignPaystack(body, secret)
		v, err := webhooks.NewPaystack(secret)
		sig := h.Get("X-Paystack-Signature")
		if err := add("Paystack", v, err, h, body, publicURL, func() bool {
			return bareHMAC(sha512.New, []byte(secret), hexDecode, sig, body)
		}); err != nil {
			return nil, err
		}
	}
	{
		secret := "github-bench-secret"
		body := mustSample("github")
		h := webhookstest.SignGitHub(body, secret, "push", "d6c7d0a0-5d4e-11ef-8f1e-0242ac120002")
		v, err := webhooks.NewGitHub(secret)
		sig := strings.TrimPrefix(h.Get("X-Hub-Signature-256"), "sha256=")
		if err := add("GitHub", v, err, h, body, publicURL, func() bool {
			return bareHMAC(sha256.New, []byte(secret), hexDecode, sig, body)
		}); err != nil {
			return nil, err
		}
	}
	for _, p := range []struct {
		name string
		svix bool
	}{{"Standard Webhooks", false}, {"Svix", true}} {
		key := []byte("standard-webhooks-bench-key-0123")
		secret := "whsec_" + base64.StdEncoding.EncodeToString(key)
		body := mustSample("standardwebhooks")
		var (
			h   http.Header
			v   *webhooks.StandardWebhooksVerifier
			err error
		)
		prefix := "Webhook-"
		if p.svix {
			prefix = "Svix-"
			h, err = webhookstest.SignSvix(body, secret, "msg_bench1", now)
			if err == nil {
				v, err = webhooks.NewSvix(secret, clock)
			}
		} else {
			h, err = webhookstest.SignStandardWebhooks(body, secret, "msg_bench1", now)
			if err == nil {
				v, err = webhooks.NewStandardWebhooks(secret, clock)
			}
		}
		sig := strings.TrimPrefix(h.Get(prefix+"Signature"), "v1,")
		if err := add(p.name, v, err, h, body, publicURL, func() bool {
			return bareHMAC(sha256.New, key, b64Decode, sig, []byte("msg_bench1"), []byte("."), ts, []byte("."), body)
		}); err != nil {
			return nil, err
		}
	}
	{
		token := "twilio-bench-auth-token-0123456789"
		form, err := url.ParseQuery(string(mustSample("twilio")))
		if err != nil {
			return nil, err
		}
		h, body := webhookstest.SignTwilio(publicURL.String(), form, token)
		v, err := webhooks.NewTwilio(token, webhooks.WithPublicURL(publicURL.String()))
		sig := h.Get("X-Twilio-Signature")
		u := publicURL.String()
		// A hand-written handler must parse the form to build the signed
		// bytes: URL, then each parameter name and value, sorted.
		if err := add("Twilio (form)", v, err, h, body, publicURL, func() bool {
			f, err := url.ParseQuery(string(body))
			return err == nil && bareHMAC(sha1.New, []byte(token), b64Decode, sig, []byte(u), signedParams(f))
		}); err != nil {
			return nil, err
		}
	}
	{
		secret := "slack-bench-signing-secret"
		body := mustSample("slack")
		h := webhookstest.SignSlack(body, secret, now)
		v, err := webhooks.NewSlack(secret, clock)
		sig := strings.TrimPrefix(h.Get("X-Slack-Signature"), "v0=")
		if err := add("Slack", v, err, h, body, publicURL, func() bool {
			return bareHMAC(sha256.New, []byte(secret), hexDecode, sig, []byte("v0:"), ts, []byte(":"), body)
		}); err != nil {
			return nil, err
		}
	}
	{
		secret := "shopify-bench-client-secret"
		body := mustSample("shopify")
		h := webhookstest.SignShopify(body, secret, "orders/create", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", now)
		v, err := webhooks.NewShopify(secret)
		sig := h.Get("X-Shopify-Hmac-Sha256")
		if err := add("Shopify", v, err, h, body, publicURL, func() bool {
			return bareHMAC(sha256.New, []byte(secret), b64Decode, sig, body)
		}); err != nil {
			return nil, err
		}
	}
	{
		key := "mandrill-bench-webhook-key"
		events := mustSample("mandrill")
		h, body := webhookstest.SignMandrill(publicURL.String(), events, key)
		v, err := webhooks.NewMandrill(key, webhooks.WithPublicURL(publicURL.String()))
		sig := h.Get("X-Mandrill-Signature")
		u := publicURL.String()
		if err := add("Mandrill", v, err, h, body, publicURL, func() bool {
			f, err := url.ParseQuery(string(body))
			return err == nil && bareHMAC(sha1.New, []byte(key), b64Decode, sig, []byte(u), signedParams(f))
		}); err != nil {
			return nil, err
		}
	}
	{
		secret := "flutterwave-bench-secret-hash"
		body := mustSample("flutterwave")
		h := webhookstest.SignFlutterwave(body, secret)
		v, err := webhooks.NewFlutterwave(secret)
		sig := h.Get("Flutterwave-Signature")
		if err := add("Flutterwave", v, err, h, body, publicURL, func() bool {
			return bareHMAC(sha256.New, []byte(secret), b64Decode, sig, body)
		}); err != nil {
			return nil, err
		}
	}
	{
		secret := "generic-bench-secret"
		body := mustSample("hmac")
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(ts)
		mac.Write([]byte("."))
		mac.Write(body)
		sig := hex.EncodeToString(mac.Sum(nil))
		h := http.Header{}
		h.Set("X-Acme-Signature", "sha256="+sig)
		h.Set("X-Acme-Timestamp", string(ts))
		h.Set("X-Acme-Id", "a1")
		v, err := webhooks.NewHMAC(secret, webhooks.HMACConfig{
			Provider: "acme", Header: "X-Acme-Signature", Prefix: "sha256=", TimestampHeader: "X-Acme-Timestamp",
			Signed:  "{timestamp}.{body}",
			EventID: func(d *webhooks.Delivery) (string, error) { return d.Header.Get("X-Acme-Id"), nil },
		}, clock)
		if err := add("Generic HMAC (NewHMAC)", v, err, h, body, publicURL, func() bool {
			return bareHMAC(sha256.New, []byte(secret), hexDecode, sig, ts, []byte("."), body)
		}); err != nil {
			return nil, err
		}
	}
	return cases, nil
}

// verifierRows compares every HMAC verifier and SendGrid's ECDSA verifier
// with the bare standard library computation over the same bytes.
func verifierRows(cfg config) []Row {
	cases, err := verifierCases()
	if err != nil {
		return []Row{errorRow("HMAC verifiers", "", err)}
	}
	var rows []Row
	for _, c := range cases {
		if !cfg.want(c.name) {
			continue
		}
		s, b := micro{
			subject:  verifyBench(c.v, c.d, func(ev []webhooks.Event) bool { return len(ev) > 0 }),
			baseline: bareBench(c.bare),
		}.run(cfg.rounds)
		row := microRow(fmt.Sprintf("%s Verify (%d B) vs bare crypto/hmac", c.name, len(c.d.Body)), s, b, "", nil)
		row.Note = "verify + event extraction"
		if c.urlSigned {
			row.Note = "verify + event extraction; baseline parses the form to build the signed bytes"
		}
		rows = append(rows, row)
	}
	if cfg.want("SendGrid") {
		rows = append(rows, sendgridRow(cfg))
	}
	return rows
}

func sendgridRow(cfg config) Row {
	const name = "SendGrid Verify vs bare ecdsa.VerifyASN1"
	now := time.Now()
	priv, pub, err := webhookstest.GenerateSendGridKey()
	if err != nil {
		return errorRow(name, "", err)
	}
	body := mustSample("sendgrid")
	h, err := webhookstest.SignSendGrid(body, priv, now)
	if err != nil {
		return errorRow(name, "", err)
	}
	v, err := webhooks.NewSendGrid(pub, webhooks.WithClock(func() time.Time { return now }))
	if err != nil {
		return errorRow(name, "", err)
	}
	d := &webhooks.Delivery{Method: http.MethodPost, Header: h, Body: body, ReceivedAt: now}
	if _, err := v.Verify(d); err != nil {
		return errorRow(name, "", err)
	}
	sig, err := base64.StdEncoding.DecodeString(h.Get("X-Twilio-Email-Event-Webhook-Signature"))
	if err != nil {
		return errorRow(name, "", err)
	}
	ts := []byte(h.Get("X-Twilio-Email-Event-Webhook-Timestamp"))
	key := &priv.PublicKey
	bare := func() bool {
		d := sha256.New()
		d.Write(ts)
		d.Write(body)
		return ecdsa.VerifyASN1(key, d.Sum(nil), sig)
	}
	s, b := micro{
		subject:  verifyBench(v, d, func(ev []webhooks.Event) bool { return len(ev) > 0 }),
		baseline: bareBench(bare),
	}.run(cfg.rounds)
	row := microRow(fmt.Sprintf("SendGrid Verify (%d B) vs bare ecdsa.VerifyASN1", len(body)), s, b, "", nil)
	row.Note = "verify + event extraction"
	return row
}
