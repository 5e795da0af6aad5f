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
	"github.com/switchboard-go/switchboard/idempotency/storekit"
)

// ShortLease is the lease and TTL the suite uses when it waits for expiry.
const ShortLease = 150 * time.Millisecond

// LongLease is the lease the suite uses when a claim must not expire
// during the test.
const LongLease = time.Minute

// Harness describes the backend under test to Run.
type Harness struct {
	// New returns a new, empty store for one check, isolated from the
	// stores of other calls (its own schema, key prefix or file), and
	// registers its cleanup with t.Cleanup. Required.
	New func(t *testing.T) idempotency.Store

	// NewWithClock, when set, returns a store like New whose clock is now.
	// The suite then moves a fake clock instead of sleeping, and runs the
	// checks that need exact time (a lease ends exactly at its duration).
	// nil: expiry is checked by sleeping past short leases, and the exact
	// checks skip. Backends that read the server's clock (PostgreSQL,
	// Redis) leave it nil.
	NewWithClock func(t *testing.T, now func() time.Time) idempotency.Store

	// InjectError makes s, a store New returned, fail the way kind
	// describes: idempotency.ErrUnavailable (the backend is down: closed
	// pool or client, dropped connection) or idempotency.ErrStoreFull (a
	// bounded store is full of live claims). It returns false when the
	// backend cannot fail that way, and the check skips. nil skips every
	// check that needs it.
	InjectError func(t *testing.T, s idempotency.Store, kind error) bool
}

type check struct {
	name string
	fn   func(t *testing.T, h Harness)
}

// plain adapts a check that needs nothing but a store (New, or
// NewWithClock when the check runs on a timeline).
func plain(fn func(t *testing.T, s idempotency.Store)) func(t *testing.T, h Harness) {
	return func(t *testing.T, h Harness) { fn(t, h.New(t)) }
}

// timed adapts a check that lets time pass.
func timed(fn func(t *testing.T, tl *timeline)) func(t *testing.T, h Harness) {
	return func(t *testing.T, h Harness) { fn(t, h.timeline(t)) }
}

func checks() []check {
	return []check{
		{"Sequential", plain(testSequential)},
		{"ReleaseThenReclaim", plain(testReleaseThenReclaim)},
		{"KeysAreIndependent", plain(testKeysIndependent)},
		{"RecordRoundTrip", plain(testRecordRoundTrip)},
		{"LeaseExpiryAndTakeover", timed(testLeaseExpiryTakeover)},
		{"ExpiredLeaseCannotComplete", timed(testExpiredLeaseCannotComplete)},
		{"TTLExpiry", timed(testTTLExpiry)},
		{"ExactExpiry", testExactExpiry},
		{"KeyValidation", plain(testKeyValidation)},
		{"InvalidDurations", plain(testInvalidDurations)},
		{"CancelledContext", plain(testCancelledContext)},
		{"Closed", plain(testClosed)},
		{"Unavailable", testUnavailable},
		{"StoreFull", testStoreFull},
		{"ConcurrentClaimsOneKey", plain(testConcurrentOneKey)},
		{"ConcurrentWorkersManyKeys", plain(testConcurrentManyKeys)},
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

// Run runs the whole conformance suite against the backend h describes,
// each check as a subtest with a store of its own. Checks whose hook is
// nil skip with t.Skip naming the hook.
func Run(t *testing.T, h Harness) {
	t.Helper()
	require.NotNil(t, h.New, "Harness.New is required")
	newStore := h.New
	h.New = func(t *testing.T) idempotency.Store {
		s := newStore(t)
		require.NotNil(t, s, "Harness.New returned a nil store")
		return s
	}
	for _, tc := range checks() {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, h) })
	}
}

// timeline is a store and the way time passes for it: a fake clock the
// suite moves, or the real clock the suite sleeps on.
type timeline struct {
	s     idempotency.Store
	clock *fakeClock // nil: real time
}

