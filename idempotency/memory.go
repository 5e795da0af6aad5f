package idempotency

import (
	"container/heap"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"
)

func init() {
	Register("memory", func(_ context.Context, _ *url.URL) (Store, error) {
		return NewMemoryStore(), nil
	})
}

// NewToken returns a new random fencing token: 32 hexadecimal characters
// drawn from crypto/rand. Backends use it for Claim.Token.
func NewToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it panics instead).
	return hex.EncodeToString(b[:])
}

// Memory store defaults.
const (
	// DefaultSweepInterval is how often, at most, a MemoryStore deletes
	// expired entries on its own.
	DefaultSweepInterval = time.Minute
	// DefaultMaxEntries is the most keys a MemoryStore holds.
	DefaultMaxEntries = 100_000
	// DefaultMaxBytes bounds the memory a MemoryStore's entries take, as
	// estimated from their keys, fingerprints and records: 64 MiB.
	DefaultMaxBytes = 64 << 20
)

// entryOverhead approximates what an entry costs beyond its strings and
// record bytes: the entry itself, its map slot and its heap slots.
const entryOverhead = 256

// MemoryOption configures a MemoryStore.
type MemoryOption func(*MemoryStore)

// WithClock makes the store read the time from now instead of time.Now,
// so tests can move time forward without sleeping.
func WithClock(now func() time.Time) MemoryOption {
	return func(s *MemoryStore) {
		if now != nil {
			s.now = now
		}
	}
}

// WithSweepInterval sets how often, at most, expired entries are deleted
// (DefaultSweepInterval unless set). Sweeps run lazily inside Claim, so an
// idle store costs nothing and needs no goroutine; an expired entry is in
// any case never visible to Claim, Complete or Release.
func WithSweepInterval(d time.Duration) MemoryOption {
	return func(s *MemoryStore) {
		if d > 0 {
			s.sweepEvery = d
		}
	}
}

// WithMaxEntries bounds the number of keys held (DefaultMaxEntries unless
// set).
func WithMaxEntries(n int) MemoryOption {
	return func(s *MemoryStore) {
		if n > 0 {
			s.maxEntries = n
		}
	}
}

// WithMaxBytes bounds the estimated memory of the entries held
// (DefaultMaxBytes unless set).
func WithMaxBytes(n int64) MemoryOption {
	return func(s *MemoryStore) {
		if n > 0 {
			s.maxBytes = n
		}
	}
}

// MemoryStore is a Store that keeps keys in process memory. It is safe for
// concurrent use and fits tests and single-process services; replicas of a
// service need a shared store (PostgreSQL or Redis) instead.
//
// The store is bounded: it holds at most WithMaxEntries keys whose
// estimated size (keys, fingerprints, stored headers and bodies) stays
// within WithMaxBytes. When a new key or record does not fit, expired
// entries are deleted first, then completed ones, those nearest to their
// expiry first (a completed key dropped early can run again if its request
// is retried). When only live claims remain, Claim and Complete fail with
// an error wrapping ErrStoreFull and nothing is dropped: a claim in
// progress is never lost.
//
// Entries expire when their lease (unfinished) or TTL (completed) runs out
// and are deleted at most once per sweep interval, or at once when room is
// needed.
type MemoryStore struct {
	now        func() time.Time
	sweepEvery time.Duration
	maxEntries int
	maxBytes   int64

	mu        sync.Mutex
	entries   map[string]*memEntry
	byExpiry  expiryHeap // every entry, soonest expiry first
	done      expiryHeap // completed entries, soonest expiry first
	bytes     int64
	lastSweep time.Time
	closed    bool
}

