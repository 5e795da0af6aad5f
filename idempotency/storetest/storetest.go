package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
)

// ShortLease is the lease and TTL the suite uses when it waits for expiry.
const ShortLease = 150 * time.Millisecond

// LongLease is the lease the suite uses when a claim must not expire
// during the test.
const LongLease = time.Minute

// waitFor bounds how long the suite waits for a short lease or TTL to run
// out; generous so a loaded machine does not fail the suite.
const waitFor = 10 * time.Second

// Factory returns a new, empty store for one test. It registers any cleanup
// (closing the store, dropping a schema) with t.Cleanup. Each call must
// return a store isolated from the stores of other calls.
type Factory func(t *testing.T) idempotency.Store

type check struct {
	name string
	fn   func(t *testing.T, s idempotency.Store)
}

func checks() []check {
	return []check{
		{"Sequential", testSequential},
		{"ReleaseThenReclaim", testReleaseThenReclaim},
		{"KeysAreIndependent", testKeysIndependent},
		{"RecordRoundTrip", testRecordRoundTrip},
		{"LeaseExpiryAndTakeover", testLeaseExpiryTakeover},
		{"ExpiredLeaseCannotComplete", testExpiredLeaseCannotComplete},
		{"TTLExpiry", testTTLExpiry},
		{"KeyValidation", testKeyValidation},
		{"InvalidDurations", testInvalidDurations},
		{"CancelledContext", testCancelledContext},
		{"ConcurrentClaimsOneKey", testConcurrentOneKey},
		{"ConcurrentWorkersManyKeys", testConcurrentManyKeys},
	}
}

// Checks returns the names of the suite's checks, in the order Run runs
// them as subtests (so "go test -run Conformance/TTLExpiry" picks one).
func Checks() []string {
	var out []string
	for _, c := range checks() {
		out = append(out, c.name)
	}
	return out
}

// Run runs the whole conformance suite against the stores newStore
// returns, each check as a subtest with a store of its own.
func Run(t *testing.T, newStore Factory) {
	t.Helper()
	for _, tc := range checks() {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			require.NotNil(t, s, "factory returned a nil store")
			tc.fn(t, s)
		})
	}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// uniqueKey returns a key unique to the test, readable in a store dump.
func uniqueKey(t *testing.T, suffix string) string {
	return fmt.Sprintf("%s/%s/%s", t.Name(), idempotency.NewToken()[:8], suffix)
}

func mustAcquire(t *testing.T, s idempotency.Store, key, fp string, lease time.Duration) string {
	t.Helper()
	c, err := s.Claim(ctxFor(t), key, fp, lease)
	require.NoError(t, err)
	require.Equal(t, idempotency.Acquired, c.State)
	require.NotEmpty(t, c.Token)
	require.Nil(t, c.Record)
	require.Empty(t, c.Fingerprint)
	return c.Token
}

