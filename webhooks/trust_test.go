package webhooks_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// Every verifier derives the key the Handler de-duplicates on from signed
// bytes only, as the package documentation's table says.
func TestDedupKeysComeFromSignedBytes(t *testing.T) {
	now := time.Now()
	clock := webhooks.WithClock(func() time.Time { return now })
	const pub = "https://example.com/hook"
	std := "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	sgPriv, sgPub, err := webhookstest.GenerateSendGridKey()
	require.NoError(t, err)

	type tc struct {
		name    string
		v       func() (webhooks.Verifier, error)
		deliver func() (*webhooks.Delivery, string) // and the expected key
	}
	d := func(h http.Header, body []byte) *webhooks.Delivery {
		u, _ := url.Parse(pub)
		return &webhooks.Delivery{Method: http.MethodPost, URL: u, Header: h, Body: body}
	}
	tests := []tc{
		{"stripe", func() (webhooks.Verifier, error) { return webhooks.NewStripe("whsec_k", clock) }, func() (*webhooks.Delivery, string) {
			b := []byte(`{"id":"evt_9","type":"a"}`)
			return d(webhookstest.SignStripe(b, "whsec_k", now), b), "evt_9"
		}},
		{"paystack", func() (webhooks.Verifier, error) { return webhooks.NewPaystack("sk_k") }, func() (*webhooks.Delivery, string) {
			b := []byte(`{"event":"charge.success","data":{"id":12,"reference":"r"}}`)
			return d(webhookstest.SignPaystack(b, "sk_k"), b), "charge.success:12"
		}},
		{"github", func() (webhooks.Verifier, error) { return webhooks.NewGitHub("k") }, func() (*webhooks.Delivery, string) {
			b := []byte(`{"zen":"z","hook_id":1}`)
			return d(webhookstest.SignGitHub(b, "k", "ping", "unsigned-id"), b), sha(b)
		}},
		{"standardwebhooks", func() (webhooks.Verifier, error) { return webhooks.NewStandardWebhooks(std, clock) }, func() (*webhooks.Delivery, string) {
			b := []byte(`{"type":"a"}`)
			h, _ := webhookstest.SignStandardWebhooks(b, std, "msg_1", now)
			return d(h, b), "msg_1"
		}},
		{"svix", func() (webhooks.Verifier, error) { return webhooks.NewSvix(std, clock) }, func() (*webhooks.Delivery, string) {
			b := []byte(`{"type":"a"}`)
			h, _ := webhookstest.SignSvix(b, std, "msg_2", now)
			return d(h, b), "msg_2"
		}},
		{"slack", func() (webhooks.Verifier, error) { return webhooks.NewSlack("k", clock) }, func() (*webhooks.Delivery, string) {
			b := []byte(`{"type":"event_callback","event_id":"Ev1","event":{"type":"app_mention"}}`)
			return d(webhookstest.SignSlack(b, "k", now), b), "Ev1"
		}},
		{"shopify", func() (webhooks.Verifier, error) { return webhooks.NewShopify("k") }, func() (*webhooks.Delivery, string) {
			b := []byte(`{"id":1,"admin_graphql_api_id":"gid://shopify/Order/1"}`)
			return d(webhookstest.SignShopify(b, "k", "orders/create", "unsigned-id", now), b), sha(b)
		}},
		{"flutterwave", func() (webhooks.Verifier, error) { return webhooks.NewFlutterwave("k") }, func() (*webhooks.Delivery, string) {
			b := []byte(`{"type":"charge.completed","data":{"id":77}}`)
			return d(webhookstest.SignFlutterwave(b, "k"), b), "77"
		}},
		{"twilio form", func() (webhooks.Verifier, error) { return webhooks.NewTwilio("k", webhooks.WithPublicURL(pub)) }, func() (*webhooks.Delivery, string) {
			h, b := webhookstest.SignTwilio(pub, url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"sent"}}, "k")
			return d(h, b), sha([]byte(pub + "MessageSidSM1MessageStatussent"))
		}},
		{"twilio JSON", func() (webhooks.Verifier, error) { return webhooks.NewTwilio("k", webhooks.WithPublicURL(pub)) }, func() (*webhooks.Delivery, string) {
			b := []byte(`{"MessageSid":"SM1"}`)
			_, h := webhookstest.SignTwilioJSON(pub, b, "k")
			return d(h, b), sha(b)
		}},
		{"mandrill", func() (webhooks.Verifier, error) { return webhooks.NewMandrill("k", webhooks.WithPublicURL(pub)) }, func() (*webhooks.Delivery, string) {
			h, b := webhookstest.SignMandrill(pub, []byte(`[{"event":"send","_id":"m1","ts":1}]`), "k")
			return d(h, b), "m1"
		}},
		{"sendgrid", func() (webhooks.Verifier, error) { return webhooks.NewSendGrid(sgPub) }, func() (*webhooks.Delivery, string) {
			b := []byte(`[{"event":"delivered","sg_event_id":"sg1","timestamp":1}]`)
			h, _ := webhookstest.SignSendGrid(b, sgPriv, now)
			return d(h, b), "sg1"
		}},
		{"hmac without EventID", func() (webhooks.Verifier, error) {
			return webhooks.NewHMAC("k", webhooks.HMACConfig{Provider: "acme", Header: "X-Sig"})
		}, func() (*webhooks.Delivery, string) {
			b := []byte(`{"a":1}`)
			h, _ := webhookstest.SignHMAC(b, "k", now, webhooks.HMACConfig{Header: "X-Sig"}, nil)
			return d(h, b), sha(b)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := tt.v()
			require.NoError(t, err)
			del, want := tt.deliver()
			events, err := v.Verify(del)
			require.NoError(t, err)
			require.Len(t, events, 1)
			require.Equal(t, want, events[0].DedupKey)
		})
	}
}

