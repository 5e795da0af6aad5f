package webhooks

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPaystackIDs(t *testing.T) {
	secret := testSecret("paystack")
	v, err := NewPaystack(secret)
	require.NoError(t, err)
	tests := []struct {
		name, body, wantID, wantType string
		want                         error
	}{
		{"data.id", `{"event":"charge.success","data":{"id":302961,"reference":"r1"}}`, "charge.success:302961", "charge.success", nil},
		{"string id", `{"event":"transfer.success","data":{"id":"TRF_1"}}`, "transfer.success:TRF_1", "transfer.success", nil},
		{"reference", `{"event":"charge.dispute.create","data":{"reference":"ref-9"}}`, "charge.dispute.create:ref:ref-9", "charge.dispute.create", nil},
		{"body hash", `{"event":"subscription.create","data":{}}`, "subscription.create:sha256:", "subscription.create", nil},
		{"no event", `{"data":{"id":1}}`, "", "", ErrMalformedBody},
		{"not json", `event=x`, "", "", ErrMalformedBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			h := signedHeaders("paystack", secret, testNow, body)
			// Paystack sends the header in lower case.
			raw := http.Header{"x-paystack-signature": h["X-Paystack-Signature"]}
			events, err := v.Verify(&Delivery{Header: raw, Body: body})
			if tt.want != nil {
				require.ErrorIs(t, err, tt.want)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantType, events[0].Type)
			require.Contains(t, events[0].ID, tt.wantID)
		})
	}
}
