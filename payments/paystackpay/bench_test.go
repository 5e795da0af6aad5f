package paystackpay_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/switchboard-go/switchboard/payments/paystackpay"
	"github.com/switchboard-go/switchboard/webhooks"
)

// BenchmarkParseEvent compares normalizing a charge.success delivery with
// the baseline of decoding the same body into a generic map.
func BenchmarkParseEvent(b *testing.B) {
	body, err := os.ReadFile(filepath.Join("testdata", "charge.success.json"))
	if err != nil {
		b.Fatal(err)
	}
	e := &webhooks.Event{ID: "charge.success:59565", Type: "charge.success", Data: body}
	b.Run("ParseEvent", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := paystackpay.ParseEvent(e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-json-map", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
