package webhooks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
)

// HandlerFunc processes one verified event. Returning an error releases the
// event's key and answers 500, so the provider delivers it again.
type HandlerFunc func(ctx context.Context, e *Event) error

// Handler is an http.Handler that receives a provider's deliveries,
// verifies them, processes each event once and answers the way providers
// expect. Build it with NewHandler, register functions with On and
// Fallback, and mount it on any router.
//
// For each request:
//   - Only POST is accepted; HEAD is answered 200 when the verifier
//     implements HeadProber and says its provider probes. Anything else is
//     405 with an Allow header.
//   - The body is read once, at most WithMaxBodyBytes (1 MiB by default);
//     a larger one is 413.
//   - A delivery failing verification (missing, malformed or wrong
//     signature, stale or future timestamp, malformed body) is 400 with a
//     short reason.
//   - A verifier implementing Responder may answer the delivery itself
//     (Slack's url_verification challenge).
//   - Each event whose type has a function (On, else Fallback) is claimed
//     in the store under "provider:eventID" before anything runs. If the
//     store cannot answer, every claim made for the delivery is released,
//     nothing runs and the answer is 503.
//   - Claimed events run their function. Success completes the key for
//     WithCompletedTTL (72 h by default); an error or a panic releases it
//     and the answer is 500, so the provider retries. Completed events stay
//     completed even when another event of the same batch failed.
//   - An event already completed is skipped. An event held by a claim in
//     progress elsewhere (another replica, or a concurrent retry) makes the
//     answer 409 Conflict: every provider retries a non-2xx answer later,
//     by which time the other holder has completed or released it. 409 is
//     used rather than 503 so that logs and dashboards tell "being
//     processed" apart from "store down".
//   - Verified events of a type with no function answer 200, so providers
//     do not retry them forever.
//
// Precedence in a batch: 503, then 500, then 409, then 200.
type Handler struct {
	v         Verifier
	store     idempotency.Store
	maxBody   int64
	ttl       time.Duration
	lease     time.Duration
	log       *slog.Logger
	publicURL string
	base      *url.URL
	now       func() time.Time

	mu       sync.RWMutex
	funcs    map[string]HandlerFunc
	fallback HandlerFunc
}

// NewHandler returns a Handler for the verifier's provider. Without
// WithStore it uses an in-memory store, which de-duplicates only within
// this process.
func NewHandler(v Verifier, opts ...HandlerOption) *Handler {
	if v == nil {
		panic("webhooks: NewHandler needs a Verifier")
	}
	h := &Handler{
		v:       v,
		maxBody: DefaultMaxBodyBytes,
		ttl:     DefaultCompletedTTL,
		lease:   DefaultLease,
		log:     slog.Default(),
		now:     time.Now,
		funcs:   make(map[string]HandlerFunc),
	}
	for _, o := range opts {
		if o != nil {
			o(h)
		}
	}
	if h.store == nil {
		h.store = idempotency.NewMemoryStore()
	}
	if h.publicURL != "" {
		u, err := url.Parse(h.publicURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			panic("webhooks: WithPublicURL needs an absolute URL with a scheme and host")
		}
		h.base = u
	}
	return h
}

// On registers fn for events of the given type, replacing any earlier
// registration. It panics when fn is nil.
func (h *Handler) On(eventType string, fn HandlerFunc) {
	if fn == nil {
		panic("webhooks: On needs a function")
	}
	h.mu.Lock()
	h.funcs[eventType] = fn
	h.mu.Unlock()
}

// Fallback registers fn for events whose type has no function of its own.
// Without a fallback such events are acknowledged with 200 and not
// processed.
func (h *Handler) Fallback(fn HandlerFunc) {
	h.mu.Lock()
	h.fallback = fn
	h.mu.Unlock()
}

func (h *Handler) lookup(eventType string) HandlerFunc {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if fn, ok := h.funcs[eventType]; ok {
		return fn
	}
	return h.fallback
}

