package reliability

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// TestDuplicateStorm delivers every event many times at once through a
// real Handler over HTTP and checks that each is processed exactly once.
// A delivery answered 409 (in progress elsewhere) is retried, as providers
// do, until it is answered 200.
//
// The full storm is 1,000 events x 10 copies per backend. Under the race
// detector it is 300 x 10, and under -short 100 x 5, to keep the package
// within its time budget on a two-core machine.
func TestDuplicateStorm(t *testing.T) {
	events := size(1000, 100)
	if raceEnabled && !testing.Short() {
		events = 300
	}
	copies := size(10, 5)
	const workers = 32
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			store := b.open(t)
			sink := newLogSink(t)
			h := stripeHandler(t, sink, webhooks.WithStore(store))
			processed := newCounter()
			var calls atomic.Int64
			h.On("invoice.paid", func(_ context.Context, e *webhooks.Event) error {
				calls.Add(1)
				processed.add(e.ID)
				return nil
			})
			srv, client := serve(t, h)

			// Each event's copies sit next to each other in the queue, so
			// that they reach the handler at the same moment.
			// Each event is signed once; its copies are the same bytes.
			jobs := make(chan int, events*copies)
			ids := make([]string, events)
			bodies := make([][]byte, events)
			headers := make([]http.Header, events)
			for i := range ids {
				ids[i] = fmt.Sprintf("evt_storm_%s_%05d", b.name, i)
				bodies[i] = stripeEvent(ids[i])
				headers[i] = webhookstest.SignStripe(bodies[i], stripeSecret, time.Now())
				if i < 10 { // a sample: checking every signature would cost more than the storm
					sig := headers[i].Get("Stripe-Signature")
					sink.secret(sig[strings.Index(sig, "v1=")+3:])
				}
				for range copies {
					jobs <- i
				}
			}
			close(jobs)

			var (
				wg       sync.WaitGroup
				mu       sync.Mutex
				failures []string
				retries  atomic.Int64
			)
			deadline := time.Now().Add(60 * time.Second)
			for range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range jobs {
						id := ids[i]
						for {
							req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(bodies[i]))
							if err != nil {
								panic(err)
							}
							req.Header = headers[i].Clone()
							status, err := send(client, req)
							if err == nil && status == http.StatusOK {
								break
							}
							if err == nil && status == http.StatusConflict && time.Now().Before(deadline) {
								retries.Add(1)
								time.Sleep(20 * time.Millisecond)
								continue
							}
							mu.Lock()
							failures = append(failures, fmt.Sprintf("%s: status %d, err %v", id, status, err))
							mu.Unlock()
							break
						}
					}
				}()
			}
			wg.Wait()
			require.Empty(t, failures[:min(len(failures), 5)], "every delivery must end in 200 (%d did not)", len(failures))
			counts := processed.snapshot()
			require.Len(t, counts, events, "every event must be processed")
			for _, id := range ids {
				require.Equal(t, 1, counts[id], "event %s processed %d times", id, counts[id])
			}
			require.EqualValues(t, events, calls.Load())
			t.Logf("%d events x %d copies: %d retries after 409", events, copies, retries.Load())
		})
	}
}
