package idempotency_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/mock/gomock"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/idempotencymock"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
)

func newRunner(t *testing.T, store idempotency.Store, opts ...idempotency.RunnerOption) *idempotency.Runner {
	t.Helper()
	r, err := idempotency.NewRunner(store, opts...)
	require.NoError(t, err)
	return r
}

func ok(body string) idempotency.Work {
	return func(context.Context) (idempotency.Record, error) {
		return idempotency.Record{Status: 200, Body: []byte(body)}, nil
	}
}

func TestRunnerRunsOnceAndReplays(t *testing.T) {
	ctx := context.Background()
	r := newRunner(t, mem(t))
	var runs atomic.Int32
	work := func(ctx context.Context) (idempotency.Record, error) {
		runs.Add(1)
		return idempotency.Record{Status: 201, Body: []byte("receipt-1")}, nil
	}
	res, err := r.Do(ctx, "k", "fp", work)
	require.NoError(t, err)
	require.False(t, res.Replayed)
	require.NoError(t, res.StoreErr)
	require.Equal(t, []byte("receipt-1"), res.Record.Body)

	res, err = r.Do(ctx, "k", "fp", work)
	require.NoError(t, err)
	require.True(t, res.Replayed, "the second call replays the first record")
	require.Equal(t, 201, res.Record.Status)
	require.Equal(t, []byte("receipt-1"), res.Record.Body)
	require.EqualValues(t, 1, runs.Load())

	_, err = r.Do(ctx, "k", "other-fp", work)
	require.ErrorIs(t, err, idempotency.ErrFingerprintMismatch)
	res, err = r.Do(ctx, "k", "", work)
	require.NoError(t, err, "an empty fingerprint does not compare")
	require.True(t, res.Replayed)
	require.EqualValues(t, 1, runs.Load())
}

func TestRunnerErrorReleasesTheKey(t *testing.T) {
	ctx := context.Background()
	r := newRunner(t, mem(t))
	boom := errors.New("provider said 503")
	_, err := r.Do(ctx, "k", "", func(context.Context) (idempotency.Record, error) { return idempotency.Record{}, boom })
	require.ErrorIs(t, err, boom)
	res, err := r.Do(ctx, "k", "", ok("second"))
	require.NoError(t, err, "the failed run released the key")
	require.False(t, res.Replayed)
	require.Equal(t, []byte("second"), res.Record.Body)
}

func TestRunnerPanicIsAnErrorThatReleasesTheKey(t *testing.T) {
	ctx := context.Background()
	r := newRunner(t, mem(t))
	cause := errors.New("nil map")
	_, err := r.Do(ctx, "k", "", func(context.Context) (idempotency.Record, error) { panic(cause) })
	var pe *idempotency.PanicError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, cause, pe.Value)
	require.ErrorIs(t, err, cause, "PanicError unwraps an error value")
	require.Contains(t, string(pe.Stack), "runner_test.go")
	_, err = r.Do(ctx, "k", "", ok("after"))
	require.NoError(t, err, "the panic released the key")
}

func TestRunnerInProgressElsewhere(t *testing.T) {
	ctx := context.Background()
	r := newRunner(t, mem(t))
	_, err := r.Do(ctx, "k", "fp", func(ctx context.Context) (idempotency.Record, error) {
		_, err := r.Do(ctx, "k", "fp", ok("inner"))
		require.ErrorIs(t, err, idempotency.ErrInProgress)
		_, err = r.Do(ctx, "k", "other", ok("inner"))
		require.ErrorIs(t, err, idempotency.ErrFingerprintMismatch)
		return idempotency.Record{Status: 200}, nil
	})
	require.NoError(t, err)
}

