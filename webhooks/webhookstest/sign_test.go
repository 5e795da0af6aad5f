package webhookstest_test

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// Published vectors checked against the signers. Each names its source.
func TestSignersMatchPublishedVectors(t *testing.T) {
	t.Run("GitHub docs example", func(t *testing.T) {
		// https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
		h := webhookstest.SignGitHub([]byte("Hello, World!"), "It's a Secret to Everybody", "ping", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
		require.Equal(t, "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", h.Get("X-Hub-Signature-256"))
		require.Equal(t, "ping", h.Get("X-GitHub-Event"))
		require.Equal(t, "72d3162e-cc78-11e3-81ab-4c9367dc0958", h.Get("X-GitHub-Delivery"))
	})
	t.Run("Standard Webhooks and Svix library vector", func(t *testing.T) {
		// standard-webhooks libraries/go/webhook_test.go (TestWebhookSign)
		// and svix-webhooks go/webhook_test.go (TestWebhookSign).
		ts := time.Unix(1614265330, 0)
		body := []byte(`{"test": 2432232314}`)
		h, err := webhookstest.SignStandardWebhooks(body, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", ts)
		require.NoError(t, err)
		require.Equal(t, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", h.Get("webhook-signature"))
		require.Equal(t, "1614265330", h.Get("webhook-timestamp"))
		require.Equal(t, "msg_p5jXN8AQM9LWM0D4loKWxJek", h.Get("webhook-id"))
		h, err = webhookstest.SignSvix(body, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", ts)
		require.NoError(t, err)
		require.Equal(t, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", h.Get("svix-signature"))
		require.Equal(t, "1614265330", h.Get("svix-timestamp"))
		require.Equal(t, "msg_p5jXN8AQM9LWM0D4loKWxJek", h.Get("svix-id"))
	})
	t.Run("Slack docs example", func(t *testing.T) {
		// https://api.slack.com/authentication/verifying-requests-from-slack
		body := "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
		h := webhookstest.SignSlack([]byte(body), "8f742231b10e8888abcd99yyyzzz85a5", time.Unix(1531420618, 0))
		require.Equal(t, "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", h.Get("X-Slack-Signature"))
		require.Equal(t, "1531420618", h.Get("X-Slack-Request-Timestamp"))
	})
	t.Run("Twilio docs worked example", func(t *testing.T) {
		// https://www.twilio.com/docs/usage/security ("Explore the algorithm yourself")
		form := url.Values{
			"Digits": {"1234"}, "To": {"+18005551212"}, "From": {"+14158675310"},
			"Caller": {"+14158675310"}, "CallSid": {"CA1234567890ABCDE"},
		}
		h, body := webhookstest.SignTwilio("https://example.com/myapp.php?foo=1&bar=2", form, "12345")
		require.Equal(t, "L/OH5YylLD5NRKLltdqwSvS0BnU=", h.Get("X-Twilio-Signature"))
		got, err := url.ParseQuery(string(body))
		require.NoError(t, err)
		require.Equal(t, form, got)
	})
	t.Run("Twilio SDK vectors", func(t *testing.T) {
		// twilio-go client/request_validator_test.go and twilio-python
		// tests/unit/test_request_validator.py.
		form := url.Values{
			"Digits": {"1234"}, "CallSid": {"CA1234567890ABCDE"}, "To": {"+18005551212"},
			"Caller": {"+14158675309"}, "From": {"+14158675309"},
		}
		h, _ := webhookstest.SignTwilio("https://mycompany.com/myapp.php?foo=1&bar=2", form, "12345")
		require.Equal(t, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", h.Get("X-Twilio-Signature"))
		dup := url.Values{"Sid": {"CA123"}, "SidAccount": {"AC123"}, "Digits": {"5678", "1234", "1234"}}
		h, _ = webhookstest.SignTwilio("https://mycompany.com/myapp.php?foo=1&bar=2", dup, "12345")
		require.Equal(t, "IK+Dwps556ElfBT0I3Rgjkr1wJU=", h.Get("X-Twilio-Signature"))

		body := []byte(`{"property": "value", "boolean": true}`)
		target, h := webhookstest.SignTwilioJSON("https://mycompany.com/myapp.php?foo=1&bar=2", body, "12345")
		require.Equal(t, "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620", target)
		require.Equal(t, "a9nBmqA0ju/hNViExpshrM61xv4=", h.Get("X-Twilio-Signature"))
		target, h = webhookstest.SignTwilioJSON("https://mycompany.com/myapp.php", body, "12345")
		require.Equal(t, "https://mycompany.com/myapp.php?bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620", target)
		require.Equal(t, "y77kIzt2vzLz71DgmJGsen2scGs=", h.Get("X-Twilio-Signature"))
	})
	t.Run("Mandrill vector computed with Python", func(t *testing.T) {
		// ../testdata/mandrill/vectors.json: no published vector exists.
		var file struct {
			Vectors []struct {
				Key, URL, Body, Signature string
			} `json:"vectors"`
		}
		raw := readFile(t, "../testdata/mandrill/vectors.json")
		require.NoError(t, json.Unmarshal(raw, &file))
		vc := file.Vectors[0]
		form, err := url.ParseQuery(vc.Body)
		require.NoError(t, err)
		h, body := webhookstest.SignMandrill(vc.URL, []byte(form.Get("mandrill_events")), vc.Key)
		require.Equal(t, vc.Signature, h.Get("X-Mandrill-Signature"))
		require.Equal(t, vc.Body, string(body))
	})
}

func TestSignStripeMatchesStripeGo(t *testing.T) {
	ts := time.Unix(1700000000, 0)
	body := []byte(`{"id":"evt_1","object":"event"}`)
	h := webhookstest.SignStripe(body, "whsec_test_secret", ts)
	want := hex.EncodeToString(webhook.ComputeSignature(ts, body, "whsec_test_secret"))
	require.Equal(t, "t=1700000000,v1="+want, h.Get("Stripe-Signature"))
	require.NoError(t, webhook.ValidatePayloadIgnoringTolerance(body, h.Get("Stripe-Signature"), "whsec_test_secret"))
}

func TestSignersShape(t *testing.T) {
	body := []byte(`{"event":"charge.success","data":{"id":1}}`)
	now := time.Unix(1700000000, 0)

	h := webhookstest.SignPaystack(body, "sk_test_x")
	require.Regexp(t, `^[0-9a-f]{128}$`, h.Get("x-paystack-signature"))

	h = webhookstest.SignShopify(body, "shpss_x", "orders/create", "", now)
	require.Len(t, h.Get("X-Shopify-Hmac-Sha256"), 44)
	require.Equal(t, "orders/create", h.Get("X-Shopify-Topic"))
	require.NotEmpty(t, h.Get("X-Shopify-Event-Id"))
	require.Equal(t, h.Get("X-Shopify-Event-Id"), h.Get("X-Shopify-Webhook-Id"))
	require.Equal(t, "2023-11-14T22:13:20Z", h.Get("X-Shopify-Triggered-At"))

	h = webhookstest.SignFlutterwave(body, "hash")
	require.Len(t, h.Get("flutterwave-signature"), 44)
	require.Equal(t, "hash", webhookstest.SignFlutterwaveLegacy("hash").Get("verif-hash"))

	h = webhookstest.SignGitHub(body, "s", "push", "")
	require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, h.Get("X-GitHub-Delivery"))

	h, err := webhookstest.SignStandardWebhooks(body, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "", now)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(h.Get("webhook-id"), "msg_"))
	_, err = webhookstest.SignStandardWebhooks(body, "whsec_***", "m", now)
	require.Error(t, err)
	_, err = webhookstest.SignSvix(body, "whsec_", "m", now)
	require.Error(t, err)

	for name, tc := range map[string]struct {
		cfg webhooks.HMACConfig
		re  string
	}{
		"sha1 hex":           {webhooks.HMACConfig{Header: "X-Sig", Hash: webhooks.SHA1}, `^[0-9a-f]{40}$`},
		"sha256 default":     {webhooks.HMACConfig{Header: "X-Sig"}, `^[0-9a-f]{64}$`},
		"sha512 base64":      {webhooks.HMACConfig{Header: "X-Sig", Hash: webhooks.SHA512, Encoding: webhooks.Base64}, `^[A-Za-z0-9+/]{86}==$`},
		"prefix":             {webhooks.HMACConfig{Header: "X-Sig", Prefix: "sha256="}, `^sha256=[0-9a-f]{64}$`},
		"timestamp template": {webhooks.HMACConfig{Header: "X-Sig", TimestampHeader: "X-Ts", Signed: "{timestamp}.{body}"}, `^[0-9a-f]{64}$`},
	} {
		t.Run(name, func(t *testing.T) {
			h, err := webhookstest.SignHMAC(body, "secret", now, tc.cfg, nil)
			require.NoError(t, err)
			require.Regexp(t, tc.re, h.Get("X-Sig"))
			if tc.cfg.TimestampHeader != "" {
				require.Equal(t, "1700000000", h.Get(tc.cfg.TimestampHeader))
			}
		})
	}
	_, err = webhookstest.SignHMAC(body, "s", now, webhooks.HMACConfig{}, nil)
	require.Error(t, err)
	_, err = webhookstest.SignHMAC(body, "s", now, webhooks.HMACConfig{Header: "X", Hash: webhooks.HashFunc(9)}, nil)
	require.Error(t, err)
	_, err = webhookstest.SignHMAC(body, "s", now, webhooks.HMACConfig{Header: "X", Signed: "{nope}"}, nil)
	require.Error(t, err)
}

// One HMACConfig describes the scheme to the signer and to the verifier.
func TestSignHMACMatchesNewHMAC(t *testing.T) {
	now := time.Unix(1700000000, 0)
	body := []byte(`{"id":"a1"}`)
	for _, cfg := range []webhooks.HMACConfig{
		{Provider: "acme", Header: "X-Sig"},
		{Provider: "acme", Header: "X-Sig", Hash: webhooks.SHA512, Encoding: webhooks.Base64, Prefix: "v1="},
		{Provider: "acme", Header: "X-Sig", TimestampHeader: "X-Ts", Signed: "v0:{timestamp}:{header:X-Id}:{body}"},
	} {
		h, err := webhookstest.SignHMAC(body, "secret", now, cfg, http.Header{"X-Id": {"id-1"}})
		require.NoError(t, err)
		var opts []webhooks.VerifierOption
		if cfg.TimestampHeader != "" {
			opts = append(opts, webhooks.WithClock(func() time.Time { return now }))
		}
		v, err := webhooks.NewHMAC("secret", cfg, opts...)
		require.NoError(t, err)
		_, err = v.Verify(&webhooks.Delivery{Header: h, Body: body})
		require.NoError(t, err)
	}
}

func TestSendGridKeyAndSignature(t *testing.T) {
	priv, pub, err := webhookstest.GenerateSendGridKey()
	require.NoError(t, err)
	der, err := base64.StdEncoding.DecodeString(pub)
	require.NoError(t, err)
	key, err := x509.ParsePKIXPublicKey(der)
	require.NoError(t, err)
	require.True(t, priv.PublicKey.Equal(key))

	body, err := webhookstest.SampleEvent("sendgrid", "delivered")
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(string(body), "\r\n"))
	ts := time.Unix(1700000000, 0)
	h, err := webhookstest.SignSendGrid(body, priv, ts)
	require.NoError(t, err)
	require.Equal(t, "1700000000", h.Get("X-Twilio-Email-Event-Webhook-Timestamp"))
	sig, err := base64.StdEncoding.DecodeString(h.Get("X-Twilio-Email-Event-Webhook-Signature"))
	require.NoError(t, err)
	digest := sha256.Sum256(append([]byte("1700000000"), body...))
	require.True(t, ecdsa.VerifyASN1(key.(*ecdsa.PublicKey), digest[:], sig))

	_, err = webhookstest.SignSendGrid(body, nil, ts)
	require.Error(t, err)
}

func TestNewRequest(t *testing.T) {
	h := http.Header{}
	h.Set("X-Test", "1")
	req := webhookstest.NewRequest("https://example.com/hooks?x=1", []byte("abc"), h)
	require.Equal(t, http.MethodPost, req.Method)
	require.Equal(t, "example.com", req.Host)
	require.Equal(t, "/hooks", req.URL.Path)
	require.Equal(t, "x=1", req.URL.RawQuery)
	require.NotNil(t, req.TLS)
	require.Equal(t, "1", req.Header.Get("X-Test"))
	require.Equal(t, "application/json", req.Header.Get("Content-Type"))
	require.Equal(t, int64(3), req.ContentLength)
	b, err := io.ReadAll(req.Body)
	require.NoError(t, err)
	require.Equal(t, "abc", string(b))

	h.Set("Content-Type", "application/x-www-form-urlencoded")
	req = webhookstest.NewRequest("http://example.com/", nil, h)
	require.Equal(t, "application/x-www-form-urlencoded", req.Header.Get("Content-Type"))
	require.Nil(t, req.TLS)
	// The request holds a copy of the header.
	h.Set("X-Test", "2")
	require.Equal(t, "1", req.Header.Get("X-Test"))
}

func TestSampleEvent(t *testing.T) {
	for _, p := range webhookstest.Providers() {
		t.Run(p, func(t *testing.T) {
			typ := webhookstest.DefaultEventType(p)
			require.NotEmpty(t, typ)
			b, err := webhookstest.SampleEvent(p, "")
			require.NoError(t, err)
			switch p {
			case "twilio":
				form, err := url.ParseQuery(string(b))
				require.NoError(t, err)
				require.Equal(t, typ, form.Get("MessageStatus"))
			case "africastalking":
				form, err := url.ParseQuery(string(b))
				require.NoError(t, err)
				require.Equal(t, typ, form.Get("status"))
				require.NotEmpty(t, form.Get("id"))
			case "sendgrid", "mandrill":
				var arr []map[string]any
				require.NoError(t, json.Unmarshal(b, &arr))
				require.Len(t, arr, 1)
				require.Equal(t, typ, arr[0]["event"])
			default:
				var obj map[string]any
				require.NoError(t, json.Unmarshal(b, &obj))
				require.NotEmpty(t, obj)
			}
			b2, err := webhookstest.SampleEvent(p, "")
			require.NoError(t, err)
			require.NotEqual(t, string(b), string(b2), "samples carry fresh identifiers")
		})
	}
	_, err := webhookstest.SampleEvent("nope", "x")
	require.ErrorIs(t, err, webhookstest.ErrUnknownProvider)
	require.Empty(t, webhookstest.DefaultEventType("nope"))

	b, err := webhookstest.SampleEvent("Standard-Webhooks", "")
	require.NoError(t, err)
	require.Contains(t, string(b), `"type":"invoice.paid"`)

	b, err = webhookstest.SampleEvent("twilio", "completed")
	require.NoError(t, err)
	form, err := url.ParseQuery(string(b))
	require.NoError(t, err)
	require.Equal(t, "completed", form.Get("CallStatus"))
	_, err = time.Parse(time.RFC1123Z, form.Get("Timestamp"))
	require.NoError(t, err)

	b, err = webhookstest.SampleEvent("twilio", "received")
	require.NoError(t, err)
	form, err = url.ParseQuery(string(b))
	require.NoError(t, err)
	require.Equal(t, "received", form.Get("SmsStatus"))
	require.NotEmpty(t, form.Get("Body"))

	b, err = webhookstest.SampleEvent("slack", "url_verification")
	require.NoError(t, err)
	require.Contains(t, string(b), `"challenge"`)
}
