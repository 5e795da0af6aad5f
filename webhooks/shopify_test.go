package webhooks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestShopifyIDs(t *testing.T) {
	secret := testSecret("shopify")
	v, err := NewShopify(secret)
	require.NoError(t, err)
	body := []byte(`{"id":1}`)

	h := signedHeaders("shopify", secret, testNow, body)
	h.Set("X-Shopify-Event-Id", "ev-1")
	h.Set("X-Shopify-Triggered-At", "2024-01-02T03:04:05.123Z")
	events, err := v.Verify(&Delivery{Header: h, Body: body})
	require.NoError(t, err)
	require.Equal(t, "ev-1", events[0].ID, "X-Shopify-Event-Id wins")
	require.Equal(t, "orders/create", events[0].Type)
	require.Equal(t, int64(1704164645), events[0].Time.Unix())

	h.Del("X-Shopify-Event-Id")
	events, err = v.Verify(&Delivery{Header: h, Body: body})
	require.NoError(t, err)
	require.Equal(t, "wh-1", events[0].ID)

	h.Del("X-Shopify-Webhook-Id")
	_, err = v.Verify(&Delivery{Header: h, Body: body})
	require.ErrorIs(t, err, ErrMalformedHeader)

	h = signedHeaders("shopify", secret, testNow, body)
	h.Del("X-Shopify-Topic")
	_, err = v.Verify(&Delivery{Header: h, Body: body})
	require.ErrorIs(t, err, ErrMalformedHeader)
}
