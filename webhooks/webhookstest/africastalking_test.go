package webhookstest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

func TestSignAfricasTalking(t *testing.T) {
	const token = "a-callback-token-of-forty-characters-xyz"
	const public = "https://shop.example.com/webhooks/africastalking?tenant=7#frag"
	target, h, body := webhookstest.SignAfricasTalking(public, webhookstest.AfricasTalkingDeliveryReport("ATXid_1", "Failed", "+254711082300", "UserInBlackList"), token)
	u, err := url.Parse(target)
	require.NoError(t, err)
	require.Equal(t, token, u.Query().Get("token"))
	require.Equal(t, "7", u.Query().Get("tenant"), "the configured query is kept")
	require.Empty(t, u.Fragment)
	form, err := url.ParseQuery(string(body))
	require.NoError(t, err)
	require.Equal(t, "UserInBlackList", form.Get("failureReason"))

	v, err := webhooks.NewAfricasTalking(token, webhooks.WithPublicURL(public))
	require.NoError(t, err)
	hd, err := webhooks.NewHandler(v)
	require.NoError(t, err)
	var got *webhooks.Event
	hd.On("Failed", func(_ context.Context, e *webhooks.Event) error { got = e; return nil })
	rec := httptest.NewRecorder()
	hd.ServeHTTP(rec, webhookstest.NewRequest(target, body, h))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.NotNil(t, got)
	require.Equal(t, "ATXid_1:Failed", got.ID)

	// A report without a failure reason for a final success omits it.
	require.False(t, webhookstest.AfricasTalkingDeliveryReport("x", "Success", "+1", "UserInBlackList").Has("failureReason"))
}
