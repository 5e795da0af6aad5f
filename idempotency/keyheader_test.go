package idempotency_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
)

func TestParseKey(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{`"8e03978e-40d5-43e8-bc93-6894a57f9324"`, "8e03978e-40d5-43e8-bc93-6894a57f9324", true},
		{`8e03978e-40d5-43e8-bc93-6894a57f9324`, "8e03978e-40d5-43e8-bc93-6894a57f9324", true},
		{`  "padded"  `, "padded", true},
		{`"with space"`, "with space", true},
		{`"esc\"aped\\"`, `esc"aped\`, true},
		{`"k";ttl=10`, "k", true},
		{`"k" ; a=1`, "k", true},
		{`""`, "", false},
		{``, "", false},
		{`"open`, "", false},
		{`"bad\x"`, "", false},
		{`"k" trailing`, "", false},
		{`"k"x`, "", false},
		{`bare space`, "", false},
		{`bare"quote`, "", false},
		{"\"tab\there\"", "", false},
		{"\"\x7f\"", "", false},
		{`"` + strings.Repeat("a", 256) + `"`, "", false},
		{`"` + strings.Repeat("a", 255) + `"`, strings.Repeat("a", 255), true},
	}
	for _, tc := range tests {
		got, err := idempotency.ParseKey(tc.in)
		if !tc.ok {
			require.ErrorIs(t, err, idempotency.ErrInvalidKey, "%q", tc.in)
			continue
		}
		require.NoError(t, err, "%q", tc.in)
		require.Equal(t, tc.want, got)
	}
}

func TestQuoteKeyRoundTrip(t *testing.T) {
	for _, k := range []string{"a", `q"uote`, `back\slash`, "with space", strings.Repeat("x", 255)} {
		got, err := idempotency.ParseKey(idempotency.QuoteKey(k))
		require.NoError(t, err)
		require.Equal(t, k, got)
	}
}

func FuzzParseKey(f *testing.F) {
	for _, s := range []string{`"8e03978e-40d5-43e8-bc93-6894a57f9324"`, `bare`, `"esc\"aped"`, `"k";p=1`, `""`, `"`, `\`, "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		key, err := idempotency.ParseKey(v)
		if err != nil {
			return
		}
		if verr := idempotency.ValidateKey(key); verr != nil {
			t.Fatalf("ParseKey(%q) = %q, which ValidateKey rejects: %v", v, key, verr)
		}
		again, err := idempotency.ParseKey(idempotency.QuoteKey(key))
		if err != nil || again != key {
			t.Fatalf("QuoteKey(%q) does not parse back: %q, %v", key, again, err)
		}
	})
}
