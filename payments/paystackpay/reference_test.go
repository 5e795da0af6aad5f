package paystackpay_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/payments/paystackpay"
)

// allowed reports whether s holds only what Paystack documents for a
// reference: "Only -, ., = and alphanumeric characters allowed."
func allowed(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '=') {
			return false
		}
	}
	return s != ""
}

func TestReferenceForKey(t *testing.T) {
	tests := []struct {
		key      string
		verbatim bool
		prefix   string
	}{
		{"order-42", true, ""},
		{"Zm9vYmFy=", true, ""},
		{"v1.order.42", true, ""},
		{"order_42", false, "order-42-"},
		{"ORDER 42/retry#1", false, "ORDER-42-retry-1-"},
		{"550e8400-e29b-41d4-a716-446655440000", true, ""},
		{strings.Repeat("a", 64), true, ""},
		{strings.Repeat("a", 65), false, strings.Repeat("a", 24) + "-"},
		{"ключ", false, "---------"},
		{"", false, "-"},
	}
	for _, tt := range tests {
		ref := paystackpay.ReferenceForKey(tt.key)
		require.True(t, allowed(ref), "%q -> %q", tt.key, ref)
		require.LessOrEqual(t, len(ref), 64)
		require.Equal(t, ref, paystackpay.ReferenceForKey(tt.key), "deterministic")
		if tt.verbatim {
			require.Equal(t, tt.key, ref)
		} else {
			require.True(t, strings.HasPrefix(ref, tt.prefix), "%q -> %q", tt.key, ref)
			require.Len(t, ref, len(tt.prefix)+32)
		}
	}
	// Keys that sanitize alike still get different references.
	require.NotEqual(t, paystackpay.ReferenceForKey("order_42"), paystackpay.ReferenceForKey("order 42"))
	require.NotEqual(t, paystackpay.ReferenceForKey("order_42"), paystackpay.ReferenceForKey("order-42"))
}

func FuzzReferenceForKey(f *testing.F) {
	for _, s := range []string{"order-42", "order_42", "", strings.Repeat("x", 100), "ü=.-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		ref := paystackpay.ReferenceForKey(key)
		if !allowed(ref) || len(ref) > 64 {
			t.Fatalf("%q -> %q", key, ref)
		}
		if ref != paystackpay.ReferenceForKey(key) {
			t.Fatal("not deterministic")
		}
	})
}