func testSequential(t *testing.T, s idempotency.Store) {
	ctx := ctxFor(t)
	key := uniqueKey(t, "k")
	tok := mustAcquire(t, s, key, "fp-1", LongLease)

	// A second claim, with the same or another fingerprint, sees the live lease.
	for _, fp := range []string{"fp-1", "fp-2", ""} {
		c, err := s.Claim(ctx, key, fp, LongLease)
		require.NoError(t, err)
		require.Equal(t, idempotency.InProgress, c.State, "fingerprint %q", fp)
		require.Empty(t, c.Token)
		require.Nil(t, c.Record)
		require.Equal(t, "fp-1", c.Fingerprint)
	}

	// A wrong token can neither complete nor release.
	require.ErrorIs(t, s.Complete(ctx, key, "not-the-token", idempotency.Record{Status: 200}, LongLease), idempotency.ErrLeaseLost)
	require.ErrorIs(t, s.Release(ctx, key, "not-the-token"), idempotency.ErrLeaseLost)
	require.ErrorIs(t, s.Complete(ctx, uniqueKey(t, "absent"), tok, idempotency.Record{Status: 200}, LongLease), idempotency.ErrLeaseLost)
	require.ErrorIs(t, s.Release(ctx, uniqueKey(t, "absent"), tok), idempotency.ErrLeaseLost)

	rec := idempotency.Record{Status: 201, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"id":1}`)}
	require.NoError(t, s.Complete(ctx, key, tok, rec, LongLease))

	for _, fp := range []string{"fp-1", "fp-2"} {
		c, err := s.Claim(ctx, key, fp, LongLease)
		require.NoError(t, err)
		require.Equal(t, idempotency.Completed, c.State)
		require.Empty(t, c.Token)
		require.Equal(t, "fp-1", c.Fingerprint)
		require.NotNil(t, c.Record)
		require.Equal(t, 201, c.Record.Status)
		require.Equal(t, []string{"application/json"}, c.Record.Header.Values("Content-Type"))
		require.Equal(t, []byte(`{"id":1}`), c.Record.Body)
		require.Equal(t, "fp-1", c.Record.Fingerprint)
	}

	// Once completed, the token holds nothing any more.
	require.ErrorIs(t, s.Complete(ctx, key, tok, rec, LongLease), idempotency.ErrLeaseLost)
	require.ErrorIs(t, s.Release(ctx, key, tok), idempotency.ErrLeaseLost)
	c, err := s.Claim(ctx, key, "fp-1", LongLease)
	require.NoError(t, err)
	require.Equal(t, idempotency.Completed, c.State, "a refused Complete or Release must not change the record")
}

func testReleaseThenReclaim(t *testing.T, s idempotency.Store) {
	ctx := ctxFor(t)
	key := uniqueKey(t, "k")
	tok1 := mustAcquire(t, s, key, "fp-1", LongLease)
	require.NoError(t, s.Release(ctx, key, tok1))
	require.ErrorIs(t, s.Release(ctx, key, tok1), idempotency.ErrLeaseLost, "release twice")

	tok2 := mustAcquire(t, s, key, "fp-2", LongLease)
	require.NotEqual(t, tok1, tok2, "a new claim gets a new token")
	require.ErrorIs(t, s.Complete(ctx, key, tok1, idempotency.Record{Status: 200}, LongLease), idempotency.ErrLeaseLost)

	c, err := s.Claim(ctx, key, "fp-3", LongLease)
	require.NoError(t, err)
	require.Equal(t, idempotency.InProgress, c.State)
	require.Equal(t, "fp-2", c.Fingerprint, "the fingerprint is the new holder's")

	require.NoError(t, s.Complete(ctx, key, tok2, idempotency.Record{Status: 204}, LongLease))
	c, err = s.Claim(ctx, key, "fp-2", LongLease)
	require.NoError(t, err)
	require.Equal(t, idempotency.Completed, c.State)
	require.Equal(t, 204, c.Record.Status)
	require.Equal(t, "fp-2", c.Record.Fingerprint)
}

func testKeysIndependent(t *testing.T, s idempotency.Store) {
	ctx := ctxFor(t)
	a, b := uniqueKey(t, "a"), uniqueKey(t, "b")
	tokA := mustAcquire(t, s, a, "fa", LongLease)
	tokB := mustAcquire(t, s, b, "fb", LongLease)
	require.NotEqual(t, tokA, tokB)
	require.ErrorIs(t, s.Complete(ctx, a, tokB, idempotency.Record{Status: 200}, LongLease), idempotency.ErrLeaseLost, "a token is bound to its key")
	require.NoError(t, s.Complete(ctx, a, tokA, idempotency.Record{Status: 200, Body: []byte("a")}, LongLease))
	require.NoError(t, s.Release(ctx, b, tokB))

	c, err := s.Claim(ctx, a, "fa", LongLease)
	require.NoError(t, err)
	require.Equal(t, idempotency.Completed, c.State)
	require.Equal(t, []byte("a"), c.Record.Body)
	mustAcquire(t, s, b, "fb", LongLease)
}

func binaryBody(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

func testRecordRoundTrip(t *testing.T, s idempotency.Store) {
	allBytes := make([]byte, 256)
	for i := range allBytes {
		allBytes[i] = byte(i)
	}
	tests := []struct {
		name string
		fp   string
		rec  idempotency.Record
	}{
		{"json", "sha256:abc", idempotency.Record{Status: 200, Header: http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"r1"}}, Body: []byte(`{"ok":true}`)}},
		{"empty body", "fp", idempotency.Record{Status: 204, Header: http.Header{"X-Empty": {""}}, Body: []byte{}}},
		{"nil body and header", "fp", idempotency.Record{Status: 202}},
		{"all byte values", "fp", idempotency.Record{Status: 200, Header: http.Header{"Content-Type": {"application/octet-stream"}}, Body: allBytes}},
		{"large binary", "fp", idempotency.Record{Status: 200, Body: binaryBody(256 << 10)}},
		{"multi-valued headers", "fp", idempotency.Record{Status: 201, Header: http.Header{"Link": {"<a>; rel=x", "<b>; rel=y"}, "Vary": {"Accept", "Accept-Encoding"}}}},
		{"client error", "fp", idempotency.Record{Status: 422, Body: []byte("bad input\n")}},
		{"zero status", "fp", idempotency.Record{Status: 0, Body: []byte("outcome")}},
		{"unicode fingerprint", "prüfsumme/✓", idempotency.Record{Status: 200, Body: []byte("ünïcode ✓")}},
		{"empty fingerprint", "", idempotency.Record{Status: 200}},
		{"caller fingerprint ignored", "claimed", idempotency.Record{Status: 200, Fingerprint: "from-caller"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxFor(t)
			key := uniqueKey(t, "k")
			tok := mustAcquire(t, s, key, tc.fp, LongLease)
			require.NoError(t, s.Complete(ctx, key, tok, tc.rec, LongLease))
			c, err := s.Claim(ctx, key, tc.fp+"-other", LongLease)
			require.NoError(t, err)
			require.Equal(t, idempotency.Completed, c.State)
			require.NotNil(t, c.Record)
			require.Equal(t, tc.fp, c.Fingerprint)
			require.Equal(t, tc.fp, c.Record.Fingerprint)
			require.Equal(t, tc.rec.Status, c.Record.Status)
			require.True(t, bytes.Equal(tc.rec.Body, c.Record.Body), "body differs: want %d bytes, got %d", len(tc.rec.Body), len(c.Record.Body))
			require.Len(t, c.Record.Header, len(tc.rec.Header))
			for k, v := range tc.rec.Header {
				require.Equal(t, v, c.Record.Header[k], "header %s", k)
			}
		})
	}
}

func testLeaseExpiryTakeover(t *testing.T, s idempotency.Store) {
	ctx := ctxFor(t)
	key := uniqueKey(t, "k")
	old := mustAcquire(t, s, key, "fp-old", ShortLease)

	var c idempotency.Claim
	require.Eventually(t, func() bool {
		var err error
		c, err = s.Claim(ctx, key, "fp-new", LongLease)
		require.NoError(t, err)
		if c.State == idempotency.InProgress {
			require.Equal(t, "fp-old", c.Fingerprint)
		}
		return c.State == idempotency.Acquired
	}, waitFor, 20*time.Millisecond, "an expired lease must be claimable again")
	require.NotEmpty(t, c.Token)
	require.NotEqual(t, old, c.Token, "takeover issues a new token")

	// Fencing: the old holder can no longer act on the key.
	require.ErrorIs(t, s.Complete(ctx, key, old, idempotency.Record{Status: 500, Body: []byte("stale")}, LongLease), idempotency.ErrLeaseLost)
	require.ErrorIs(t, s.Release(ctx, key, old), idempotency.ErrLeaseLost)

	got, err := s.Claim(ctx, key, "fp-other", LongLease)
	require.NoError(t, err)
	require.Equal(t, idempotency.InProgress, got.State, "the stale Release must not have freed the key")
	require.Equal(t, "fp-new", got.Fingerprint)

	require.NoError(t, s.Complete(ctx, key, c.Token, idempotency.Record{Status: 200, Body: []byte("fresh")}, LongLease))
	require.ErrorIs(t, s.Complete(ctx, key, old, idempotency.Record{Status: 500, Body: []byte("stale")}, LongLease), idempotency.ErrLeaseLost)
	got, err = s.Claim(ctx, key, "fp-new", LongLease)
	require.NoError(t, err)
	require.Equal(t, idempotency.Completed, got.State)
	require.Equal(t, []byte("fresh"), got.Record.Body)
	require.Equal(t, "fp-new", got.Fingerprint)
}

func testExpiredLeaseCannotComplete(t *testing.T, s idempotency.Store) {
	ctx := ctxFor(t)
	key1, key2 := uniqueKey(t, "complete"), uniqueKey(t, "release")
	tok1 := mustAcquire(t, s, key1, "fp", ShortLease)
	tok2 := mustAcquire(t, s, key2, "fp", ShortLease)
	// Sleeping is a lower bound on elapsed time, so after it the leases have
	// certainly run out, however loaded the machine.
	time.Sleep(3 * ShortLease)
	require.ErrorIs(t, s.Complete(ctx, key1, tok1, idempotency.Record{Status: 200}, LongLease), idempotency.ErrLeaseLost)
	require.ErrorIs(t, s.Release(ctx, key2, tok2), idempotency.ErrLeaseLost)
	mustAcquire(t, s, key1, "fp", LongLease)
	mustAcquire(t, s, key2, "fp", LongLease)
}

func testTTLExpiry(t *testing.T, s idempotency.Store) {
	ctx := ctxFor(t)
	key := uniqueKey(t, "k")
	tok := mustAcquire(t, s, key, "fp", LongLease)
	require.NoError(t, s.Complete(ctx, key, tok, idempotency.Record{Status: 200, Body: []byte("x")}, ShortLease))
	var c idempotency.Claim
	require.Eventually(t, func() bool {
		var err error
		c, err = s.Claim(ctx, key, "fp-2", LongLease)
		require.NoError(t, err)
		require.NotEqual(t, idempotency.InProgress, c.State)
		return c.State == idempotency.Acquired
	}, waitFor, 20*time.Millisecond, "a completed key must be claimable once its TTL ran out")
	require.NotEqual(t, tok, c.Token)
	require.ErrorIs(t, s.Complete(ctx, key, tok, idempotency.Record{Status: 200}, LongLease), idempotency.ErrLeaseLost)
	require.NoError(t, s.Complete(ctx, key, c.Token, idempotency.Record{Status: 201}, LongLease))
	got, err := s.Claim(ctx, key, "fp-2", LongLease)
	require.NoError(t, err)
	require.Equal(t, idempotency.Completed, got.State)
	require.Equal(t, 201, got.Record.Status)
	require.Equal(t, "fp-2", got.Fingerprint)
}

func testKeyValidation(t *testing.T, s idempotency.Store) {
	ctx := ctxFor(t)
	invalid := map[string]string{
		"empty":       "",
		"too long":    strings.Repeat("k", idempotency.MaxKeyLen+1),
		"bad UTF-8":   "key\xff\xfe",
		"NUL byte":    "a\x00b",
		"long UTF-8":  strings.Repeat("é", idempotency.MaxKeyLen/2+1),
		"only NUL":    "\x00",
		"trailing NU": "key\x00",
	}
	for name, key := range invalid {
		t.Run(name, func(t *testing.T) {
			c, err := s.Claim(ctx, key, "fp", LongLease)
			require.ErrorIs(t, err, idempotency.ErrInvalidKey)
			require.NotEqual(t, idempotency.Acquired, c.State)
			require.ErrorIs(t, s.Complete(ctx, key, "tok", idempotency.Record{}, LongLease), idempotency.ErrInvalidKey)
			require.ErrorIs(t, s.Release(ctx, key, "tok"), idempotency.ErrInvalidKey)
		})
	}
	valid := map[string]string{
		"max length": strings.Repeat("m", idempotency.MaxKeyLen-9) + idempotency.NewToken()[:9],
		"unicode":    "clé/✓/" + idempotency.NewToken(),
		"spaces":     "a key with spaces " + idempotency.NewToken(),
		"symbols":    `stripe:evt_1{"x"}%_*[]'` + idempotency.NewToken(),
	}
	for name, key := range valid {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, idempotency.ValidateKey(key))
			tok := mustAcquire(t, s, key, "fp", LongLease)
			require.NoError(t, s.Complete(ctx, key, tok, idempotency.Record{Status: 200, Body: []byte(key)}, LongLease))
			c, err := s.Claim(ctx, key, "fp", LongLease)
			require.NoError(t, err)
			require.Equal(t, idempotency.Completed, c.State)
			require.Equal(t, []byte(key), c.Record.Body)
		})
	}
}

