package webhookstest_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return b
}

// deliveryOf turns a request built by NewRequest into the Delivery a
// handler would build from it, with its absolute URL.
func deliveryOf(t *testing.T, req *http.Request) *webhooks.Delivery {
	t.Helper()
	body, err := io.ReadAll(req.Body)
	require.NoError(t, err)
	scheme := "http"
	if req.TLS != nil {
		scheme = "https"
	}
	u := &url.URL{Scheme: scheme, Host: req.Host, Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	return &webhooks.Delivery{Method: req.Method, URL: u, Header: req.Header, Body: body, ReceivedAt: time.Now()}
}

// roundTrip is one provider's signed delivery and the verifier that must
// accept it.
type roundTrip struct {
	name     string
	verifier func(t *testing.T, now time.Time) webhooks.Verifier
	request  func(t *testing.T, now time.Time) *http.Request
	wantID   string // "" means any non-empty ID
	wantType string
	events   int
}

func must[V webhooks.Verifier](t *testing.T) func(V, error) webhooks.Verifier {
	return func(v V, err error) webhooks.Verifier {
		t.Helper()
		require.NoError(t, err)
		return v
	}
}

func clockAt(now time.Time) webhooks.SharedOption {
	return webhooks.WithClock(func() time.Time { return now })
}

func sample(t *testing.T, provider, typ string) []byte {
	t.Helper()
	b, err := webhookstest.SampleEvent(provider, typ)
	require.NoError(t, err)
	return b
}

func roundTrips(t *testing.T) []roundTrip {
	const stdSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	sgPriv, sgPub, err := webhookstest.GenerateSendGridKey()
	require.NoError(t, err)
	stripeBody := []byte(`{"id":"evt_roundtrip","object":"event","api_version":"2019-01-01","type":"payment_intent.succeeded","created":1700000000,"data":{"object":{"id":"pi_1"}}}`)

	return []roundTrip{
		{
			name: "stripe",
			verifier: func(t *testing.T, now time.Time) webhooks.Verifier {
				return must[*webhooks.StripeVerifier](t)(webhooks.NewStripe("whsec_rt", clockAt(now)))
			},
			request: func(t *testing.T, now time.Time) *http.Request {
				return webhookstest.NewRequest("https://example.com/hooks/stripe", stripeBody, webhookstest.SignStripe(stripeBody, "whsec_rt", now))
			},
			wantID: "evt_roundtrip", wantType: "payment_intent.succeeded", events: 1,
		},
		{
			name: "stripe sample",
			verifier: func(t *testing.T, now time.Time) webhooks.Verifier {
				return must[*webhooks.StripeVerifier](t)(webhooks.NewStripe("whsec_rt", clockAt(now)))
			},
			request: func(t *testing.T, now time.Time) *http.Request {
				b := sample(t, "stripe", "charge.refunded")
				return webhookstest.NewRequest("https://example.com/hooks/stripe", b, webhookstest.SignStripe(b, "whsec_rt", now))
			},
			wantType: "charge.refunded", events: 1,
		},
		{
			name: "paystack",
			verifier: func(t *testing.T, _ time.Time) webhooks.Verifier {
				return must[*webhooks.PaystackVerifier](t)(webhooks.NewPaystack("sk_test_rt"))
			},
			request: func(t *testing.T, _ time.Time) *http.Request {
				b := sample(t, "paystack", "")
				return webhookstest.NewRequest("https://example.com/hooks/paystack", b, webhookstest.SignPaystack(b, "sk_test_rt"))
			},
			wantType: "charge.success", events: 1,
		},
		{
			name: "github",
			verifier: func(t *testing.T, _ time.Time) webhooks.Verifier {
				return must[*webhooks.GitHubVerifier](t)(webhooks.NewGitHub("gh-secret"))
			},
			request: func(t *testing.T, _ time.Time) *http.Request {
				b := sample(t, "github", "push")
				return webhookstest.NewRequest("https://example.com/hooks/github", b, webhookstest.SignGitHub(b, "gh-secret", "push", "11111111-2222-4333-8444-555555555555"))
			},
			wantID: "11111111-2222-4333-8444-555555555555", wantType: "push", events: 1,
		},
		{
			name: "standard webhooks",
			verifier: func(t *testing.T, now time.Time) webhooks.Verifier {
				return must[*webhooks.StandardWebhooksVerifier](t)(webhooks.NewStandardWebhooks(stdSecret, clockAt(now)))
			},
			request: func(t *testing.T, now time.Time) *http.Request {
				b := sample(t, "standardwebhooks", "invoice.paid")
				h, err := webhookstest.SignStandardWebhooks(b, stdSecret, "msg_rt1", now)
				require.NoError(t, err)
				return webhookstest.NewRequest("https://example.com/hooks/std", b, h)
			},
			wantID: "msg_rt1", events: 1,
		},
		{
			name: "svix",
			verifier: func(t *testing.T, now time.Time) webhooks.Verifier {
				return must[*webhooks.StandardWebhooksVerifier](t)(webhooks.NewSvix(stdSecret, clockAt(now)))
			},
			request: func(t *testing.T, now time.Time) *http.Request {
				b := sample(t, "svix", "invoice.paid")
				h, err := webhookstest.SignSvix(b, stdSecret, "msg_rt2", now)
				require.NoError(t, err)
				return webhookstest.NewRequest("https://example.com/hooks/svix", b, h)
			},
			wantID: "msg_rt2", events: 1,
		},
		{
			name: "slack",
			verifier: func(t *testing.T, now time.Time) webhooks.Verifier {
				return must[*webhooks.SlackVerifier](t)(webhooks.NewSlack("slack-secret", clockAt(now)))
			},
			request: func(t *testing.T, now time.Time) *http.Request {
				b := sample(t, "slack", "app_mention")
				return webhookstest.NewRequest("https://example.com/hooks/slack", b, webhookstest.SignSlack(b, "slack-secret", now))
			},
			events: 1,
		},
		{
			name: "shopify",
			verifier: func(t *testing.T, _ time.Time) webhooks.Verifier {
				return must[*webhooks.ShopifyVerifier](t)(webhooks.NewShopify("shpss_rt"))
			},
			request: func(t *testing.T, now time.Time) *http.Request {
				b := sample(t, "shopify", "orders/create")
				return webhookstest.NewRequest("https://example.com/hooks/shopify", b, webhookstest.SignShopify(b, "shpss_rt", "orders/create", "evt-shop-1", now))
			},
			wantID: "evt-shop-1", wantType: "orders/create", events: 1,
		},
		{
			name: "flutterwave",
			verifier: func(t *testing.T, _ time.Time) webhooks.Verifier {
				return must[*webhooks.FlutterwaveVerifier](t)(webhooks.NewFlutterwave("flw-hash"))
			},
			request: func(t *testing.T, _ time.Time) *http.Request {
				b := sample(t, "flutterwave", "charge.completed")
				return webhookstest.NewRequest("https://example.com/hooks/flw", b, webhookstest.SignFlutterwave(b, "flw-hash"))
			},
			wantType: "charge.completed", events: 1,
		},
		{
			name: "flutterwave legacy verif-hash",
			verifier: func(t *testing.T, _ time.Time) webhooks.Verifier {
				return must[*webhooks.FlutterwaveVerifier](t)(webhooks.NewFlutterwave("flw-hash", webhooks.WithFlutterwaveVerifHash()))
			},
			request: func(t *testing.T, _ time.Time) *http.Request {
				b := sample(t, "flutterwave", "charge.completed")
				return webhookstest.NewRequest("https://example.com/hooks/flw", b, webhookstest.SignFlutterwaveLegacy("flw-hash"))
			},
			wantType: "charge.completed", events: 1,
		},
		{
			name: "generic hmac",
			verifier: func(t *testing.T, now time.Time) webhooks.Verifier {
				return must[*webhooks.HMACVerifier](t)(webhooks.NewHMAC("acme-secret", webhooks.HMACConfig{
					Provider: "acme", Header: "X-Acme-Signature", Hash: webhooks.SHA512, Encoding: webhooks.Base64,
					Prefix: "v1=", TimestampHeader: "X-Acme-Timestamp", Signed: "{timestamp}.{body}",
				}, clockAt(now)))
			},
			request: func(t *testing.T, now time.Time) *http.Request {
				b := sample(t, "hmac", "order.created")
				h, err := webhookstest.SignHMAC(b, "acme-secret", now, webhooks.HMACConfig{
					Provider: "acme", Header: "X-Acme-Signature", Hash: webhooks.SHA512, Encoding: webhooks.Base64,
					Prefix: "v1=", TimestampHeader: "X-Acme-Timestamp", Signed: "{timestamp}.{body}",
				}, nil)
				require.NoError(t, err)
				return webhookstest.NewRequest("https://example.com/hooks/acme", b, h)
			},
			events: 1,
		},
		{
			name: "twilio form",
			verifier: func(t *testing.T, _ time.Time) webhooks.Verifier {
				return must[*webhooks.TwilioVerifier](t)(webhooks.NewTwilio("twilio-token", webhooks.WithPublicURL("https://example.com/hooks/twilio?tenant=1")))
			},
			request: func(t *testing.T, _ time.Time) *http.Request {
				form, err := url.ParseQuery(string(sample(t, "twilio", "delivered")))
				require.NoError(t, err)
				form.Set("MessageSid", "SMroundtrip")
				h, body := webhookstest.SignTwilio("https://example.com/hooks/twilio?tenant=1", form, "twilio-token")
				return webhookstest.NewRequest("https://example.com/hooks/twilio?tenant=1", body, h)
			},
			wantID: "SMroundtrip:delivered", wantType: "delivered", events: 1,
		},
		{
			name: "twilio JSON with bodySHA256",
			verifier: func(t *testing.T, _ time.Time) webhooks.Verifier {
				return must[*webhooks.TwilioVerifier](t)(webhooks.NewTwilio("twilio-token", webhooks.WithPublicURL("https://example.com/hooks/twilio")))
			},
			request: func(t *testing.T, _ time.Time) *http.Request {
				body := []byte(`{"CallSid":"CArt","CallStatus":"completed"}`)
				target, h := webhookstest.SignTwilioJSON("https://example.com/hooks/twilio", body, "twilio-token")
				return webhookstest.NewRequest(target, body, h)
			},
			wantID: "CArt:completed", wantType: "completed", events: 1,
		},
		{
			name: "sendgrid",
			verifier: func(t *testing.T, now time.Time) webhooks.Verifier {
				return must[*webhooks.SendGridVerifier](t)(webhooks.NewSendGrid(sgPub, webhooks.WithTolerance(time.Minute), clockAt(now)))
			},
			request: func(t *testing.T, now time.Time) *http.Request {
				b := sample(t, "sendgrid", "open")
				h, err := webhookstest.SignSendGrid(b, sgPriv, now)
				require.NoError(t, err)
				return webhookstest.NewRequest("https://example.com/hooks/sendgrid", b, h)
			},
			wantType: "open", events: 1,
		},
		{
			name: "mandrill",
			verifier: func(t *testing.T, _ time.Time) webhooks.Verifier {
				return must[*webhooks.MandrillVerifier](t)(webhooks.NewMandrill("mandrill-key", webhooks.WithPublicURL("https://example.com/hooks/mandrill")))
			},
			request: func(t *testing.T, _ time.Time) *http.Request {
				var batch []json.RawMessage
				for _, typ := range []string{"send", "open", "click"} {
					var one []json.RawMessage
					require.NoError(t, json.Unmarshal(sample(t, "mandrill", typ), &one))
					batch = append(batch, one...)
				}
				events, err := json.Marshal(batch)
				require.NoError(t, err)
				h, body := webhookstest.SignMandrill("https://example.com/hooks/mandrill", events, "mandrill-key")
				return webhookstest.NewRequest("https://example.com/hooks/mandrill", body, h)
			},
			events: 3,
		},
	}
}

// TestRoundTripVerifiers checks that every signer produces deliveries the
// matching verifier accepts, and that a changed body is refused.
func TestRoundTripVerifiers(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	for _, rt := range roundTrips(t) {
		t.Run(rt.name, func(t *testing.T) {
			v := rt.verifier(t, now)
			d := deliveryOf(t, rt.request(t, now))
			events, err := v.Verify(d)
			require.NoError(t, err)
			require.Len(t, events, rt.events)
			for _, e := range events {
				require.Equal(t, v.Provider(), e.Provider)
				require.NotEmpty(t, e.ID)
				require.True(t, json.Valid(e.Data), "data %s", e.Data)
			}
			if rt.wantID != "" {
				require.Equal(t, rt.wantID, events[0].ID)
			}
			if rt.wantType != "" {
				require.Equal(t, rt.wantType, events[0].Type)
			}

			if strings.Contains(rt.name, "legacy") {
				return // verif-hash does not sign the body
			}
			tampered := *d
			tampered.Body = append(append([]byte(nil), d.Body...), ' ')
			_, err = v.Verify(&tampered)
			require.ErrorIs(t, err, webhooks.ErrInvalidSignature)
		})
	}
}

// TestRoundTripHandler drives a webhooks.Handler with every signer's
// request and checks each event reaches the handler's function once.
func TestRoundTripHandler(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	for _, rt := range roundTrips(t) {
		t.Run(rt.name, func(t *testing.T) {
			var (
				mu  sync.Mutex
				ids []string
			)
			h, err := webhooks.NewHandler(rt.verifier(t, now), webhooks.WithLogger(slog.New(slog.DiscardHandler)))
			require.NoError(t, err)
			h.Fallback(func(_ context.Context, e *webhooks.Event) error {
				mu.Lock()
				defer mu.Unlock()
				ids = append(ids, e.ID)
				return nil
			})
			req := rt.request(t, now)
			body, err := io.ReadAll(req.Body)
			require.NoError(t, err)
			for range 2 { // the second delivery is a duplicate
				r := req.Clone(context.Background())
				r.Body = io.NopCloser(strings.NewReader(string(body)))
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			}
			mu.Lock()
			defer mu.Unlock()
			require.Len(t, ids, rt.events)
		})
	}
}

// TestMandrillHeadProbe checks the Handler answers Mandrill's unsigned
// HEAD request.
func TestMandrillHeadProbe(t *testing.T) {
	v, err := webhooks.NewMandrill("mandrill-key", webhooks.WithPublicURL("https://example.com/hooks/mandrill"))
	require.NoError(t, err)
	h, err := webhooks.NewHandler(v, webhooks.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "https://example.com/hooks/mandrill", nil))
	require.Equal(t, http.StatusOK, rec.Code)

	tw, err := webhooks.NewTwilio("t", webhooks.WithPublicURL("https://example.com/hooks/twilio"))
	require.NoError(t, err)
	rec = httptest.NewRecorder()
	th, err := webhooks.NewHandler(tw)
	require.NoError(t, err)
	th.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "https://example.com/hooks/twilio", nil))
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
}
