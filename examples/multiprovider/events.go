package main

import (
	"sync"
	"time"
)

// eventRecord is one processed event as GET /events lists it.
type eventRecord struct {
	Provider string    `json:"provider"`
	ID       string    `json:"id"`
	Type     string    `json:"type"`
	Time     time.Time `json:"time"`
}

// eventLog keeps the most recent processed events in a fixed-size ring.
// It is safe for concurrent use.
type eventLog struct {
	mu   sync.Mutex
	buf  []eventRecord
	next int // where the next record goes
	n    int // records held, at most len(buf)
}

// newEventLog returns a log holding the last size records (at least one).
func newEventLog(size int) *eventLog {
	return &eventLog{buf: make([]eventRecord, max(size, 1))}
}

// add records r, dropping the oldest record when the log is full.
func (l *eventLog) add(r eventRecord) {
	l.mu.Lock()
	l.buf[l.next] = r
	l.next = (l.next + 1) % len(l.buf)
	l.n = min(l.n+1, len(l.buf))
	l.mu.Unlock()
}

// recent returns a copy of the records held, newest first.
func (l *eventLog) recent() []eventRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]eventRecord, l.n)
	for i := range out {
		out[i] = l.buf[(l.next-1-i+len(l.buf))%len(l.buf)]
	}
	return out
}
