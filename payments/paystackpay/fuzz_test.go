package paystackpay_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/paystackpay"
	"github.com/switchboard-go/switchboard/webhooks"
)

// FuzzParseEvent feeds arbitrary bodies to the webhook parser: amounts as
// numbers, strings, fractions or garbage, metadata as objects, strings or
// anything else. It must never panic, and an event it returns must be
// complete.
func FuzzParseEvent(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		`{"event":"charge.success","data":{"reference":"r","amount":"12","currency":"NGN","metadata":"{\"a\":1}"}}`,
		`{"event":"charge.success","data":{"reference":"r","amount":1e3,"currency":"NGN","metadata":[1]}}`,
		`{"event":"refund.processed","data":{"id":"9","transaction":{"reference":"r"},"amount":null}}`,
		`{"event":"refund.failed","data":{"transaction_reference":"r","amount":"-5","refund_reference":7}}`,
		`{"event":"charge.dispute.create","data":{"transaction":{"reference":"r","amount":"99"},"refund_amount":""}}`,
		`{"event":"charge.success","data":{"reference":"r","amount":99999999999999999999}}`,
		`{}`, `[]`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := paystackpay.ParseEvent(&webhooks.Event{ID: "x", Data: json.RawMessage(body)})
		if err != nil {
			if ev != nil {
				t.Fatal("event returned with an error")
			}
			if !errors.Is(err, paystackpay.ErrMalformedEvent) && !errors.Is(err, payments.ErrUnhandledEvent) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if !ev.Type.Valid() || ev.PaymentID == "" || ev.Provider != paystackpay.Name || ev.ID != "x" {
			t.Fatalf("incomplete event %+v", ev)
		}
	})
}
