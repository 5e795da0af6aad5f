package webhooks

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

type markKey struct{}

// recorded is what a recording Observer saw.
type recorded struct {
	deliveries []DeliveryResult
	infos      []DeliveryInfo
	events     []string
	eventCtx   int
	// deliveryCtx counts DeliveryEnd calls that got DeliveryStart's context.
	deliveryCtx int
}

func recordingObserver(rec *recorded) *Observer {
	return &Observer{
		DeliveryStart: func(ctx context.Context, d DeliveryInfo) context.Context {
			rec.infos = append(rec.infos, d)
			return context.WithValue(ctx, markKey{}, "delivery")
		},
		DeliveryEnd: func(ctx context.Context, d DeliveryInfo, r DeliveryResult) {
			if ctx.Value(markKey{}) == "delivery" {
				rec.deliveryCtx++
			}
			rec.deliveries = append(rec.deliveries, r)
		},
		EventStart: func(ctx context.Context, e EventInfo) context.Context {
			if ctx.Value(markKey{}) == "delivery" {
				rec.eventCtx++
			}
			return context.WithValue(ctx, markKey{}, "event "+e.ID)
		},
		EventEnd: func(ctx context.Context, e EventInfo, r EventResult) {
			if ctx.Value(markKey{}) == "event "+e.ID {
				rec.eventCtx++
			}
			rec.events = append(rec.events, e.ID+" "+e.Type+" "+r.Outcome)
		},
	}
}

func TestObserverOutcomesOfABatch(t *testing.T) {
	var rec recorded
	store := &claimStore{Store: memStore(t)}
	h, err := NewHandler(batchVerifier{probes: true}, WithStore(store), WithObserver(recordingObserver(&rec)))
	require.NoError(t, err)
	var ranUnder []any
	h.On("ok", func(ctx context.Context, e *Event) error {
		ranUnder = append(ranUnder, ctx.Value(markKey{}))
		return nil
	})
	h.On("bad", func(context.Context, *Event) error { return errors.New("nope") })
	post := func(body string, header http.Header) int {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		for k, v := range header {
			r.Header[k] = v
		}
		return serve(h, r).Code
	}
	tp := http.Header{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}, "Tracestate": {"k=v"},
		"X-Signature": {"secret-signature"}}
	require.Equal(t, http.StatusInternalServerError,
		post(`[{"ID":"1","Type":"ok"},{"ID":"2","Type":"bad"},{"ID":"1","Type":"ok"},{"ID":"3","Type":"none"}]`, tp))
	require.Equal(t, http.StatusOK, post(`[{"ID":"1","Type":"ok"}]`, nil))
	require.Equal(t, http.StatusBadRequest, post(`not json`, nil))
	require.Equal(t, http.StatusOK, serve(h, httptest.NewRequest(http.MethodHead, "/", nil)).Code)
	require.Equal(t, http.StatusMethodNotAllowed, serve(h, httptest.NewRequest(http.MethodGet, "/", nil)).Code)
	store.failKey = "batch:4"
	require.Equal(t, http.StatusServiceUnavailable, post(`[{"ID":"5","Type":"ok"},{"ID":"4","Type":"ok"}]`, nil))

	require.Equal(t, DeliveryInfo{Provider: "batch", Method: http.MethodPost,
		TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", TraceState: "k=v"}, rec.infos[0],
		"only the W3C trace context reaches the observer, never another header")
	var outcomes []string
	for _, d := range rec.deliveries {
		outcomes = append(outcomes, d.Outcome+" "+d.Reason)
	}
	require.Equal(t, []string{"failed ", "accepted ", "rejected malformed body", "probe ", "method_not_allowed ", "store_error "}, outcomes)
	require.Equal(t, 4, rec.deliveries[0].Events)
	require.Equal(t, len(rec.deliveries), rec.deliveryCtx, "DeliveryEnd gets the context DeliveryStart returned")
	require.Equal(t, []string{
		"1 ok duplicate", "3 none unhandled", "1 ok processed", "2 bad failed",
		"1 ok duplicate",
		"4 ok store_error", "5 ok store_error",
	}, rec.events)
	require.Equal(t, 2*len(rec.events), rec.eventCtx, "events start under the delivery and end with their own context")
	require.Equal(t, []any{"event 1"}, ranUnder, "the EventFunc runs on the event's context")
}

func TestWithObserverNil(t *testing.T) {
	_, err := NewHandler(batchVerifier{}, WithObserver(nil))
	require.ErrorIs(t, err, ErrInvalidConfig)
}
