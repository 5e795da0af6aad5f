package payments_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/webhooks"
)

// typedParser normalizes "paid" events and reports "noise" as unhandled.
type typedParser struct{}

func (p typedParser) ParseEvent(e *webhooks.Event) (*payments.Event, error) {
	switch e.Type {
	case "paid":
		return &payments.Event{Type: payments.EventPaymentSucceeded, Provider: e.Provider, ID: e.ID, Raw: e}, nil
	case "broken":
		return nil, webhooks.ErrMalformedBody
	}
	return nil, payments.ErrUnhandledEvent
}

func (p typedParser) WebhookEventTypes() []string { return []string{"paid", "noise", "broken"} }

type untypedParser struct{ typedParser }

// untypedParser hides WebhookEventTypes.
func (u untypedParser) WebhookEventTypes() {}

func deliverStripe(t *testing.T, h http.Handler, id, typ string) int {
	t.Helper()
	body := []byte(`{"id":"` + id + `","type":"` + typ + `","data":{"object":{}}}`)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	m := hmac.New(sha256.New, []byte("whsec_handle"))
	m.Write([]byte(ts + "."))
	m.Write(body)
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("Stripe-Signature", "t="+ts+",v1="+hex.EncodeToString(m.Sum(nil)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

func TestHandle(t *testing.T) {
	for name, parser := range map[string]payments.EventParser{"typed": typedParser{}, "fallback": untypedParser{}} {
		t.Run(name, func(t *testing.T) {
			v, err := webhooks.NewStripe("whsec_handle")
			require.NoError(t, err)
			h, err := webhooks.NewHandler(v, webhooks.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
			require.NoError(t, err)
			var got []*payments.Event
			payments.Handle(h, parser, func(ctx context.Context, e *payments.Event) error {
				got = append(got, e)
				return nil
			})
			require.Equal(t, http.StatusOK, deliverStripe(t, h, "evt_1", "paid"))
			require.Equal(t, http.StatusOK, deliverStripe(t, h, "evt_2", "noise"), "unhandled events are acknowledged")
			require.Equal(t, http.StatusOK, deliverStripe(t, h, "evt_3", "other"))
			require.Equal(t, http.StatusInternalServerError, deliverStripe(t, h, "evt_4", "broken"), "a parse error is retried")
			require.Len(t, got, 1)
			require.Equal(t, payments.EventPaymentSucceeded, got[0].Type)
			require.Equal(t, "evt_1", got[0].ID)
			require.Equal(t, "stripe", got[0].Raw.Provider)
		})
	}
	require.Panics(t, func() {
		payments.Handle(nil, typedParser{}, func(context.Context, *payments.Event) error { return nil })
	})
}
