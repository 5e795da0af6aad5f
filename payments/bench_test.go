package payments_test

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/switchboard-go/switchboard/payments"
)

// BenchmarkParseMoney compares ParseMoney with a baseline that parses the
// amount as a float64 and scales it, the common (and lossy) alternative.
func BenchmarkParseMoney(b *testing.B) {
	b.Run("ParseMoney", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := payments.ParseMoney("1234567.89 USD"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-ParseFloat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			num, code, _ := strings.Cut("1234567.89 USD", " ")
			f, err := strconv.ParseFloat(num, 64)
			if err != nil {
				b.Fatal(err)
			}
			_ = payments.Money{Amount: int64(math.Round(f * 100)), Currency: payments.Currency(code)}
		}
	})
}

func BenchmarkMoneyString(b *testing.B) {
	m := payments.NewMoney(123456789, "USD")
	b.Run("String", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = m.String()
		}
	})
	b.Run("baseline-FormatFloat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = strconv.FormatFloat(float64(m.Amount)/100, 'f', 2, 64) + " " + string(m.Currency)
		}
	})
}