func testInvalidDurations(t *testing.T, s idempotency.Store) {
	ctx := ctxFor(t)
	key := uniqueKey(t, "k")
	for _, d := range []time.Duration{0, -time.Nanosecond, -time.Hour} {
		c, err := s.Claim(ctx, key, "fp", d)
		require.ErrorIs(t, err, idempotency.ErrInvalidDuration, "lease %v", d)
		require.NotEqual(t, idempotency.Acquired, c.State)
	}
	tok := mustAcquire(t, s, key, "fp", LongLease)
	for _, d := range []time.Duration{0, -time.Second} {
		require.ErrorIs(t, s.Complete(ctx, key, tok, idempotency.Record{Status: 200}, d), idempotency.ErrInvalidDuration, "ttl %v", d)
	}
	// The refused calls left the claim in place.
	c, err := s.Claim(ctx, key, "fp", LongLease)
	require.NoError(t, err)
	require.Equal(t, idempotency.InProgress, c.State)
	require.NoError(t, s.Complete(ctx, key, tok, idempotency.Record{Status: 200}, LongLease))
}

func testCancelledContext(t *testing.T, s idempotency.Store) {
	key := uniqueKey(t, "k")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c, err := s.Claim(ctx, key, "fp", LongLease)
	require.Error(t, err, "a cancelled context must not yield a claim")
	require.NotEqual(t, idempotency.Acquired, c.State)
	require.Empty(t, c.Token)

	tok := mustAcquire(t, s, key, "fp", LongLease)
	require.Error(t, s.Complete(ctx, key, tok, idempotency.Record{Status: 200}, LongLease))
	require.Error(t, s.Release(ctx, key, tok))
	// The key is still held by tok.
	require.NoError(t, s.Complete(ctxFor(t), key, tok, idempotency.Record{Status: 200}, LongLease))
}

