package reliability

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/internal/testenv"
	"github.com/switchboard-go/switchboard/webhooks"
)

// viaProxy returns rawURL with its host:port replaced by a proxy's.
func viaProxy(t *testing.T, rawURL string) (string, *proxy) {
	t.Helper()
	u, err := url.Parse(rawURL)
	require.NoError(t, err)
	p := newProxy(t, u.Host)
	u.Host = p.addr()
	return u.String(), p
}

// TestStoreOutage cuts the connection between the Handler and its
// PostgreSQL or Redis store in the middle of a run: while it is cut every
// delivery is answered 503 and nothing runs or is marked done; once it is
// back every event is processed exactly once.
func TestStoreOutage(t *testing.T) {
	cases := []struct {
		name string
		open func(t *testing.T) (idempotency.Store, *proxy)
	}{
		{"postgres", func(t *testing.T) (idempotency.Store, *proxy) {
			u, p := viaProxy(t, testenv.PostgresURL(t))
			return openPostgres(t, u), p
		}},
		{"redis", func(t *testing.T) (idempotency.Store, *proxy) {
			u, p := viaProxy(t, testenv.RedisURL(t))
			return openRedis(t, u), p
		}},
	}
	const perPhase = 10
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store, p := tc.open(t)
			sink := newLogSink(t)
			h := stripeHandler(t, sink, webhooks.WithStore(store))
			processed := newCounter()
			h.On("invoice.paid", func(_ context.Context, e *webhooks.Event) error {
				processed.add(e.ID)
				return nil
			})
			srv, client := serve(t, h)
			deliver := func(id string) int {
				status, err := send(client, signedStripe(t, sink, srv.URL, stripeEvent(id)))
				require.NoError(t, err)
				return status
			}
			run := randomName()
			before := make([]string, perPhase)
			during := make([]string, perPhase)
			for i := range perPhase {
				before[i] = fmt.Sprintf("evt_before_%s_%02d", run, i)
				during[i] = fmt.Sprintf("evt_during_%s_%02d", run, i)
			}

			for _, id := range before {
				require.Equal(t, http.StatusOK, deliver(id))
			}

			p.Cut()
			for _, id := range during {
				require.Equal(t, http.StatusServiceUnavailable, deliver(id), "store down: %s", id)
			}
			require.Equal(t, http.StatusServiceUnavailable, deliver(before[0]), "a duplicate cannot be told apart while the store is down")
			for _, id := range during {
				require.Zero(t, processed.get(id), "nothing may run while the store is down")
			}

			p.Restore()
			for _, id := range during {
				require.Eventually(t, func() bool { return deliver(id) == http.StatusOK }, 20*time.Second, 100*time.Millisecond,
					"after recovery %s must be processed", id)
			}
			for _, id := range before {
				require.Equal(t, http.StatusOK, deliver(id))
			}
			for _, id := range append(before, during...) {
				require.Equal(t, 1, processed.get(id), "event %s processed %d times", id, processed.get(id))
			}
			require.Contains(t, sink.text(), "store_error", "the outage is logged")
		})
	}
}