func (h Harness) timeline(t *testing.T) *timeline {
	if h.NewWithClock == nil {
		return &timeline{s: h.New(t)}
	}
	c := &fakeClock{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := h.NewWithClock(t, c.Now)
	require.NotNil(t, s, "Harness.NewWithClock returned a nil store")
	return &timeline{s: s, clock: c}
}

// pass lets at least d go by for the store: the fake clock moves by
// exactly d, or the test sleeps d and a margin for the backend's clock
// granularity (Redis expires in whole milliseconds). Sleeping is a lower
// bound on elapsed time, so afterwards a lease of d has run out on any
// clock that measures it, however loaded the machine.
func (tl *timeline) pass(d time.Duration) {
	if tl.clock != nil {
		tl.clock.Advance(d)
		return
	}
	time.Sleep(d + 20*time.Millisecond)
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// uniqueKey returns a key unique to the test, readable in a store dump.
func uniqueKey(t *testing.T, suffix string) string {
	return fmt.Sprintf("%s/%s/%s", t.Name(), storekit.NewToken()[:8], suffix)
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

func testLeaseExpiryTakeover(t *testing.T, tl *timeline) {
	s := tl.s
	ctx := ctxFor(t)
	key := uniqueKey(t, "k")
	old := mustAcquire(t, s, key, "fp-old", ShortLease)

	c, err := s.Claim(ctx, key, "fp-new", LongLease)
	require.NoError(t, err)
	require.Equal(t, idempotency.InProgress, c.State, "a live lease holds the key")
	require.Equal(t, "fp-old", c.Fingerprint)

	tl.pass(ShortLease)
	c, err = s.Claim(ctx, key, "fp-new", LongLease)
	require.NoError(t, err)
	require.Equal(t, idempotency.Acquired, c.State, "an expired lease must be claimable again")
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
	require.Equal(t, []byte("fresh"), got.Record.Body, "the new holder's record is kept")
	require.Equal(t, "fp-new", got.Fingerprint)
}

func testExpiredLeaseCannotComplete(t *testing.T, tl *timeline) {
	s := tl.s
	ctx := ctxFor(t)
	key1, key2 := uniqueKey(t, "complete"), uniqueKey(t, "release")
	tok1 := mustAcquire(t, s, key1, "fp", ShortLease)
	tok2 := mustAcquire(t, s, key2, "fp", ShortLease)
	tl.pass(ShortLease)
	require.ErrorIs(t, s.Complete(ctx, key1, tok1, idempotency.Record{Status: 200}, LongLease), idempotency.ErrLeaseLost,
		"a token whose lease ran out no longer holds the key, even before anyone else claims it")
	require.ErrorIs(t, s.Release(ctx, key2, tok2), idempotency.ErrLeaseLost)
	mustAcquire(t, s, key1, "fp", LongLease)
	mustAcquire(t, s, key2, "fp", LongLease)
}

func testTTLExpiry(t *testing.T, tl *timeline) {
	s := tl.s
	ctx := ctxFor(t)
	key := uniqueKey(t, "k")
	tok := mustAcquire(t, s, key, "fp", LongLease)
	require.NoError(t, s.Complete(ctx, key, tok, idempotency.Record{Status: 200, Body: []byte("x")}, ShortLease))
	c, err := s.Claim(ctx, key, "fp-2", LongLease)
	require.NoError(t, err)
	require.Equal(t, idempotency.Completed, c.State, "a completed key is remembered for its TTL")

	tl.pass(ShortLease)
	c, err = s.Claim(ctx, key, "fp-2", LongLease)
	require.NoError(t, err)
	require.Equal(t, idempotency.Acquired, c.State, "a completed key must be claimable once its TTL ran out")
	require.NotEqual(t, tok, c.Token)
	require.ErrorIs(t, s.Complete(ctx, key, tok, idempotency.Record{Status: 200}, LongLease), idempotency.ErrLeaseLost)
	require.NoError(t, s.Complete(ctx, key, c.Token, idempotency.Record{Status: 201}, LongLease))
	got, err := s.Claim(ctx, key, "fp-2", LongLease)
	require.NoError(t, err)
	require.Equal(t, idempotency.Completed, got.State)
	require.Equal(t, 201, got.Record.Status)
	require.Equal(t, "fp-2", got.Fingerprint)
}

// testExactExpiry checks on a fake clock that a lease and a TTL end
// exactly at their duration: one nanosecond before, the key is still held.
func testExactExpiry(t *testing.T, h Harness) {
	if h.NewWithClock == nil {
		t.Skip("Harness.NewWithClock is nil: exact expiry needs a clock the suite moves")
	}
	tl := h.timeline(t)
	s := tl.s
	ctx := ctxFor(t)
	key := uniqueKey(t, "k")
	tok := mustAcquire(t, s, key, "fp", time.Second)
	tl.pass(time.Second - time.Nanosecond)
	c, err := s.Claim(ctx, key, "fp", time.Second)
	require.NoError(t, err)
	require.Equal(t, idempotency.InProgress, c.State, "1ns before its end the lease still holds")
	tl.pass(time.Nanosecond)
	c, err = s.Claim(ctx, key, "fp", time.Second)
	require.NoError(t, err)
	require.Equal(t, idempotency.Acquired, c.State, "a lease ends exactly at its duration")
	require.ErrorIs(t, s.Complete(ctx, key, tok, idempotency.Record{Status: 200}, time.Hour), idempotency.ErrLeaseLost)

	require.NoError(t, s.Complete(ctx, key, c.Token, idempotency.Record{Status: 200}, time.Hour))
	tl.pass(time.Hour - time.Nanosecond)
	c, err = s.Claim(ctx, key, "fp", time.Second)
	require.NoError(t, err)
	require.Equal(t, idempotency.Completed, c.State, "1ns before its TTL ends the key is still completed")
	tl.pass(time.Nanosecond)
	c, err = s.Claim(ctx, key, "fp", time.Second)
	require.NoError(t, err)
	require.Equal(t, idempotency.Acquired, c.State, "a TTL ends exactly at its duration")
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
			require.ErrorIs(t, err, idempotency.ErrInvalidKey, "key %q", key)
			require.NotEqual(t, idempotency.Acquired, c.State)
			require.ErrorIs(t, s.Complete(ctx, key, "tok", idempotency.Record{}, LongLease), idempotency.ErrInvalidKey)
			require.ErrorIs(t, s.Release(ctx, key, "tok"), idempotency.ErrInvalidKey)
		})
	}
	valid := map[string]string{
		"max length": strings.Repeat("m", idempotency.MaxKeyLen-9) + storekit.NewToken()[:9],
		"unicode":    "clé/✓/" + storekit.NewToken(),
		"spaces":     "a key with spaces " + storekit.NewToken(),
		"symbols":    `stripe:evt_1{"x"}%_*[]'` + storekit.NewToken(),
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
	require.ErrorIs(t, err, idempotency.ErrUnavailable, "a cancelled context must not yield a claim")
	require.NotEqual(t, idempotency.Acquired, c.State)
	require.Empty(t, c.Token)

	tok := mustAcquire(t, s, key, "fp", LongLease)
	require.ErrorIs(t, s.Complete(ctx, key, tok, idempotency.Record{Status: 200}, LongLease), idempotency.ErrUnavailable)
	require.ErrorIs(t, s.Release(ctx, key, tok), idempotency.ErrUnavailable)
	// The key is still held by tok.
	require.NoError(t, s.Complete(ctxFor(t), key, tok, idempotency.Record{Status: 200}, LongLease))
}

// testClosed checks that Close may be called twice and that a closed store
// refuses every call with an error wrapping idempotency.ErrClosed.
func testClosed(t *testing.T, s idempotency.Store) {
	ctx := ctxFor(t)
	key := uniqueKey(t, "k")
	tok := mustAcquire(t, s, key, "fp", LongLease)
	require.NoError(t, s.Close(), "Close")
	require.NoError(t, s.Close(), "Close is idempotent")
	c, err := s.Claim(ctx, uniqueKey(t, "after"), "fp", LongLease)
	require.ErrorIs(t, err, idempotency.ErrClosed, "Claim after Close")
	require.ErrorIs(t, err, idempotency.ErrUnavailable, "ErrClosed also means unavailable")
	require.NotEqual(t, idempotency.Acquired, c.State)
	require.Empty(t, c.Token)
	require.ErrorIs(t, s.Complete(ctx, key, tok, idempotency.Record{Status: 200}, LongLease), idempotency.ErrClosed, "Complete after Close")
	require.ErrorIs(t, s.Release(ctx, key, tok), idempotency.ErrClosed, "Release after Close")
}

// testUnavailable checks that a backend that is down answers every call
// with an error matching idempotency.ErrUnavailable, never a claim and
// never ErrLeaseLost (which would tell the holder its work was taken over).
func testUnavailable(t *testing.T, h Harness) {
	if h.InjectError == nil {
		t.Skip("Harness.InjectError is nil: cannot make the backend unavailable")
	}
	s := h.New(t)
	ctx := ctxFor(t)
	key := uniqueKey(t, "held")
	tok := mustAcquire(t, s, key, "fp", LongLease)
	if !h.InjectError(t, s, idempotency.ErrUnavailable) {
		t.Skip("Harness.InjectError cannot make this backend fail as idempotency.ErrUnavailable")
	}
	c, err := s.Claim(ctx, uniqueKey(t, "new"), "fp", LongLease)
	require.ErrorIs(t, err, idempotency.ErrUnavailable, "Claim on a backend that is down")
	require.NotEqual(t, idempotency.Acquired, c.State)
	require.Empty(t, c.Token)
	for name, err := range map[string]error{
		"Complete": s.Complete(ctx, key, tok, idempotency.Record{Status: 200}, LongLease),
		"Release":  s.Release(ctx, key, tok),
	} {
		require.ErrorIs(t, err, idempotency.ErrUnavailable, "%s on a backend that is down", name)
		require.NotErrorIs(t, err, idempotency.ErrLeaseLost, "%s must not report a lost lease for an outage", name)
	}
}

// testStoreFull checks that a bounded store full of live claims refuses a
// new key with idempotency.ErrStoreFull, which also matches
// idempotency.ErrUnavailable.
func testStoreFull(t *testing.T, h Harness) {
	if h.InjectError == nil {
		t.Skip("Harness.InjectError is nil: cannot fill the store")
	}
	s := h.New(t)
	if !h.InjectError(t, s, idempotency.ErrStoreFull) {
		t.Skip("Harness.InjectError cannot make this backend fail as idempotency.ErrStoreFull: it is not bounded")
	}
	c, err := s.Claim(ctxFor(t), uniqueKey(t, "new"), "fp", LongLease)
	require.ErrorIs(t, err, idempotency.ErrStoreFull, "Claim on a store full of live claims")
	require.ErrorIs(t, err, idempotency.ErrUnavailable, "ErrStoreFull also means unavailable")
	require.NotEqual(t, idempotency.Acquired, c.State)
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
	c, err := s.Claim(ctx, "down/"+storekit.NewToken(), "fp", LongLease)
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