// Outcomes logged per event.
const (
	outcomeProcessed  = "processed"
	outcomeFailed     = "failed"
	outcomeDuplicate  = "duplicate"
	outcomeInProgress = "in_progress"
	outcomeUnhandled  = "unhandled"
	outcomeStoreError = "store_error"
	outcomeCanceled   = "canceled"
)

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.now()
	provider := h.v.Provider()
	prober, _ := h.v.(HeadProber)
	probes := prober != nil && prober.ProbesWithHead()
	switch r.Method {
	case http.MethodPost:
	case http.MethodHead:
		if probes {
			w.WriteHeader(http.StatusOK)
			return
		}
		fallthrough
	default:
		if probes {
			w.Header().Set("Allow", "POST, HEAD")
		} else {
			w.Header().Set("Allow", "POST")
		}
		writeJSON(w, http.StatusMethodNotAllowed, "error", "method not allowed")
		return
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.log.LogAttrs(r.Context(), slog.LevelWarn, "webhook rejected",
				slog.String("provider", provider), slog.String("outcome", "too_large"),
				slog.Int64("limit", h.maxBody), slog.Duration("duration", h.now().Sub(start)))
			writeJSON(w, http.StatusRequestEntityTooLarge, "error", "body too large")
			return
		}
		writeJSON(w, http.StatusBadRequest, "error", "cannot read body")
		return
	}
	d := &Delivery{
		Method:     r.Method,
		URL:        h.deliveryURL(r),
		Header:     r.Header,
		Body:       body,
		ReceivedAt: start,
	}
	events, err := h.v.Verify(d)
	if err != nil {
		reason := rejectReason(err)
		h.log.LogAttrs(r.Context(), slog.LevelWarn, "webhook rejected",
			slog.String("provider", provider), slog.String("outcome", "rejected"),
			slog.String("reason", reason), slog.String("error", err.Error()),
			slog.Duration("duration", h.now().Sub(start)))
		writeJSON(w, http.StatusBadRequest, "error", reason)
		return
	}
	if rs, ok := h.v.(Responder); ok && rs.Respond(w, d, events) {
		h.log.LogAttrs(r.Context(), slog.LevelInfo, "webhook answered",
			slog.String("provider", provider), slog.String("outcome", "responded"),
			slog.Duration("duration", h.now().Sub(start)))
		return
	}
	status := h.process(r.Context(), provider, events, start)
	switch status {
	case http.StatusOK:
		writeJSON(w, status, "status", "ok")
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "30")
		writeJSON(w, status, "error", "idempotency store unavailable")
	case http.StatusInternalServerError:
		writeJSON(w, status, "error", "event processing failed")
	case http.StatusConflict:
		writeJSON(w, status, "error", "event in progress elsewhere, retry later")
	case http.StatusBadRequest:
		writeJSON(w, status, "error", "event without id")
	}
}

type pending struct {
	ev    *Event
	key   string
	fn    HandlerFunc
	token string
}

