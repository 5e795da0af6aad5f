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
