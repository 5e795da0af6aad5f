package sandboxpay_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/sandboxpay"
	"github.com/switchboard-go/switchboard/webhooks"
)

func FuzzParseEvent(f *testing.F) {
	seeds := []string{
		`{"type":"payment.succeeded","timestamp":"2026-01-02T03:04:05Z","data":{"object":"payment","id":"pay_1","status":"succeeded","amount":2999,"currency":"USD","metadata":{"a":"b"}}}`,
		`{"type":"refund.failed","timestamp":"2026-01-02T03:04:05Z","data":{"object":"refund","id":"re_1","payment_id":"pay_1","amount":5,"currency":"USD","payment":{"id":"pay_1"}}}`,
		`{"type":"dispute.opened","data":{"object":"dispute","id":"dp_1","payment_id":"pay_1","amount":5,"currency":"USD","payment":null}}`,
		`{"type":"payment.canceled","data":{}}`,
		`{"type":"payment.failed","data":{"id":"pay_1","amount":"12"}}`,
		`[]`, `null`, ``,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	p, err := sandboxpay.New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := p.ParseEvent(&webhooks.Event{ID: "msg_1", Data: json.RawMessage(body)})
		if err != nil {
			if ev != nil {
				t.Fatal("event with error")
			}
			return
		}
		if !ev.Type.Valid() || ev.Provider != sandboxpay.Name || ev.PaymentID == "" {
			t.Fatalf("invalid event %+v", ev)
		}
		if errors.Is(err, payments.ErrUnhandledEvent) {
			t.Fatal("unreachable")
		}
	})
}
