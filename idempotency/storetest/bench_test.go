package storetest_test

import (
	"context"
	"errors"
	"flag"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
	"github.com/switchboard-go/switchboard/idempotency/storetest"
)

// recordingStore counts the calls that reach a memory store.
type recordingStore struct {
	idempotency.Store
	mu               sync.Mutex
	claims, complete int
	keys             map[string]bool
}

func (r *recordingStore) Claim(ctx context.Context, key, fp string, lease time.Duration) (idempotency.Claim, error) {
	r.mu.Lock()
	r.claims++
	r.keys[key] = true
	r.mu.Unlock()
	return r.Store.Claim(ctx, key, fp, lease)
}

func (r *recordingStore) Complete(ctx context.Context, key, token string, rec idempotency.Record, ttl time.Duration) error {
	r.mu.Lock()
	r.complete++
	r.mu.Unlock()
	return r.Store.Complete(ctx, key, token, rec, ttl)
}

// withBenchtime sets -test.benchtime for the test, so that
// testing.Benchmark runs a fixed, small number of iterations.
func withBenchtime(t *testing.T, v string) {
	f := flag.Lookup("test.benchtime")
	require.NotNil(t, f)
	old := f.Value.String()
	require.NoError(t, f.Value.Set(v))
	t.Cleanup(func() { require.NoError(t, f.Value.Set(old)) })
}

func TestBenchClaimComplete(t *testing.T) {
	withBenchtime(t, "20x")
	mem, err := memstore.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = mem.Close() })
	s := &recordingStore{Store: mem, keys: map[string]bool{}}

	var (
		mu       sync.Mutex
		setups   int
		claimed  = map[string]string{} // key to token
		complete int
	)
	res := testing.Benchmark(func(b *testing.B) {
		storetest.BenchClaimComplete(b, s, "bare", func(*testing.B) storetest.BareOps {
			mu.Lock()
			setups++
			mu.Unlock()
			return storetest.BareOps{
				Claim: func(_ context.Context, key, token string) error {
					mu.Lock()
					defer mu.Unlock()
					if _, dup := claimed[key]; dup || token == "" {
						return idempotency.ErrLeaseLost
					}
					claimed[key] = token
					return nil
				},
				Complete: func(_ context.Context, key, token string) error {
					mu.Lock()
					defer mu.Unlock()
					if claimed[key] != token {
						return idempotency.ErrLeaseLost
					}
					complete++
					return nil
				},
			}
		})
	})
	require.Positive(t, res.N)

	s.mu.Lock()
	defer s.mu.Unlock()
	require.Positive(t, s.claims)
	require.Equal(t, s.claims, s.complete, "every store claim is completed")
	require.Len(t, s.keys, s.claims, "every store iteration uses a fresh key")
	for key := range s.keys {
		require.True(t, strings.HasPrefix(key, "store:"), key)
	}

	mu.Lock()
	defer mu.Unlock()
	require.Positive(t, setups)
	require.Positive(t, len(claimed))
	require.Equal(t, len(claimed), complete, "every bare claim is completed with its token")
	for key := range claimed {
		require.True(t, strings.HasPrefix(key, "bare:"), key)
	}
}

func TestBenchRecordIsAFreshCopy(t *testing.T) {
	a := storetest.BenchRecord()
	a.Body[0] = 'x'
	a.Header.Set("Content-Type", "text/plain")
	b := storetest.BenchRecord()
	require.Equal(t, 200, b.Status)
	require.Equal(t, "application/json", b.Header.Get("Content-Type"))
	require.Equal(t, byte('{'), b.Body[0])
}

func TestClosedPort(t *testing.T) {
	addr := storetest.ClosedPort(t)
	require.True(t, strings.HasPrefix(addr, "127.0.0.1:"), addr)
}

func TestErrorHidesSecret(t *testing.T) {
	const secret = "p@ss w/rd"
	storetest.ErrorHidesSecret(t, errors.New("dial tcp 127.0.0.1:1: connection refused"), secret)
	for _, msg := range []string{"bad " + secret, "bad " + url.PathEscape(secret), "bad " + url.QueryEscape(secret)} {
		ft := &fakeT{}
		func() {
			defer func() { _ = recover() }()
			storetest.ErrorHidesSecret(ft, errors.New(msg), secret)
		}()
		require.True(t, ft.failed, "%q must be caught", msg)
	}
	ft := &fakeT{}
	func() {
		defer func() { _ = recover() }()
		storetest.ErrorHidesSecret(ft, nil, secret)
	}()
	require.True(t, ft.failed, "a nil error must be caught")
}

// fakeT records a failure instead of failing the test; FailNow panics to
// stop the helper, as runtime.Goexit would.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Name() string          { return "fake" }
func (f *fakeT) Helper()               {}
func (f *fakeT) Errorf(string, ...any) { f.failed = true }
func (f *fakeT) FailNow()              { f.failed = true; panic("FailNow") }