// X-GitHub-Event must fit the signed payload.
func TestGitHubTypeHeaderMustFitThePayload(t *testing.T) {
	v, err := webhooks.NewGitHub("k")
	require.NoError(t, err)
	push := `{"ref":"refs/heads/main","before":"a","after":"b","commits":[],"installation":{"id":1}}`
	issue := `{"action":"opened","issue":{"number":1},"repository":{}}`
	comment := `{"action":"created","issue":{"number":1},"comment":{"id":2}}`
	labeled := `{"action":"labeled","issue":{"number":1},"label":{"name":"bug"}}`
	alert := `{"action":"created","alert":{"number":3}}`
	codeAlert := `{"action":"created","alert":{"number":3},"ref":"refs/heads/main","commit_oid":"abc"}`
	plain := `{"action":"started","repository":{}}`
	tests := []struct {
		body, event string
		ok          bool
	}{
		{push, "push", true},
		{push, "pull_request", false},
		{push, "installation", false},
		{push, "made_up", false},
		{issue, "issues", true},
		{issue, "issue_comment", false},
		{comment, "issue_comment", true},
		{comment, "issues", false},
		{labeled, "issues", true},
		{labeled, "label", false},
		{alert, "dependabot_alert", true},
		{alert, "secret_scanning_alert", true}, // indistinguishable: documented
		{codeAlert, "code_scanning_alert", true},
		{codeAlert, "dependabot_alert", false},
		{plain, "watch", true},
		{plain, "push", false},
		// Event types whose payloads carry another type's object.
		{`{"action":"requested","deployment":{"id":1},"deployment_callback_url":"https://x","environment":"prod"}`, "deployment_protection_rule", true},
		{`{"action":"requested","deployment":{"id":1},"deployment_callback_url":"https://x","environment":"prod"}`, "deployment", false},
		{`{"action":"approved","workflow_run":{"id":1},"since":"2024-01-01T00:00:00Z"}`, "deployment_review", true},
		{`{"action":"approved","workflow_run":{"id":1},"since":"2024-01-01T00:00:00Z","workflow":{}}`, "workflow_run", false},
		{`{"action":"completed","workflow_run":{"id":1},"workflow":{"id":2}}`, "workflow_run", true},
		{`{"action":"created","alert":{"number":1},"location":{"type":"commit"}}`, "secret_scanning_alert_location", true},
		{`{"action":"created","alert":{"number":1},"location":{"type":"commit"}}`, "secret_scanning_alert", false},
		{`{"action":"queued","workflow_job":{"id":1},"deployment":{"id":2}}`, "workflow_job", true},
	}
	for _, tt := range tests {
		b := []byte(tt.body)
		_, err := v.Verify(&webhooks.Delivery{Header: webhookstest.SignGitHub(b, "k", tt.event, "d"), Body: b})
		if tt.ok {
			require.NoError(t, err, "%s on %s", tt.event, tt.body)
		} else {
			require.ErrorIs(t, err, webhooks.ErrMalformedHeader, "%s on %s", tt.event, tt.body)
		}
	}
	// Every sample webhookstest shapes for GitHub fits its own type.
	for _, typ := range webhookstest.EventTypes("github") {
		b, err := webhookstest.SampleEvent("github", typ)
		require.NoError(t, err)
		_, err = v.Verify(&webhooks.Delivery{Header: webhookstest.SignGitHub(b, "k", typ, "d"), Body: b})
		require.NoError(t, err, typ)
	}
}

