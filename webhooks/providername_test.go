package webhooks

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// standardDelivery is a Standard Webhooks delivery with id, signed with
// secret at testNow, under the webhook- or svix- headers.
func standardDelivery(secret, id string, svix bool, body []byte) *Delivery {
	prefix := "webhook-"
	if svix {
		prefix = "svix-"
	}
	h := http.Header{}
	h.Set(prefix+"id", id)
	h.Set(prefix+"timestamp", unix(testNow))
	h.Set(prefix+"signature", signStandard(secret, id, testNow, body))
	return &Delivery{Method: http.MethodPost, Header: h, Body: body}
}

func TestProviderNameNamesTheStandardWebhooksSender(t *testing.T) {
	secret := testSecret("standardwebhooks")
	body := []byte(`{"type":"response.completed","data":{}}`)
	for _, tc := range []struct {
		name string
		new  func(string, ...VerifierOption) (*StandardWebhooksVerifier, error)
		svix bool
	}{{"standardwebhooks", NewStandardWebhooks, false}, {"svix", NewSvix, true}} {
		t.Run(tc.name, func(t *testing.T) {
			plain, err := tc.new(secret, fixedClock())
			require.NoError(t, err)
			require.Equal(t, tc.name, plain.Provider(), "without the option the scheme names the provider")

			v, err := tc.new(secret, fixedClock(), WithProviderName("acme-pay_2"))
			require.NoError(t, err)
			require.Equal(t, "acme-pay_2", v.Provider())
			events, err := v.Verify(standardDelivery(secret, "msg_1", tc.svix, body))
			require.NoError(t, err)
			require.Len(t, events, 1)
			require.Equal(t, "acme-pay_2", events[0].Provider)
			require.Equal(t, "msg_1", events[0].DedupKey)
			require.Equal(t, "response.completed", events[0].Type)

			d := standardDelivery(secret, "msg_1", tc.svix, body)
			d.Body = []byte(`{"type":"forged"}`)
			_, err = v.Verify(d)
			require.ErrorIs(t, err, ErrInvalidSignature, "the name changes nothing of the verification")
			require.Contains(t, err.Error(), "acme-pay_2", "errors name the provider")
			require.NotContains(t, err.Error(), tc.name+" ")

			// The Handler's keys, jobs and routing follow the name.
			h, err := NewHandler(v)
			require.NoError(t, err)
			require.Equal(t, "acme-pay_2:msg_1", h.NewJob(&events[0]).Key)
			var got []string
			h.On("response.completed", func(_ context.Context, e *Event) error {
				got = append(got, e.Provider+" "+e.ID)
				return nil
			})
			d = standardDelivery(secret, "msg_2", tc.svix, body)
			r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(d.Body))
			r.Header = d.Header
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			require.Equal(t, []string{"acme-pay_2 msg_2"}, got)
		})
	}
}

// Two services that sign with Standard Webhooks, named apart, share a
// store and a job router without WithNamespace: neither's events are the
// other's duplicates.
func TestProviderNamesKeepTwoSendersApart(t *testing.T) {
	secret := testSecret("standardwebhooks")
	a, err := NewStandardWebhooks(secret, fixedClock(), WithProviderName("alpha"))
	require.NoError(t, err)
	b, err := NewStandardWebhooks(secret, fixedClock(), WithProviderName("beta"))
	require.NoError(t, err)
	ha, err := NewHandler(a)
	require.NoError(t, err)
	hb, err := NewHandler(b)
	require.NoError(t, err)
	_, err = NewJobRouter(ha, hb)
	require.NoError(t, err, "distinct names route apart")
	e := Event{ID: "msg_1", DedupKey: "msg_1"}
	require.NotEqual(t, ha.NewJob(&e).Key, hb.NewJob(&e).Key)

	same, err := NewStandardWebhooks(secret, fixedClock())
	require.NoError(t, err)
	hs, err := NewHandler(same)
	require.NoError(t, err)
	hs2, err := NewHandler(same)
	require.NoError(t, err)
	_, err = NewJobRouter(hs, hs2)
	require.ErrorIs(t, err, ErrInvalidConfig, "unnamed, they are one provider")
}

func TestProviderNameMustBeAWord(t *testing.T) {
	secret := testSecret("standardwebhooks")
	for _, name := range []string{"", "Acme", "acme pay", "acme:pay", "1acme", "-acme", "acme.pay", "acmé", strings.Repeat("a", 65), "acme\n"} {
		v, err := NewStandardWebhooks(secret, WithProviderName(name))
		require.Nil(t, v, "%q", name)
		require.ErrorIs(t, err, ErrInvalidOption, "%q", name)
		require.ErrorIs(t, err, ErrInvalidConfig, "%q", name)
		require.Contains(t, err.Error(), "WithProviderName")
	}
	_, err := NewSvix(secret, WithProviderName(strings.Repeat("a", 64)))
	require.NoError(t, err, "64 characters are enough")
}

func TestProviderNameAppliesOnlyToStandardWebhooks(t *testing.T) {
	for provider, ctor := range secretConstructors(t) {
		secret := testSecret(provider)
		if provider == "sendgrid" {
			secret = "valid"
		}
		v, err := ctor(secret, WithProviderName("acme"))
		if provider == "standardwebhooks" || provider == "svix" {
			require.NoError(t, err, provider)
			require.Equal(t, "acme", v.Provider())
			continue
		}
		require.Nil(t, v, provider)
		require.ErrorIs(t, err, ErrInvalidOption, provider)
		require.Contains(t, err.Error(), "WithProviderName does not apply", provider)
	}
	_, err := NewCloudinary("cloudinary-secret", WithProviderName("acme"))
	require.ErrorIs(t, err, ErrInvalidOption)
	_, err = NewAfricasTalking(atToken, WithPublicURL(atPublic), WithProviderName("acme"))
	require.ErrorIs(t, err, ErrInvalidOption)
}
