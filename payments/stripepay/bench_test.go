package stripepay_test

import (
	"encoding/json"
	"testing"

	"github.com/stripe/stripe-go/v76"

	"github.com/switchboard-go/switchboard/payments/stripepay"
	"github.com/switchboard-go/switchboard/webhooks"
)

// BenchmarkParseEvent compares the partial decode of ParseEvent with a
// baseline decoding the whole event into stripe-go's types, as
// webhook.ConstructEvent followed by json.Unmarshal of the object would.
func BenchmarkParseEvent(b *testing.B) {
	body := readEvent(b, "payment_intent.succeeded.json")
	ev := &webhooks.Event{Provider: "stripe", ID: "evt_1", Type: "payment_intent.succeeded", Data: body}
	b.Run("ParseEvent", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := (stripepay.EventParser{}).ParseEvent(ev); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-stripe-go", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var e stripe.Event
			if err := json.Unmarshal(body, &e); err != nil {
				b.Fatal(err)
			}
			var pi stripe.PaymentIntent
			if err := json.Unmarshal(e.Data.Raw, &pi); err != nil {
				b.Fatal(err)
			}
		}
	})
}
