package sms_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/switchboard-go/switchboard/sms"
)

var benchBodies = map[string]string{
	"GSM160":  strings.Repeat("Your order 1234 has shipped. ", 6)[:160],
	"UCS2300": strings.Repeat("Commande expédiée ✓ 🚀 ", 14),
}

var sink int

// BenchmarkCountSegments against a baseline that only counts the runes of
// the same body: the ratio is what classifying each character and
// splitting costs.
func BenchmarkCountSegments(b *testing.B) {
	for name, body := range benchBodies {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sink += sms.CountSegments(body).Count
			}
		})
		b.Run(name+"/baseline-RuneCount", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sink += utf8.RuneCountInString(body)
			}
		})
	}
}

// BenchmarkValidate against CountSegments alone, which Validate runs.
func BenchmarkValidate(b *testing.B) {
	m := &sms.Message{To: "+233241234567", From: "SHOP", Body: benchBodies["GSM160"], Metadata: map[string]string{"order": "7"}, IdempotencyKey: "order-7"}
	l := sms.Limits{Provider: "twilio", MaxLength: 1600, RequireSender: true}
	b.Run("Validate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s, _ := sms.Validate(m, l)
			sink += s.Count
		}
	})
	b.Run("baseline-CountSegments", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink += sms.CountSegments(m.Body).Count
		}
	})
}