// A run that outlives its lease cannot overwrite the run that took the key
// over; it learns so through ErrLeaseLost in Result.StoreErr.
func TestRunnerRespectsFencingTokens(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	store := mem(t, memstore.WithClock(clk.Now))
	r := newRunner(t, store, idempotency.WithLease(time.Minute))
	res, err := r.Do(ctx, "k", "", func(ctx context.Context) (idempotency.Record, error) {
		clk.Advance(2 * time.Minute) // the lease runs out while the work runs
		taken, err := r.Do(ctx, "k", "", ok("takeover"))
		require.NoError(t, err)
		require.False(t, taken.Replayed)
		return idempotency.Record{Status: 200, Body: []byte("stale")}, nil
	})
	require.NoError(t, err, "the work itself succeeded")
	require.ErrorIs(t, res.StoreErr, idempotency.ErrLeaseLost)
	require.Equal(t, []byte("stale"), res.Record.Body)
	res, err = r.Do(ctx, "k", "", ok("third"))
	require.NoError(t, err)
	require.True(t, res.Replayed)
	require.Equal(t, []byte("takeover"), res.Record.Body, "the stale run did not overwrite the takeover")
}

// Complete and Release run on a context detached from the caller's and
// bounded by the store timeout; Claim runs on the caller's, bounded too.
func TestRunnerBookkeepingContexts(t *testing.T) {
	ctrl := gomock.NewController(t)
	store := idempotencymock.NewMockStore(ctrl)
	checkBounded := func(ctx context.Context) {
		deadline, ok := ctx.Deadline()
		require.True(t, ok, "the store call has a deadline")
		require.LessOrEqual(t, time.Until(deadline), 3*time.Second)
	}
	gomock.InOrder(
		store.EXPECT().Claim(gomock.Any(), "k", "fp", 7*time.Second).DoAndReturn(
			func(ctx context.Context, _, _ string, _ time.Duration) (idempotency.Claim, error) {
				checkBounded(ctx)
				return idempotency.Claim{State: idempotency.Acquired, Token: "tok"}, nil
			}),
		store.EXPECT().Complete(gomock.Any(), "k", "tok", gomock.Any(), 9*time.Hour).DoAndReturn(
			func(ctx context.Context, _, _ string, rec idempotency.Record, _ time.Duration) error {
				require.NoError(t, ctx.Err(), "Complete runs although the caller gave up")
				checkBounded(ctx)
				require.Equal(t, "done", string(rec.Body))
				return nil
			}),
		store.EXPECT().Claim(gomock.Any(), "k2", "", 7*time.Second).
			Return(idempotency.Claim{State: idempotency.Acquired, Token: "tok2"}, nil),
		store.EXPECT().Release(gomock.Any(), "k2", "tok2").DoAndReturn(
			func(ctx context.Context, _, _ string) error {
				require.NoError(t, ctx.Err(), "Release runs although the caller gave up")
				checkBounded(ctx)
				return errors.New("connection reset")
			}),
	)
	r := newRunner(t, store, idempotency.WithLease(7*time.Second), idempotency.WithTTL(9*time.Hour), idempotency.WithStoreTimeout(3*time.Second))
	ctx, cancel := context.WithCancel(context.Background())
	res, err := r.Do(ctx, "k", "fp", func(context.Context) (idempotency.Record, error) {
		cancel() // the caller hangs up while the work runs
		return idempotency.Record{Status: 200, Body: []byte("done")}, nil
	})
	require.NoError(t, err)
	require.NoError(t, res.StoreErr)

	boom := errors.New("work failed")
	_, err = r.Do(ctx, "k2", "", func(context.Context) (idempotency.Record, error) { return idempotency.Record{}, boom })
	require.ErrorIs(t, err, boom)
	require.ErrorContains(t, err, "connection reset", "a failed release is joined to the work's error")
}

func TestRunnerStoreErrors(t *testing.T) {
	tests := map[string]struct {
		claim idempotency.Claim
		err   error
		want  error
	}{
		"store down":                 {err: idempotency.ErrUnavailable, want: idempotency.ErrUnavailable},
		"acquired without token":     {claim: idempotency.Claim{State: idempotency.Acquired}, want: idempotency.ErrUnavailable},
		"completed without a record": {claim: idempotency.Claim{State: idempotency.Completed}, want: idempotency.ErrUnavailable},
		"unknown state":              {claim: idempotency.Claim{State: 42}, want: idempotency.ErrUnavailable},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctrl := gomock.NewController(t)
			store := idempotencymock.NewMockStore(ctrl)
			store.EXPECT().Claim(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Return(tc.claim, tc.err)
			r := newRunner(t, store)
			ran := false
			_, err := r.Do(context.Background(), "k", "", func(context.Context) (idempotency.Record, error) {
				ran = true
				return idempotency.Record{}, nil
			})
			require.ErrorIs(t, err, tc.want)
			require.False(t, ran, "the work never runs without a claim")
		})
	}
}

