package memstore

import (
	"container/heap"
	"context"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/storekit"
)

// Name is the backend's name, which starts its errors.
const Name = "memstore"

func init() {
	storekit.Register("memory", openURL)
}

// Defaults.
const (
	// DefaultReapInterval is how often, at most, a Store deletes expired
	// entries on its own.
	DefaultReapInterval = time.Minute
	// DefaultMaxEntries is the most keys a Store holds.
	DefaultMaxEntries = 100_000
	// DefaultMaxBytes bounds the memory a Store's entries take, as
	// estimated from their keys, fingerprints and records: 64 MiB.
	DefaultMaxBytes int64 = 64 << 20
)

// entryOverhead approximates what an entry costs beyond its strings and
// record bytes: the entry itself, its map slot and its heap slots.
const entryOverhead = 256

// Option configures a Store.
type Option func(*config) error

type config struct {
	now        func() time.Time
	reapEvery  time.Duration
	maxEntries int
	maxBytes   int64
}

// WithClock makes the store read the time from now instead of time.Now,
// so tests can move time forward without sleeping.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return storekit.InvalidConfig(Name, "WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithReapInterval sets how often, at most, expired entries are deleted
// (DefaultReapInterval unless set). Reaping runs inside Claim, so an idle
// store costs nothing and needs no goroutine; an expired entry is in any
// case never visible to Claim, Complete or Release, and is deleted at once
// when its room is needed. It must be positive.
func WithReapInterval(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return storekit.InvalidConfig(Name, "WithReapInterval: the interval must be positive, got %v", d)
		}
		c.reapEvery = d
		return nil
	}
}

// WithMaxEntries bounds the number of keys held (DefaultMaxEntries unless
// set). It must be positive.
func WithMaxEntries(n int) Option {
	return func(c *config) error {
		if n <= 0 {
			return storekit.InvalidConfig(Name, "WithMaxEntries: the bound must be positive, got %d", n)
		}
		c.maxEntries = n
		return nil
	}
}

// WithMaxBytes bounds the estimated memory of the entries held
// (DefaultMaxBytes unless set). It must be positive.
func WithMaxBytes(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return storekit.InvalidConfig(Name, "WithMaxBytes: the bound must be positive, got %d", n)
		}
		c.maxBytes = n
		return nil
	}
}

// Store is an idempotency.Store that keeps keys in process memory. It is
// safe for concurrent use and fits tests and single-process services;
// replicas of a service need a shared store (PostgreSQL or Redis) instead.
//
// The store is bounded: it holds at most WithMaxEntries keys whose
// estimated size (keys, fingerprints, stored headers and bodies) stays
// within WithMaxBytes. When a new key or record does not fit, expired
// entries are deleted first, then completed ones, those nearest to their
// expiry first (a completed key dropped early runs again if its request
// is retried). When only live claims remain, Claim and Complete fail with
// an error wrapping idempotency.ErrStoreFull (which matches
// idempotency.ErrUnavailable) and nothing is dropped: a claim in progress
// is never lost.
type Store struct {
	cfg config

	mu      sync.Mutex
	entries map[string]*entry
	// Each entry is in one heap: claims holds the unfinished ones, soonest
	// lease end first; done the completed ones, soonest TTL end first.
	// Keeping them apart keeps each step cheap: claims stays as small as
	// the work in flight, and a completed entry, whose expiry is usually
	// the latest yet, lands at the end of done without moving.
	claims   expiryHeap
	done     expiryHeap
	bytes    int64
	lastReap time.Time
	closed   bool
}

type entry struct {
	key         string
	token       string
	fingerprint string
	completed   bool
	rec         idempotency.Record
	expires     time.Time // lease end while unfinished, TTL end once completed
	size        int64
	idx         [2]int // positions in claims and done; -1 when absent
}

var _ idempotency.Store = (*Store)(nil)

// New returns an empty Store. Errors wrap idempotency.ErrInvalidConfig.
func New(opts ...Option) (*Store, error) {
	cfg := config{now: time.Now, reapEvery: DefaultReapInterval, maxEntries: DefaultMaxEntries, maxBytes: DefaultMaxBytes}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	return &Store{
		cfg:      cfg,
		entries:  make(map[string]*entry),
		claims:   expiryHeap{slot: 0},
		done:     expiryHeap{slot: 1},
		lastReap: cfg.now(),
	}, nil
}

// openURL builds a Store from "memory://" with the query parameters
// max_entries, max_bytes and reap_interval.
func openURL(_ context.Context, u *url.URL) (*Store, error) {
	if u.Host != "" || (u.Path != "" && u.Path != "/") || u.Opaque != "" || u.User != nil {
		return nil, storekit.InvalidConfig(Name, "a memory URL names no host or path (want memory:// or memory://?max_entries=N)")
	}
	p := storekit.NewParams(Name, u)
	var opts []Option
	if n, ok := p.Int("max_entries"); ok {
		if int64(int(n)) != n {
			return nil, storekit.InvalidConfig(Name, "URL parameter %q is out of range", "max_entries")
		}
		opts = append(opts, WithMaxEntries(int(n)))
	}
	if n, ok := p.Int("max_bytes"); ok {
		opts = append(opts, WithMaxBytes(n))
	}
	if d, ok := p.Duration("reap_interval"); ok {
		opts = append(opts, WithReapInterval(d))
	}
	if err := p.Err("max_entries", "max_bytes", "reap_interval"); err != nil {
		return nil, err
	}
	return New(opts...)
}

