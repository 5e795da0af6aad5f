package idempotency

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
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

// DefaultSweepInterval is how often, at most, a MemoryStore walks its map
// to delete expired entries.
const DefaultSweepInterval = time.Minute

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

// MemoryStore is a Store that keeps keys in process memory. It is safe for
// concurrent use and fits tests and single-process services; replicas of a
// service need a shared store (PostgreSQL or Redis) instead.
//
// Entries expire when their lease (unfinished) or TTL (completed) runs out
// and are deleted by a sweep that runs at most once per sweep interval, so
// memory stays bounded by the keys live within one interval.
type MemoryStore struct {
	now        func() time.Time
	sweepEvery time.Duration

	mu        sync.Mutex
	entries   map[string]*memEntry
	lastSweep time.Time
	closed    bool
}

type memEntry struct {
	token       string
	fingerprint string
	completed   bool
	rec         Record
	expires     time.Time // lease end while unfinished, TTL end once completed
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore(opts ...MemoryOption) *MemoryStore {
	s := &MemoryStore{
		now:        time.Now,
		sweepEvery: DefaultSweepInterval,
		entries:    make(map[string]*memEntry),
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
	s.maybeSweep(now)
	if e, ok := s.entries[key]; ok && now.Before(e.expires) {
		if e.completed {
			rec := copyRecord(e.rec)
			rec.Fingerprint = e.fingerprint
			return Claim{State: Completed, Record: &rec, Fingerprint: e.fingerprint}, nil
		}
		return Claim{State: InProgress, Fingerprint: e.fingerprint}, nil
	}
	tok := NewToken()
	s.entries[key] = &memEntry{token: tok, fingerprint: fingerprint, expires: now.Add(lease)}
	return Claim{State: Acquired, Token: tok}, nil
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
	e.completed = true
	e.rec = copyRecord(rec)
	e.rec.Fingerprint = e.fingerprint
	e.expires = now.Add(ttl)
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
	if s.held(key, token, s.now()) == nil {
		return ErrLeaseLost
	}
	delete(s.entries, key)
	return nil
}

// Len returns the number of entries held, expired or not, until the next
// sweep deletes the expired ones.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// Sweep deletes every expired entry now and returns how many it deleted.
func (s *MemoryStore) Sweep() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	n := len(s.entries)
	s.sweep(now)
	return n - len(s.entries)
}

func (s *MemoryStore) maybeSweep(now time.Time) {
	if now.Sub(s.lastSweep) >= s.sweepEvery {
		s.sweep(now)
	}
}

func (s *MemoryStore) sweep(now time.Time) {
	for k, e := range s.entries {
		if !now.Before(e.expires) {
			delete(s.entries, k)
		}
	}
	s.lastSweep = now
}

// Close drops every entry; later calls fail with ErrClosed.
func (s *MemoryStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.entries = nil
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