func TestAttemptFinishesOnce(t *testing.T) {
	ctx := context.Background()
	r := newRunner(t, mem(t))
	a, err := r.Claim(ctx, "k", "")
	require.NoError(t, err)
	require.Equal(t, idempotency.Acquired, a.State)
	require.Equal(t, "k", a.Key())
	require.NoError(t, a.Complete(ctx, idempotency.Record{Status: 200}))
	require.ErrorIs(t, a.Complete(ctx, idempotency.Record{Status: 200}), idempotency.ErrLeaseLost)
	require.ErrorIs(t, a.Release(ctx), idempotency.ErrLeaseLost)
	_, err = a.Run(ctx, ok("x"))
	require.ErrorIs(t, err, idempotency.ErrLeaseLost)

	done, err := r.Claim(ctx, "k", "")
	require.NoError(t, err)
	require.Equal(t, idempotency.Completed, done.State)
	require.ErrorIs(t, done.Release(ctx), idempotency.ErrLeaseLost, "a completed attempt holds nothing")
}

func TestNewRunnerRejectsBadConfig(t *testing.T) {
	_, err := idempotency.NewRunner(nil)
	require.ErrorIs(t, err, idempotency.ErrInvalidConfig)
	for name, opt := range map[string]idempotency.RunnerOption{
		"WithLease":        idempotency.WithLease(-time.Second),
		"WithTTL":          idempotency.WithTTL(0),
		"WithStoreTimeout": idempotency.WithStoreTimeout(0),
	} {
		_, err := idempotency.NewRunner(mem(t), opt)
		require.ErrorIs(t, err, idempotency.ErrInvalidConfig, name)
		require.ErrorContains(t, err, name)
	}
}

// failingStore fails Claim for one key, as a store that drops out in the
// middle of a batch.
type failingStore struct {
	idempotency.Store
	failKey string
}

func (f *failingStore) Claim(ctx context.Context, key, fp string, lease time.Duration) (idempotency.Claim, error) {
	if key == f.failKey {
		return idempotency.Claim{}, errors.New("connection reset")
	}
	return f.Store.Claim(ctx, key, fp, lease)
}

// The shape of a webhook delivery holding a batch: every event is claimed
// before any runs; when a claim fails the ones held are released and
// nothing runs; then each held event runs, completed or released on its
// own.
func TestRunnerBatchClaimThenRun(t *testing.T) {
	ctx := context.Background()
	base := mem(t)
	store := &failingStore{Store: base, failKey: "batch:c"}
	r := newRunner(t, store)
	ran := map[string]int{}
	deliver := func(keys ...string) error {
		var held []*idempotency.Attempt
		for _, k := range keys {
			a, err := r.Claim(ctx, k, "")
			if err != nil {
				for _, h := range held {
					require.NoError(t, h.Release(ctx))
				}
				return err
			}
			if a.State == idempotency.Acquired {
				held = append(held, a)
			}
		}
		var failed error
		for _, a := range held {
			_, err := a.Run(ctx, func(context.Context) (idempotency.Record, error) {
				ran[a.Key()]++
				if a.Key() == "batch:b" && ran[a.Key()] == 1 {
					return idempotency.Record{}, errors.New("handler failed")
				}
				return idempotency.Record{Status: 200}, nil
			})
			if err != nil {
				failed = err
			}
		}
		return failed
	}
	require.ErrorContains(t, deliver("batch:a", "batch:b", "batch:c"), "connection reset")
	require.Empty(t, ran, "nothing runs when a claim of the batch fails")
	store.failKey = ""
	require.ErrorContains(t, deliver("batch:a", "batch:b", "batch:c"), "handler failed")
	require.NoError(t, deliver("batch:a", "batch:b", "batch:c"), "the retry runs only the failed event")
	require.Equal(t, map[string]int{"batch:a": 1, "batch:b": 2, "batch:c": 1}, ran)
}
