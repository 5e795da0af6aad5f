package e164_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/e164"
)

func TestNormalize(t *testing.T) {
	cases := []struct{ raw, region, want string }{
		{"024 123 4567", "GH", "+233241234567"},
		{"0241234567", "gh", "+233241234567"},
		{"(0803) 123-4567", "NG", "+2348031234567"},
		{"0711 082300", "KE", "+254711082300"},
		{"+44 20 7946 0958", "", "+442079460958"},
		{"0044 20 7946 0958", "GH", "+442079460958"},
		{"+233241234567", "NG", "+233241234567"},
		{"06 12 34 56 78", "FR", "+33612345678"},
		{"02 1234 5678", "IT", "+390212345678"}, // Italy keeps its leading 0
		{"(415) 555-2671", "US", "+14155552671"},
	}
	for _, tc := range cases {
		got, err := e164.Normalize(tc.raw, tc.region)
		require.NoError(t, err, tc.raw)
		require.Equal(t, tc.want, got, tc.raw)
		require.NoError(t, sms.CheckNumber(got))
	}
}

func TestNormalizeRefuses(t *testing.T) {
	cases := []struct{ raw, region string }{
		{"", "GH"}, {"   ", "GH"}, {"hello", "GH"}, {"0241234567", ""}, {"024", "GH"},
		{"02412345678901234", "GH"}, {"+999 1234 5678", ""}, {"024 123 4567\r\n", "GH"},
		{"024 123 4567", "XX"}, {strings.Repeat("1", 300), "US"},
	}
	for _, tc := range cases {
		_, err := e164.Normalize(tc.raw, tc.region)
		require.ErrorIs(t, err, sms.ErrInvalidNumber, "%q %q", tc.raw, tc.region)
		var ve *sms.ValidationError
		require.ErrorAs(t, err, &ve)
		require.Equal(t, "To", ve.Field)
		if strings.TrimSpace(tc.raw) != "" {
			require.NotContains(t, err.Error(), strings.TrimSpace(tc.raw), "the error does not quote the input")
		}
	}
}

func TestRegion(t *testing.T) {
	require.Equal(t, "GH", e164.Region("+233241234567"))
	require.Equal(t, "NG", e164.Region("+2348031234567"))
	require.Equal(t, "", e164.Region("0241234567"))
	require.Equal(t, "", e164.Region("+80012345678"))
}

func FuzzNormalize(f *testing.F) {
	f.Add("024 123 4567", "GH")
	f.Add("+44 20 7946 0958", "")
	f.Add("tel:+1-415-555-2671;phone-context=x", "US")
	f.Fuzz(func(t *testing.T, raw, region string) {
		out, err := e164.Normalize(raw, region)
		if err != nil {
			return
		}
		if sms.CheckNumber(out) != nil {
			t.Fatalf("Normalize(%q, %q) = %q, not E.164", raw, region, out)
		}
		again, err := e164.Normalize(out, "")
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q -> %q (%v)", out, again, err)
		}
	})
}
