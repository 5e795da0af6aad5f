package webhookstest_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// A test drives a real webhooks.Handler with a signed Stripe delivery.
func Example() {
	v, err := webhooks.NewStripe("whsec_test")
	if err != nil {
		panic(err)
	}
	h, err := webhooks.NewHandler(v)
	if err != nil {
		panic(err)
	}
	h.On("payment_intent.succeeded", func(_ context.Context, e *webhooks.Event) error {
		fmt.Println("handled", e.ID)
		return nil
	})

	body := []byte(`{"id":"evt_123","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1"}}}`)
	req := webhookstest.NewRequest("https://example.com/hooks/stripe", body,
		webhookstest.SignStripe(body, "whsec_test", time.Now()))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code)
	// Output:
	// handled evt_123
	// 200
}

// SignTwilio reproduces the worked example of Twilio's security
// documentation.
func ExampleSignTwilio() {
	form := url.Values{
		"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675310"}, "Digits": {"1234"},
		"From": {"+14158675310"}, "To": {"+18005551212"},
	}
	h, _ := webhookstest.SignTwilio("https://example.com/myapp.php?foo=1&bar=2", form, "12345")
	fmt.Println(h.Get("X-Twilio-Signature"))
	// Output: L/OH5YylLD5NRKLltdqwSvS0BnU=
}

// A SendGrid key pair signs a batch that webhooks.NewSendGrid verifies.
func ExampleGenerateSendGridKey() {
	priv, pub, err := webhookstest.GenerateSendGridKey()
	if err != nil {
		panic(err)
	}
	v, err := webhooks.NewSendGrid(pub)
	if err != nil {
		panic(err)
	}
	body := []byte(`[{"email":"a@example.com","event":"delivered","sg_event_id":"ev-1","timestamp":1700000000}]` + "\r\n")
	h, err := webhookstest.SignSendGrid(body, priv, time.Now())
	if err != nil {
		panic(err)
	}
	events, err := v.Verify(&webhooks.Delivery{Header: h, Body: body})
	if err != nil {
		panic(err)
	}
	fmt.Println(events[0].ID, events[0].Type)
	// Output: ev-1 delivered
}

// SampleEvent gives realistic payloads for demos and tools.
func ExampleSampleEvent() {
	body, err := webhookstest.SampleEvent("github", "push")
	if err != nil {
		panic(err)
	}
	h := webhookstest.SignGitHub(body, "secret", "push", "")
	fmt.Println(h.Get("X-GitHub-Event"), len(h.Get("X-Hub-Signature-256")))
	// Output: push 71
}