func testConcurrentOneKey(t *testing.T, s idempotency.Store) {
	const n = 64
	ctx := ctxFor(t)
	key := uniqueKey(t, "k")
	var (
		acquired, inProgress atomic.Int32
		wg                   sync.WaitGroup
		start                = make(chan struct{})
		errs                 = make(chan error, n)
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			c, err := s.Claim(ctx, key, "fp", LongLease)
			if err != nil {
				errs <- err
				return
			}
			switch c.State {
			case idempotency.Acquired:
				acquired.Add(1)
			case idempotency.InProgress:
				inProgress.Add(1)
			default:
				errs <- fmt.Errorf("unexpected state %v", c.State)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.EqualValues(t, 1, acquired.Load(), "exactly one goroutine acquires the key")
	require.EqualValues(t, n-1, inProgress.Load())
}

func testConcurrentManyKeys(t *testing.T, s idempotency.Store) {
	const (
		keys    = 1000
		workers = 8
	)
	ctx := ctxFor(t)
	prefix := uniqueKey(t, "")
	var (
		runs  [keys]atomic.Int32
		wg    sync.WaitGroup
		errMu sync.Mutex
		first error
	)
	fail := func(err error) {
		errMu.Lock()
		defer errMu.Unlock()
		if first == nil {
			first = err
		}
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			// Each worker walks every key from its own starting point, so
			// workers collide on keys throughout the run.
			for j := 0; j < keys; j++ {
				i := (j + w*keys/workers) % keys
				key := fmt.Sprintf("%s%04d", prefix, i)
				c, err := s.Claim(ctx, key, "fp", LongLease)
				if err != nil {
					fail(fmt.Errorf("claim %s: %w", key, err))
					return
				}
				if c.State != idempotency.Acquired {
					continue
				}
				runs[i].Add(1)
				rec := idempotency.Record{Status: 200, Body: []byte(fmt.Sprintf("%d by %d", i, w))}
				if err := s.Complete(ctx, key, c.Token, rec, LongLease); err != nil {
					fail(fmt.Errorf("complete %s: %w", key, err))
					return
				}
			}
		}(w)
	}
	wg.Wait()
	require.NoError(t, first)
	for i := range runs {
		require.EqualValues(t, 1, runs[i].Load(), "key %d must run exactly once", i)
	}
	for _, i := range []int{0, 1, keys / 2, keys - 1} {
		c, err := s.Claim(ctx, fmt.Sprintf("%s%04d", prefix, i), "fp", LongLease)
		require.NoError(t, err)
		require.Equal(t, idempotency.Completed, c.State)
		require.True(t, strings.HasPrefix(string(c.Record.Body), fmt.Sprintf("%d by ", i)))
	}
}

// ErrorIsNotAcquired is a helper for "store is down" tests: it asserts that
// a Claim against an unreachable store returns an error and no token, and
// that the error text does not contain any of the given secrets.
func ErrorIsNotAcquired(t *testing.T, s idempotency.Store, secrets ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := s.Claim(ctx, "down/"+idempotency.NewToken(), "fp", LongLease)
	require.Error(t, err)
	require.NotEqual(t, idempotency.Acquired, c.State)
	require.Empty(t, c.Token)
	require.False(t, errors.Is(err, idempotency.ErrLeaseLost))
	for _, e := range []error{
		err,
		s.Complete(ctx, "down/k", "tok", idempotency.Record{Status: 200}, LongLease),
		s.Release(ctx, "down/k", "tok"),
	} {
		require.Error(t, e)
		for _, secret := range secrets {
			require.NotContains(t, e.Error(), secret)
		}
	}
}