type memEntry struct {
	key         string
	token       string
	fingerprint string
	completed   bool
	rec         Record
	expires     time.Time // lease end while unfinished, TTL end once completed
	size        int64
	idx         [2]int // positions in byExpiry and done; -1 when absent
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore(opts ...MemoryOption) *MemoryStore {
	s := &MemoryStore{
		now:        time.Now,
		sweepEvery: DefaultSweepInterval,
		maxEntries: DefaultMaxEntries,
		maxBytes:   DefaultMaxBytes,
		entries:    make(map[string]*memEntry),
		byExpiry:   expiryHeap{slot: 0},
		done:       expiryHeap{slot: 1},
	}
	for _, o := range opts {
		o(s)
	}
	s.lastSweep = s.now()
	return s
}

// ErrClosed is returned by a MemoryStore used after Close.
var ErrClosed = errors.New("idempotency: store is closed")

// Claim implements Store.
func (s *MemoryStore) Claim(ctx context.Context, key, fingerprint string, lease time.Duration) (Claim, error) {
	if err := ValidateKey(key); err != nil {
		return Claim{}, err
	}
	if err := ValidateDuration("lease", lease); err != nil {
		return Claim{}, err
	}
	if err := ctx.Err(); err != nil {
		return Claim{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Claim{}, ErrClosed
	}
	now := s.now()
	if now.Sub(s.lastSweep) >= s.sweepEvery {
		s.sweep(now)
	}
	e, ok := s.entries[key]
	if ok && now.Before(e.expires) {
		if e.completed {
			rec := copyRecord(e.rec)
			rec.Fingerprint = e.fingerprint
			return Claim{State: Completed, Record: &rec, Fingerprint: e.fingerprint}, nil
		}
		return Claim{State: InProgress, Fingerprint: e.fingerprint}, nil
	}
	if ok {
		s.remove(e) // expired: the new claim replaces it
	}
	tok := NewToken()
	e = &memEntry{key: key, token: tok, fingerprint: fingerprint, expires: now.Add(lease), idx: [2]int{-1, -1}}
	e.size = entryOverhead + int64(len(key)+len(tok)+len(fingerprint))
	if err := s.makeRoom(now, 1, e.size); err != nil {
		return Claim{}, err
	}
	s.entries[key] = e
	s.bytes += e.size
	heap.Push(&s.byExpiry, e)
	return Claim{State: Acquired, Token: tok}, nil
}

// makeRoom deletes expired entries, then completed ones, until n more
// entries and extra more bytes fit. It fails with ErrStoreFull when only
// live claims are left; the entry a Complete is about to fill is one of
// them, so it is never dropped.
func (s *MemoryStore) makeRoom(now time.Time, n int, extra int64) error {
	fits := func() bool {
		return len(s.entries)+n <= s.maxEntries && s.bytes+extra <= s.maxBytes
	}
	if fits() {
		return nil
	}
	s.sweep(now)
	for !fits() {
		victim := s.done.peek()
		if victim == nil {
			return s.full(n, extra)
		}
		s.remove(victim)
	}
	return nil
}

func (s *MemoryStore) full(n int, extra int64) error {
	if len(s.entries)+n > s.maxEntries {
		return fmt.Errorf("%w: %d keys held by live claims, at most %d (WithMaxEntries)", ErrStoreFull, len(s.entries), s.maxEntries)
	}
	return fmt.Errorf("%w: %d more bytes do not fit beside %d bytes of live claims, at most %d (WithMaxBytes)", ErrStoreFull, extra, s.bytes, s.maxBytes)
}

// remove deletes e from the map and both heaps.
func (s *MemoryStore) remove(e *memEntry) {
	delete(s.entries, e.key)
	s.bytes -= e.size
	if e.idx[0] >= 0 {
		heap.Remove(&s.byExpiry, e.idx[0])
	}
	if e.idx[1] >= 0 {
		heap.Remove(&s.done, e.idx[1])
	}
}

// held returns the live, unfinished entry that token holds, or nil.
func (s *MemoryStore) held(key, token string, now time.Time) *memEntry {
	e, ok := s.entries[key]
	if !ok || e.completed || e.token != token || !now.Before(e.expires) {
		return nil
	}
	return e
}

// Complete implements Store.
func (s *MemoryStore) Complete(ctx context.Context, key, token string, rec Record, ttl time.Duration) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if err := ValidateDuration("ttl", ttl); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	now := s.now()
	e := s.held(key, token, now)
	if e == nil {
		return ErrLeaseLost
	}
	kept := copyRecord(rec)
	kept.Fingerprint = e.fingerprint
	size := entryOverhead + int64(len(e.key)+len(e.token)+len(e.fingerprint)) + recordSize(kept)
	if err := s.makeRoom(now, 0, size-e.size); err != nil {
		return err
	}
	s.bytes += size - e.size
	e.size = size
	e.completed = true
	e.rec = kept
	e.expires = now.Add(ttl)
	heap.Fix(&s.byExpiry, e.idx[0])
	heap.Push(&s.done, e)
	return nil
}

// Release implements Store.
func (s *MemoryStore) Release(ctx context.Context, key, token string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	e := s.held(key, token, s.now())
	if e == nil {
		return ErrLeaseLost
	}
	s.remove(e)
	return nil
}

// Len returns the number of entries held, expired or not, until the next
// sweep deletes the expired ones.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// Bytes returns the estimated memory of the entries held, the figure
// WithMaxBytes bounds.
func (s *MemoryStore) Bytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes
}

// Sweep deletes every expired entry now and returns how many it deleted.
func (s *MemoryStore) Sweep() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.entries)
	s.sweep(s.now())
	return n - len(s.entries)
}

// sweep deletes the expired entries, soonest expiry first.
func (s *MemoryStore) sweep(now time.Time) {
	for {
		e := s.byExpiry.peek()
		if e == nil || now.Before(e.expires) {
			break
		}
		s.remove(e)
	}
	s.lastSweep = now
}

// Close drops every entry; later calls fail with ErrClosed.
func (s *MemoryStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.entries = nil
	s.byExpiry.items, s.done.items = nil, nil
	s.bytes = 0
	return nil
}

func copyRecord(r Record) Record {
	out := Record{Status: r.Status, Fingerprint: r.Fingerprint}
	if r.Header != nil {
		out.Header = r.Header.Clone()
	} else {
		out.Header = http.Header{}
	}
	out.Body = append([]byte{}, r.Body...)
	return out
}

// recordSize estimates the bytes a record holds.
func recordSize(r Record) int64 {
	n := int64(len(r.Body))
	for k, vs := range r.Header {
		n += int64(len(k)) + 24
		for _, v := range vs {
			n += int64(len(v)) + 16
		}
	}
	return n
}

// expiryHeap is a min-heap of entries by expiry. slot says which of an
// entry's two positions it maintains.
type expiryHeap struct {
	items []*memEntry
	slot  int
}

func (h *expiryHeap) Len() int           { return len(h.items) }
func (h *expiryHeap) Less(i, j int) bool { return h.items[i].expires.Before(h.items[j].expires) }
func (h *expiryHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].idx[h.slot] = i
	h.items[j].idx[h.slot] = j
}

func (h *expiryHeap) Push(x any) {
	e := x.(*memEntry)
	e.idx[h.slot] = len(h.items)
	h.items = append(h.items, e)
}

func (h *expiryHeap) Pop() any {
	n := len(h.items) - 1
	e := h.items[n]
	h.items[n] = nil
	h.items = h.items[:n]
	e.idx[h.slot] = -1
	return e
}

// peek returns the entry with the soonest expiry, or nil.
func (h *expiryHeap) peek() *memEntry {
	if len(h.items) == 0 {
		return nil
	}
	return h.items[0]
}
