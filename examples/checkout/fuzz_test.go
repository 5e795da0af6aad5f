package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// decodeBody accepts exactly what encoding/json decodes as one value with
// no unknown field and nothing after it, decodes it the same, and answers
// everything else with a 400 whose detail shows no Go type name.
func FuzzDecodeBody(f *testing.F) {
	for _, seed := range []string{
		`{"amount":2999,"currency":"usd","email":"a@b.co"}`,
		`{"amount":"2999"}`, `{"amount":29.99}`, `{"amount":1e30}`, `{"currency":840}`, `{"email":{}}`,
		`{"x":1}`, `[]`, `null`, `"s"`, ``, `{`, `{"amount":1}{}`, `{"amount":1} x`, `{"amount":1}}`,
		"{\"amount\":1}\n", `{"amount":1,"amount":2}`, `{"AMOUNT":3}`, `{"amount":-0}`, "\xff",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var got createIntentRequest
		status, detail := decodeBody(bytes.NewReader(body), &got)

		var want createIntentRequest
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		refErr := dec.Decode(&want)
		accepted := refErr == nil && json.Valid(body)

		if status == 0 {
			require.True(t, accepted, "accepted a body encoding/json refuses: %q", body)
			require.Equal(t, want, got)
			return
		}
		require.False(t, accepted, "refused a body encoding/json accepts: %q (%s)", body, detail)
		require.Equal(t, http.StatusBadRequest, status)
		require.NotEmpty(t, detail)
		if !strings.HasPrefix(detail, "unknown field ") { // that one quotes the client's field name
			for _, goism := range []string{"Go struct", "int64", "string into", "createIntentRequest", "main.", "json:", "unmarshal"} {
				require.NotContains(t, detail, goism)
			}
		}
	})
}

// A shopper cookie authenticates only as the guest it was signed for:
// any other value, however close, is no shopper at all.
func FuzzShopperCookie(f *testing.F) {
	s := &shopState{buyerKey: []byte("0123456789abcdef0123456789abcdef")}
	a := &app{shop: s}
	signed := s.signGuest("guest-00112233445566778899aabbccddeeff")
	for _, seed := range []string{signed, signed + "x", strings.ToUpper(signed), "guest-1.", ".", "", "guest-" + strings.Repeat("a", 300),
		strings.Replace(signed, "guest-0", "guest-1", 1), "admin." + strings.SplitN(signed, ".", 2)[1], `"` + signed + `"`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		r, err := http.NewRequest("GET", "/", nil)
		require.NoError(t, err)
		r.Header.Set("Cookie", s.guestCookie()+"="+value)
		b, ok := a.currentBuyer(r)
		if !ok {
			require.Empty(t, b.ID)
			return
		}
		require.True(t, strings.HasPrefix(b.ID, "guest-"))
		// net/http drops the double quotes around a cookie value.
		require.Equal(t, s.signGuest(b.ID), strings.TrimSuffix(strings.TrimPrefix(value, `"`), `"`),
			"a shopper from a value that is not the signature of its id")
		require.False(t, b.SignedIn)
	})
}