// Claim implements idempotency.Store.
func (s *Store) Claim(ctx context.Context, key, fingerprint string, lease time.Duration) (idempotency.Claim, error) {
	if err := storekit.CheckClaim(key, lease); err != nil {
		return idempotency.Claim{}, err
	}
	if err := ctx.Err(); err != nil {
		return idempotency.Claim{}, storekit.Unavailable(Name, "claim", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return idempotency.Claim{}, storekit.Closed(Name)
	}
	now := s.cfg.now()
	if now.Sub(s.lastReap) >= s.cfg.reapEvery {
		s.reap(now)
	}
	e, ok := s.entries[key]
	if ok && now.Before(e.expires) {
		if e.completed {
			rec := storekit.CopyRecord(e.rec)
			return idempotency.Claim{State: idempotency.Completed, Record: &rec, Fingerprint: e.fingerprint}, nil
		}
		return idempotency.Claim{State: idempotency.InProgress, Fingerprint: e.fingerprint}, nil
	}
	if ok {
		s.remove(e) // expired: the new claim replaces it
	}
	tok := storekit.NewToken()
	e = &entry{key: key, token: tok, fingerprint: fingerprint, expires: now.Add(lease), idx: [2]int{-1, -1}}
	e.size = entryOverhead + int64(len(key)+len(tok)+len(fingerprint))
	if err := s.makeRoom(now, 1, e.size); err != nil {
		return idempotency.Claim{}, err
	}
	s.entries[key] = e
	s.bytes += e.size
	heap.Push(&s.claims, e)
	return idempotency.Claim{State: idempotency.Acquired, Token: tok}, nil
}

// makeRoom deletes expired entries, then completed ones, until n more
// entries and extra more bytes fit. It fails with ErrStoreFull when only
// live claims are left; the entry a Complete is about to fill is one of
// them, so it is never dropped.
func (s *Store) makeRoom(now time.Time, n int, extra int64) error {
	fits := func() bool {
		return len(s.entries)+n <= s.cfg.maxEntries && s.bytes+extra <= s.cfg.maxBytes
	}
	if fits() {
		return nil
	}
	s.reap(now)
	for !fits() {
		victim := s.done.peek()
		if victim == nil {
			return s.full(n, extra)
		}
		s.remove(victim)
	}
	return nil
}

func (s *Store) full(n int, extra int64) error {
	if len(s.entries)+n > s.cfg.maxEntries {
		return fmt.Errorf("%s: %d live claims fill WithMaxEntries(%d): %w",
			Name, len(s.entries), s.cfg.maxEntries, idempotency.ErrStoreFull)
	}
	return fmt.Errorf("%s: %d more bytes do not fit beside %d bytes of live claims in WithMaxBytes(%d): %w",
		Name, extra, s.bytes, s.cfg.maxBytes, idempotency.ErrStoreFull)
}

// remove deletes e from the map and its heap.
func (s *Store) remove(e *entry) {
	delete(s.entries, e.key)
	s.bytes -= e.size
	if e.idx[0] >= 0 {
		heap.Remove(&s.claims, e.idx[0])
	}
	if e.idx[1] >= 0 {
		heap.Remove(&s.done, e.idx[1])
	}
}

// held returns the live, unfinished entry that token holds, or nil.
func (s *Store) held(key, token string, now time.Time) *entry {
	e, ok := s.entries[key]
	if !ok || e.completed || e.token != token || !now.Before(e.expires) {
		return nil
	}
	return e
}

// Complete implements idempotency.Store.
func (s *Store) Complete(ctx context.Context, key, token string, rec idempotency.Record, ttl time.Duration) error {
	if err := storekit.CheckComplete(key, ttl); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return storekit.Unavailable(Name, "complete", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return storekit.Closed(Name)
	}
	now := s.cfg.now()
	e := s.held(key, token, now)
	if e == nil {
		return idempotency.ErrLeaseLost
	}
	kept := storekit.CopyRecord(rec)
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
	heap.Remove(&s.claims, e.idx[0])
	heap.Push(&s.done, e)
	return nil
}

// Release implements idempotency.Store.
func (s *Store) Release(ctx context.Context, key, token string) error {
	if err := storekit.CheckRelease(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return storekit.Unavailable(Name, "release", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return storekit.Closed(Name)
	}
	e := s.held(key, token, s.cfg.now())
	if e == nil {
		return idempotency.ErrLeaseLost
	}
	s.remove(e)
	return nil
}

// Len returns the number of entries held, expired or not, until the next
// reap deletes the expired ones.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// Bytes returns the estimated memory of the entries held, the figure
// WithMaxBytes bounds.
func (s *Store) Bytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes
}

// Reap deletes every expired entry now and returns how many it deleted.
func (s *Store) Reap() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0
	}
	n := len(s.entries)
	s.reap(s.cfg.now())
	return n - len(s.entries)
}

// reap deletes the expired entries, claims and completed ones.
func (s *Store) reap(now time.Time) {
	for _, h := range []*expiryHeap{&s.claims, &s.done} {
		for {
			e := h.peek()
			if e == nil || now.Before(e.expires) {
				break
			}
			s.remove(e)
		}
	}
	s.lastReap = now
}

// Close drops every entry; later calls fail with an error wrapping
// idempotency.ErrClosed. Closing twice is not an error.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.entries = map[string]*entry{}
	s.claims.items, s.done.items = nil, nil
	s.bytes = 0
	return nil
}

// recordSize estimates the bytes a record holds.
func recordSize(r idempotency.Record) int64 {
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
	items []*entry
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
	e := x.(*entry)
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
func (h *expiryHeap) peek() *entry {
	if len(h.items) == 0 {
		return nil
	}
	return h.items[0]
}
