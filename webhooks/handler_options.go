package webhooks

import (
	"log/slog"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
)

// Handler defaults.
const (
	// DefaultMaxBodyBytes is the largest body a Handler reads unless
	// WithMaxBodyBytes says otherwise: 1 MiB.
	DefaultMaxBodyBytes int64 = 1 << 20
	// DefaultTTL is how long a processed event's key is kept:
	// 72 hours, longer than the automatic retry windows of the providers
	// supported here (Stripe retries for up to three days).
	DefaultTTL = 72 * time.Hour
	// DefaultLease is how long a claim on an event holds while its
	// function runs: five minutes.
	DefaultLease = 5 * time.Minute
)

// HandlerOption configures a Handler.
type HandlerOption func(*Handler)

// WithStore sets the idempotency store shared by every replica of the
// service. Without it the Handler keeps keys in process memory
// (memstore, with its default bounds), which de-duplicates only within
// one process: a service with several replicas needs a shared store
// (PostgreSQL or Redis).
func WithStore(s idempotency.Store) HandlerOption {
	return func(h *Handler) {
		if s != nil {
			h.store = s
		}
	}
}

// WithMaxBodyBytes sets the largest body the Handler reads; a larger one
// is answered 413. Values below 1 are ignored.
func WithMaxBodyBytes(n int64) HandlerOption {
	return func(h *Handler) {
		if n > 0 {
			h.maxBody = n
		}
	}
}

// WithTTL sets how long a processed event's key is remembered,
// which must outlast the provider's retry window. Values below 1 are
// ignored.
func WithTTL(d time.Duration) HandlerOption {
	return func(h *Handler) {
		if d > 0 {
			h.ttl = d
		}
	}
}

// WithLease sets how long a claim holds while an event function runs. It
// should exceed the slowest function: a delivery arriving after the lease
// ran out claims the event again. Values below 1 are ignored.
func WithLease(d time.Duration) HandlerOption {
	return func(h *Handler) {
		if d > 0 {
			h.lease = d
		}
	}
}

// WithLogger sets the logger; the default is slog.Default(). Lines carry
// the provider, event id, type, outcome and duration, never a secret or a
// signature.
func WithLogger(l *slog.Logger) HandlerOption {
	return func(h *Handler) {
		if l != nil {
			h.log = l
		}
	}
}

// WithPublicURL sets the scheme, host and path prefix the provider calls,
// for a Handler behind a proxy or load balancer. Delivery.URL is then this
// URL with the request's path (as the Handler sees it) and query appended;
// schemes that sign the URL (Twilio, Mailchimp Transactional) depend on it.
// Without it Delivery.URL is built from the request alone (https when the
// connection is TLS, the Host header, the request URI); X-Forwarded-*
// headers are never trusted. NewHandler panics when the URL does not parse
// or lacks a scheme or host.
func WithPublicURL(base string) HandlerOption {
	return func(h *Handler) { h.publicURL = base }
}

// WithHandlerClock sets the clock used for Delivery.ReceivedAt and for
// durations in log lines. Verifiers have their own clock (WithClock).
func WithHandlerClock(now func() time.Time) HandlerOption {
	return func(h *Handler) {
		if now != nil {
			h.now = now
		}
	}
}
