package reliability

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/webhooks"
)

// crashLease is the lease of the crash tests: short, so that it runs out
// during the test.
const crashLease = 300 * time.Millisecond

// recordingStore remembers the error of every Complete call.
type recordingStore struct {
	idempotency.Store
	mu        sync.Mutex
	completes []error
}

func (r *recordingStore) Complete(ctx context.Context, key, token string, rec idempotency.Record, ttl time.Duration) error {
	err := r.Store.Complete(ctx, key, token, rec, ttl)
	r.mu.Lock()
	r.completes = append(r.completes, err)
	r.mu.Unlock()
	return err
}

func (r *recordingStore) completeErrors() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.completes...)
}

// TestCrashStoreLevel claims a key and never completes it, as a process
// killed after its claim would: once the lease runs out another holder
// takes the key over, and the stale holder can neither complete nor
// release it.
func TestCrashStoreLevel(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := b.open(t)
			ctx := context.Background()
			key := "stripe:evt_crash_" + randomName()

			claimed := time.Now()
			stale, err := s.Claim(ctx, key, "fp-1", crashLease)
			require.NoError(t, err)
			require.Equal(t, idempotency.Acquired, stale.State)

			again, err := s.Claim(ctx, key, "fp-1", crashLease)
			require.NoError(t, err)
			if time.Since(claimed) < crashLease/2 {
				require.Equal(t, idempotency.InProgress, again.State, "a live lease must hold the key")
			}

			var fresh idempotency.Claim
			require.Eventually(t, func() bool {
				c, err := s.Claim(ctx, key, "fp-1", crashLease)
				if err != nil || c.State != idempotency.Acquired {
					return false
				}
				fresh = c
				return true
			}, 10*time.Second, 25*time.Millisecond, "the key must be claimable once the lease ran out")
			require.NotEqual(t, stale.Token, fresh.Token)

			err = s.Complete(ctx, key, stale.Token, idempotency.Record{Status: http.StatusTeapot}, time.Hour)
			require.ErrorIs(t, err, idempotency.ErrLeaseLost, "the stale holder's completion must be refused")
			require.ErrorIs(t, s.Release(ctx, key, stale.Token), idempotency.ErrLeaseLost)

			require.NoError(t, s.Complete(ctx, key, fresh.Token, idempotency.Record{Status: http.StatusOK}, time.Hour))
			require.ErrorIs(t, s.Complete(ctx, key, stale.Token, idempotency.Record{Status: http.StatusTeapot}, time.Hour),
				idempotency.ErrLeaseLost, "a completed key refuses the stale holder too")

			done, err := s.Claim(ctx, key, "fp-1", crashLease)
			require.NoError(t, err)
			require.Equal(t, idempotency.Completed, done.State)
			require.NotNil(t, done.Record)
			require.Equal(t, http.StatusOK, done.Record.Status, "the stale holder's result must not overwrite the new one")
		})
	}
}

// TestCrashThroughHandler runs an event function that blocks, as one in a
// process that hangs after its claim: after the lease runs out the
// provider's redelivery is processed exactly once, and when the stale
// function finally returns its completion is refused.
func TestCrashThroughHandler(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			rs := &recordingStore{Store: b.open(t)}
			sink := newLogSink(t)
			h := stripeHandler(t, sink, webhooks.WithStore(rs), webhooks.WithLease(crashLease))
			var (
				calls   atomic.Int64
				entered = make(chan struct{})
				release = make(chan struct{})
			)
			h.On("invoice.paid", func(ctx context.Context, e *webhooks.Event) error {
				if calls.Add(1) == 1 {
					close(entered)
					<-release // the stuck first attempt
				}
				return nil
			})
			srv, client := serve(t, h)
			id := "evt_crash_" + randomName()
			body := stripeEvent(id)

			firstDone := make(chan int, 1)
			go func() {
				status, err := send(client, signedStripe(t, sink, srv.URL, body))
				if err != nil {
					status = -1
				}
				firstDone <- status
			}()
			select {
			case <-entered:
			case <-time.After(30 * time.Second):
				t.Fatal("the first delivery never reached the event function")
			}
			claimed := time.Now()
			// A released-late function must not leave the request hanging
			// if the test fails early.
			t.Cleanup(func() {
				select {
				case <-release:
				default:
					close(release)
				}
			})

			status, err := send(client, signedStripe(t, sink, srv.URL, body))
			require.NoError(t, err)
			if time.Since(claimed) < crashLease/2 {
				require.Equal(t, http.StatusConflict, status, "a redelivery during the lease must be told to retry")
			}

			require.Eventually(t, func() bool {
				status, err := send(client, signedStripe(t, sink, srv.URL, body))
				return err == nil && status == http.StatusOK
			}, 15*time.Second, 50*time.Millisecond, "the redelivery after the lease must succeed")
			require.EqualValues(t, 2, calls.Load(), "the redelivery runs the function exactly once")

			close(release)
			select {
			case st := <-firstDone:
				require.Equal(t, http.StatusOK, st, "the stale function succeeded; the answer is still 200")
			case <-time.After(30 * time.Second):
				t.Fatal("the stale request never finished")
			}

			errs := rs.completeErrors()
			require.Len(t, errs, 2)
			require.NoError(t, errs[0], "the redelivery's completion holds")
			require.ErrorIs(t, errs[1], idempotency.ErrLeaseLost, "the stale holder's completion is refused")

			status, err = send(client, signedStripe(t, sink, srv.URL, body))
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, status)
			require.EqualValues(t, 2, calls.Load(), "a later duplicate runs nothing")

			c, err := rs.Claim(context.Background(), "stripe:"+id, "x", crashLease)
			require.NoError(t, err)
			require.Equal(t, idempotency.Completed, c.State)
		})
	}
}