// process claims and runs the events of one verified delivery and returns
// the status to answer.
func (h *Handler) process(ctx context.Context, provider string, events []Event, start time.Time) int {
	// Bookkeeping must finish even when the provider hangs up.
	bg := context.WithoutCancel(ctx)
	logEvent := func(level slog.Level, e *Event, outcome string, err error) {
		attrs := []slog.Attr{
			slog.String("provider", provider),
			slog.String("event_id", e.ID),
			slog.String("type", e.Type),
			slog.String("outcome", outcome),
			slog.Duration("duration", h.now().Sub(start)),
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		h.log.LogAttrs(ctx, level, "webhook event", attrs...)
	}
	for i := range events {
		if events[i].ID == "" {
			return http.StatusBadRequest
		}
	}

	// Claim every handled event before anything runs.
	var acquired []pending
	inProgress := false
	seen := make(map[string]bool, len(events))
	for i := range events {
		e := &events[i]
		fn := h.lookup(e.Type)
		if fn == nil {
			logEvent(slog.LevelInfo, e, outcomeUnhandled, nil)
			continue
		}
		key := idempotencyKey(provider, e.ID)
		if seen[key] {
			logEvent(slog.LevelInfo, e, outcomeDuplicate, nil)
			continue
		}
		seen[key] = true
		c, err := h.store.Claim(ctx, key, fingerprint(e.Data), h.lease)
		if err != nil {
			if ctx.Err() != nil {
				// The provider hung up; it will deliver again.
				logEvent(slog.LevelWarn, e, outcomeCanceled, err)
			} else {
				logEvent(slog.LevelError, e, outcomeStoreError, err)
			}
			for _, p := range acquired {
				if rerr := h.store.Release(bg, p.key, p.token); rerr != nil {
					logEvent(slog.LevelError, p.ev, outcomeStoreError, rerr)
				}
			}
			return http.StatusServiceUnavailable
		}
		switch c.State {
		case idempotency.Acquired:
			acquired = append(acquired, pending{ev: e, key: key, fn: fn, token: c.Token})
		case idempotency.Completed:
			logEvent(slog.LevelInfo, e, outcomeDuplicate, nil)
		default:
			inProgress = true
			logEvent(slog.LevelInfo, e, outcomeInProgress, nil)
		}
	}

	failed := false
	for _, p := range acquired {
		if err := run(ctx, p.fn, p.ev); err != nil {
			failed = true
			logEvent(slog.LevelError, p.ev, outcomeFailed, err)
			if rerr := h.store.Release(bg, p.key, p.token); rerr != nil {
				logEvent(slog.LevelError, p.ev, outcomeStoreError, rerr)
			}
			continue
		}
		if cerr := h.store.Complete(bg, p.key, p.token, idempotency.Record{Status: http.StatusOK}, h.ttl); cerr != nil {
			// The function succeeded; answering an error would only make
			// the provider deliver the event again.
			logEvent(slog.LevelWarn, p.ev, outcomeProcessed, fmt.Errorf("completing key: %w", cerr))
			continue
		}
		logEvent(slog.LevelInfo, p.ev, outcomeProcessed, nil)
	}
	switch {
	case failed:
		return http.StatusInternalServerError
	case inProgress:
		return http.StatusConflict
	}
	return http.StatusOK
}

// run calls fn, turning a panic into an error.
func run(ctx context.Context, fn HandlerFunc, e *Event) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("webhooks: event function panicked: %v", r)
		}
	}()
	return fn(ctx, e)
}

// idempotencyKey is provider + ":" + id, or a hash of it when that is not
// a valid store key.
func idempotencyKey(provider, id string) string {
	key := provider + ":" + id
	if idempotency.ValidateKey(key) == nil {
		return key
	}
	sum := sha256.Sum256([]byte(id))
	return provider + ":sha256:" + hex.EncodeToString(sum[:])
}

func fingerprint(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}

func (h *Handler) deliveryURL(r *http.Request) *url.URL {
	if h.base != nil {
		u := *h.base
		u.Path = strings.TrimSuffix(h.base.Path, "/") + r.URL.Path
		u.RawPath = ""
		if r.URL.RawPath != "" {
			u.RawPath = strings.TrimSuffix(h.base.EscapedPath(), "/") + r.URL.RawPath
		}
		u.RawQuery = r.URL.RawQuery
		return &u
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return &url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
}

// rejectReason maps a verification error to a short public reason.
func rejectReason(err error) string {
	switch {
	case errors.Is(err, ErrMissingSignature):
		return "missing signature"
	case errors.Is(err, ErrMalformedHeader):
		return "malformed signature header"
	case errors.Is(err, ErrTimestampOutOfRange):
		return "timestamp out of range"
	case errors.Is(err, ErrInvalidSignature):
		return "invalid signature"
	case errors.Is(err, ErrMalformedBody):
		return "malformed body"
	}
	return "verification failed"
}

func writeJSON(w http.ResponseWriter, status int, key, value string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	// Keys and values are fixed strings without characters JSON escapes.
	_, _ = io.WriteString(w, `{"`+key+`":"`+value+`"}`+"\n")
}