// X-Shopify-Topic must name the resource the signed body is about, where
// the body says it.
func TestShopifyTopicMustFitThePayload(t *testing.T) {
	v, err := webhooks.NewShopify("k")
	require.NoError(t, err)
	order := `{"id":1,"admin_graphql_api_id":"gid://shopify/Order/1"}`
	tests := []struct {
		body, topic string
		ok          bool
	}{
		{order, "orders/create", true},
		{order, "orders/paid", true}, // the action is not said: documented
		{order, "products/update", false},
		{order, "customers/create", false},
		{order, "app/uninstalled", true}, // a resource the table does not know
		{`{"id":1,"admin_graphql_api_id":"gid://shopify/Product/1"}`, "products/update", true},
		{`{"id":1,"admin_graphql_api_id":"gid://shopify/Product/1"}`, "orders/create", false},
		{`{"id":1,"admin_graphql_api_id":"gid://shopify/AppSubscription/1"}`, "orders/create", true},
		{`{"id":1}`, "orders/create", true},
	}
	for _, tt := range tests {
		b := []byte(tt.body)
		_, err := v.Verify(&webhooks.Delivery{Header: webhookstest.SignShopify(b, "k", tt.topic, "", time.Now()), Body: b})
		if tt.ok {
			require.NoError(t, err, "%s on %s", tt.topic, tt.body)
		} else {
			require.ErrorIs(t, err, webhooks.ErrMalformedHeader, "%s on %s", tt.topic, tt.body)
		}
	}
	for _, topic := range webhookstest.EventTypes("shopify") {
		b, err := webhookstest.SampleEvent("shopify", topic)
		require.NoError(t, err)
		_, err = v.Verify(&webhooks.Delivery{Header: webhookstest.SignShopify(b, "k", topic, "", time.Now()), Body: b})
		require.NoError(t, err, topic)
	}
}

// FuzzStripeParsingMatchesEncodingJSON signs arbitrary bodies and checks
// the Stripe verifier against encoding/json: what it accepts decodes to
// the same id and type, and what encoding/json refuses it refuses.
func FuzzStripeParsingMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{`{"id":"evt_1","type":"a"}`, `{"id":"evt_1","type":"a",}`, `{"id":"a","ID":"b","type":"x"}`,
		`{"id":"evt_1"}`, `{"type":"a"}`, `[]`, `{"id":"e","data":{"x":[1,]}}`, `{"id":"\u0065","type":null}`} {
		f.Add([]byte(s))
	}
	now := time.Unix(1700000000, 0)
	v, err := webhooks.NewStripe("whsec_f", webhooks.WithClock(func() time.Time { return now }))
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := v.Verify(&webhooks.Delivery{Header: webhookstest.SignStripe(body, "whsec_f", now), Body: body})
		var want struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		}
		jerr := json.Unmarshal(body, &want)
		if err != nil {
			if !errors.Is(err, webhooks.ErrMalformedBody) {
				t.Fatalf("a genuine body refused as not genuine: %v", err)
			}
			return
		}
		if jerr != nil {
			t.Fatalf("accepted, but encoding/json refuses it: %v", jerr)
		}
		if events[0].ID != want.ID || events[0].Type != want.Type {
			t.Fatalf("read id %q type %q, encoding/json %q %q", events[0].ID, events[0].Type, want.ID, want.Type)
		}
	})
}
