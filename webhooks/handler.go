package webhooks

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
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

// EventFunc processes one verified event. Returning an error releases the
// event's key and answers 500, so the provider delivers it again.
type EventFunc func(ctx context.Context, e *Event) error

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
//     through an idempotency.Runner on the store under "provider:DedupKey"
//     (with WithNamespace, "namespace:provider:DedupKey") before anything
//     runs. If the store cannot answer (down, full, closed, or slower than
//     idempotency.DefaultStoreTimeout), every claim made for the delivery
//     is released, nothing runs and the answer is 503.
//   - Claimed events run their function. Success completes the key for
//     WithTTL (72 h by default); an error or a panic releases it
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
	v       Verifier
	runner  *idempotency.Runner
	maxBody int64
	ttl     time.Duration
	lease   time.Duration
	log     *slog.Logger
	base    *url.URL
	now     func() time.Time
	// keyPrefix is "namespace:provider:" or "provider:", prepended to
	// every key claimed in the store.
	keyPrefix string
	namespace string
	// queue, when set, receives the handled events instead of running
	// them (WithQueue); jobHeaders are the headers a Job keeps.
	queue      Queue
	jobHeaders []string

	// mu serialises registrations; each publishes a fresh routes value,
	// which requests read without locking.
	mu     sync.Mutex
	routes atomic.Pointer[routes]
}

// routes is an immutable snapshot of a Handler's registrations.
type routes struct {
	funcs    map[string]EventFunc
	fallback EventFunc
}

// NewHandler returns a Handler for the verifier's provider. Without
// WithStore it uses an in-memory store, which de-duplicates only within
// this process; without WithLogger it logs nowhere. A nil verifier or an
// option with a value it cannot use is an error wrapping ErrInvalidConfig;
// NewHandler never panics.
func NewHandler(v Verifier, opts ...HandlerOption) (*Handler, error) {
	if v == nil {
		return nil, fmt.Errorf("%w: NewHandler needs a Verifier", ErrInvalidConfig)
	}
	c := handlerConfig{
		maxBody: DefaultMaxBodyBytes,
		ttl:     DefaultTTL,
		lease:   DefaultLease,
		log:     discardLogger,
		now:     time.Now,
	}
	for _, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("%w: %s handler: nil option", ErrInvalidConfig, v.Provider())
		}
		o.applyHandler(&c)
	}
	if len(c.errs) > 0 {
		return nil, fmt.Errorf("%w: %s handler: %s", ErrInvalidOption, v.Provider(), c.errs[0])
	}
	if c.store == nil {
		// memstore.New fails only on a bad option, and none is given.
		c.store, _ = memstore.New()
	}
	// The options checked the lease and the TTL, the only values NewRunner
	// could refuse.
	runner, err := idempotency.NewRunner(c.store, idempotency.WithLease(c.lease), idempotency.WithTTL(c.ttl))
	if err != nil {
		return nil, fmt.Errorf("%w: %s handler: %w", ErrInvalidConfig, v.Provider(), err)
	}
	h := &Handler{
		v:       v,
		runner:  runner,
		maxBody: c.maxBody,
		ttl:     c.ttl,
		lease:   c.lease,
		log:     c.log,
		now:     c.now,
		queue:   c.queue,
	}
	h.namespace = c.namespace
	h.jobHeaders = append(append(make([]string, 0, len(jobHeaders)+len(c.jobHeaders)), jobHeaders...), c.jobHeaders...)
	h.keyPrefix = v.Provider() + ":"
	if c.namespace != "" {
		h.keyPrefix = c.namespace + ":" + h.keyPrefix
	}
	h.routes.Store(&routes{funcs: map[string]EventFunc{}})
	if c.publicURL != "" {
		// WithPublicURL checked the URL already.
		h.base, _ = url.Parse(c.publicURL)
	}
	return h, nil
}

// discardLogger is the logger of a Handler given none: it takes no level,
// so no line is ever built.
var discardLogger = slog.New(slog.DiscardHandler)

// On registers fn for events of the given type, replacing any earlier
// registration. It panics when fn is nil.
func (h *Handler) On(eventType string, fn EventFunc) {
	if fn == nil {
		panic("webhooks: On needs a function")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	old := h.routes.Load()
	funcs := make(map[string]EventFunc, len(old.funcs)+1)
	for t, f := range old.funcs {
		funcs[t] = f
	}
	funcs[eventType] = fn
	h.routes.Store(&routes{funcs: funcs, fallback: old.fallback})
}

// Fallback registers fn for events whose type has no function of its own.
// Without a fallback such events are acknowledged with 200 and not
// processed.
func (h *Handler) Fallback(fn EventFunc) {
	h.mu.Lock()
	defer h.mu.Unlock()
	old := h.routes.Load()
	h.routes.Store(&routes{funcs: old.funcs, fallback: fn})
}

func (h *Handler) lookup(eventType string) EventFunc {
	rt := h.routes.Load()
	if fn, ok := rt.funcs[eventType]; ok {
		return fn
	}
	return rt.fallback
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
	outcomeEnqueued   = "enqueued"
	outcomeQueueError = "queue_error"
)

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.now()
	provider := h.v.Provider()
	if r.Method != http.MethodPost {
		prober, _ := h.v.(HeadProber)
		probes := prober != nil && prober.ProbesWithHead()
		if r.Method == http.MethodHead && probes {
			w.WriteHeader(http.StatusOK)
			return
		}
		if probes {
			w.Header().Set("Allow", "POST, HEAD")
		} else {
			w.Header().Set("Allow", "POST")
		}
		writeJSON(w, http.StatusMethodNotAllowed, respMethodNotAllowed)
		return
	}

	body, err := readBody(r, http.MaxBytesReader(w, r.Body, h.maxBody), h.maxBody)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			if h.log.Enabled(r.Context(), slog.LevelWarn) {
				h.log.LogAttrs(r.Context(), slog.LevelWarn, "webhook rejected",
					slog.String("provider", provider), slog.String("outcome", "too_large"),
					slog.Int64("limit", h.maxBody), slog.Duration("duration", h.now().Sub(start)))
			}
			writeJSON(w, http.StatusRequestEntityTooLarge, respTooLarge)
			return
		}
		writeJSON(w, http.StatusBadRequest, respCannotRead)
		return
	}
	// The Delivery and its URL are allocated together.
	da := &deliveryAlloc{}
	d := &da.d
	*d = Delivery{
		Method:     r.Method,
		URL:        h.deliveryURL(r, &da.u),
		Header:     r.Header,
		Body:       body,
		ReceivedAt: start,
	}
	events, err := h.v.Verify(d)
	if err != nil {
		reason := rejectReason(err)
		if h.log.Enabled(r.Context(), slog.LevelWarn) {
			h.log.LogAttrs(r.Context(), slog.LevelWarn, "webhook rejected",
				slog.String("provider", provider), slog.String("outcome", "rejected"),
				slog.String("reason", reason), slog.String("error", err.Error()),
				slog.Duration("duration", h.now().Sub(start)))
		}
		writeJSON(w, http.StatusBadRequest, errorBody(reason))
		return
	}
	if rs, ok := h.v.(Responder); ok && rs.Respond(w, d, events) {
		if h.log.Enabled(r.Context(), slog.LevelInfo) {
			h.log.LogAttrs(r.Context(), slog.LevelInfo, "webhook answered",
				slog.String("provider", provider), slog.String("outcome", "responded"),
				slog.Duration("duration", h.now().Sub(start)))
		}
		return
	}
	var status int
	if h.queue != nil {
		status = h.enqueue(r.Context(), provider, events, start)
	} else {
		status = h.process(r.Context(), provider, events, start)
	}
	switch status {
	case http.StatusOK:
		writeJSON(w, status, respOK)
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "30")
		if h.queue != nil {
			writeJSON(w, status, respQueueDown)
		} else {
			writeJSON(w, status, respStoreDown)
		}
	case http.StatusInternalServerError:
		writeJSON(w, status, respFailed)
	case http.StatusConflict:
		writeJSON(w, status, respInProgress)
	case http.StatusBadRequest:
		writeJSON(w, status, respNoID)
	}
}

// deliveryAlloc holds a Delivery and the URL it points to, so that one
// allocation serves both.
type deliveryAlloc struct {
	d Delivery
	u url.URL
}

// readBodyPrealloc bounds the buffer readBody sizes from Content-Length
// before any byte arrives, so that a client announcing a large body it
// never sends costs little memory.
const readBodyPrealloc = 64 << 10

// readBody reads all of rd, the request's body wrapped in a MaxBytesReader
// with the given limit. It returns what io.ReadAll would, but sizes the
// buffer from Content-Length when the request announces one, saving the
// reallocations of a buffer grown from 512 bytes.
func readBody(r *http.Request, rd io.Reader, limit int64) ([]byte, error) {
	n := r.ContentLength
	if n <= 0 {
		return io.ReadAll(rd)
	}
	n = min(n, limit, readBodyPrealloc)
	// One spare byte lets the read that reports the end find room without
	// growing the buffer.
	b := make([]byte, 0, n+1)
	for {
		m, err := rd.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// pending is one event of a delivery held by a claim, waiting to run.
type pending struct {
	ev *Event
	fn EventFunc
	a  *idempotency.Attempt
}

// logEvent logs the outcome of one event, building the line only when the
// logger takes the level.
func (h *Handler) logEvent(ctx context.Context, level slog.Level, provider string, e *Event, outcome string, start time.Time, err error) {
	if !h.log.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 6)
	attrs = append(attrs,
		slog.String("provider", provider),
		slog.String("event_id", e.ID),
		slog.String("type", e.Type),
		slog.String("outcome", outcome),
		slog.Duration("duration", h.now().Sub(start)),
	)
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	h.log.LogAttrs(ctx, level, "webhook event", attrs...)
}

// process claims and runs the events of one verified delivery and returns
// the status to answer.
func (h *Handler) process(ctx context.Context, provider string, events []Event, start time.Time) int {
	for i := range events {
		if events[i].ID == "" && events[i].DedupKey == "" {
			return http.StatusBadRequest
		}
	}
	// Most deliveries hold one event: its bookkeeping stays on the stack.
	var one [1]pending
	acquired, status := h.claimAll(ctx, provider, events, start, one[:0])
	if status == http.StatusServiceUnavailable {
		return status
	}
	if h.runAll(ctx, provider, acquired, start) {
		return http.StatusInternalServerError
	}
	return status
}

// claimAll claims every handled event of a delivery through the Runner
// before anything runs, appending the ones acquired to acquired. It
// returns them and http.StatusOK, or http.StatusConflict when an event is
// held elsewhere. When a claim fails, the claims already made are released
// and it returns http.StatusServiceUnavailable.
func (h *Handler) claimAll(ctx context.Context, provider string, events []Event, start time.Time, acquired []pending) ([]pending, int) {
	status := http.StatusOK
	// Only a batch needs the set of keys already claimed.
	var seen map[string]bool
	if len(events) > 1 {
		seen = make(map[string]bool, len(events))
	}
	for i := range events {
		e := &events[i]
		fn := h.lookup(e.Type)
		if fn == nil {
			h.logEvent(ctx, slog.LevelInfo, provider, e, outcomeUnhandled, start, nil)
			continue
		}
		key := h.idempotencyKey(e)
		if seen != nil {
			if seen[key] {
				h.logEvent(ctx, slog.LevelInfo, provider, e, outcomeDuplicate, start, nil)
				continue
			}
			seen[key] = true
		}
		a, err := h.runner.Claim(ctx, key, fingerprint(e.Data))
		if err != nil {
			h.claimFailed(ctx, provider, e, start, err)
			for _, p := range acquired {
				if rerr := p.a.Release(ctx); rerr != nil {
					h.logEvent(ctx, slog.LevelError, provider, p.ev, outcomeStoreError, start, rerr)
				}
			}
			return nil, http.StatusServiceUnavailable
		}
		switch a.State {
		case idempotency.Acquired:
			acquired = append(acquired, pending{ev: e, fn: fn, a: a})
		case idempotency.Completed:
			h.logEvent(ctx, slog.LevelInfo, provider, e, outcomeDuplicate, start, nil)
		default:
			status = http.StatusConflict
			h.logEvent(ctx, slog.LevelInfo, provider, e, outcomeInProgress, start, nil)
		}
	}
	return acquired, status
}

// claimFailed logs a claim the store could not answer (down, full, closed
// or timed out), or one cut short by a provider that hung up.
func (h *Handler) claimFailed(ctx context.Context, provider string, e *Event, start time.Time, err error) {
	if ctx.Err() != nil {
		// The provider hung up; it will deliver again.
		h.logEvent(ctx, slog.LevelWarn, provider, e, outcomeCanceled, start, err)
		return
	}
	h.logEvent(ctx, slog.LevelError, provider, e, outcomeStoreError, start, err)
}

// runAll runs each acquired event through its Attempt: the key is
// completed when the function succeeds and released when it fails or
// panics. It reports whether any function failed.
func (h *Handler) runAll(ctx context.Context, provider string, acquired []pending, start time.Time) (failed bool) {
	for i := range acquired {
		if h.runOne(ctx, provider, &acquired[i], start) != nil {
			failed = true
		}
	}
	return failed
}

// runOne runs one acquired event through its Attempt and logs the
// outcome. It returns the function's error, or the *idempotency.PanicError
// of a panic.
func (h *Handler) runOne(ctx context.Context, provider string, p *pending, start time.Time) error {
	var fnErr error
	res, err := p.a.Run(ctx, func(ctx context.Context) (idempotency.Record, error) {
		fnErr = p.fn(ctx, p.ev)
		return idempotency.Record{Status: http.StatusOK}, fnErr
	})
	if err != nil {
		h.runFailed(ctx, provider, p.ev, start, fnErr, err)
		if fnErr != nil {
			return fnErr
		}
		return err
	}
	if res.StoreErr != nil {
		// The function succeeded; answering an error would only make
		// the provider deliver the event again.
		h.logEvent(ctx, slog.LevelWarn, provider, p.ev, outcomeProcessed, start, fmt.Errorf("completing key: %w", res.StoreErr))
		return nil
	}
	h.logEvent(ctx, slog.LevelInfo, provider, p.ev, outcomeProcessed, start, nil)
	return nil
}

// runFailed logs an event whose function failed (fnErr) or panicked
// (fnErr nil), and the release that failed after it, if any: err is what
// Attempt.Run returned.
func (h *Handler) runFailed(ctx context.Context, provider string, e *Event, start time.Time, fnErr, err error) {
	if fnErr == nil {
		// A panic: err is the *idempotency.PanicError, joined to a failed
		// release.
		h.logEvent(ctx, slog.LevelError, provider, e, outcomeFailed, start, err)
		return
	}
	h.logEvent(ctx, slog.LevelError, provider, e, outcomeFailed, start, fnErr)
	if j, ok := err.(interface{ Unwrap() []error }); ok && err != fnErr {
		// Run joined the release's error to the function's.
		if errs := j.Unwrap(); len(errs) == 2 {
			h.logEvent(ctx, slog.LevelError, provider, e, outcomeStoreError, start, errs[1])
		}
	}
}

// idempotencyKey is the key an event is claimed under: the Handler's
// prefix and the event's DedupKey (its ID when the verifier left DedupKey
// empty), or a hash of that when it is not a valid store key.
func (h *Handler) idempotencyKey(e *Event) string {
	k := e.DedupKey
	if k == "" {
		k = e.ID
	}
	key := h.keyPrefix + k
	if idempotency.ValidateKey(key) == nil {
		return key
	}
	sum := sha256.Sum256([]byte(k))
	return h.keyPrefix + "sha256:" + hex.EncodeToString(sum[:])
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// fingerprint identifies an event's payload in the store: 24 hex digits
// holding its length (32 bits), its CRC-32C and its CRC-32 (IEEE). It is
// the same in every process, so replicas sharing a store agree on it. It
// need not resist forgery: the payload was authenticated by the verifier,
// and the handler only records the fingerprint for inspection. Both CRCs
// run in hardware, where a SHA-256 costs ten times as much per event.
func fingerprint(data []byte) string {
	var sum [12]byte
	binary.BigEndian.PutUint32(sum[0:], uint32(len(data)))
	binary.BigEndian.PutUint32(sum[4:], crc32.Checksum(data, castagnoli))
	binary.BigEndian.PutUint32(sum[8:], crc32.ChecksumIEEE(data))
	var out [24]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

// deliveryURL returns the URL the provider called, written into u.
func (h *Handler) deliveryURL(r *http.Request, u *url.URL) *url.URL {
	if h.base != nil {
		*u = *h.base
		u.Path = strings.TrimSuffix(h.base.Path, "/") + r.URL.Path
		u.RawPath = ""
		if r.URL.RawPath != "" {
			u.RawPath = strings.TrimSuffix(h.base.EscapedPath(), "/") + r.URL.RawPath
		}
		u.RawQuery = r.URL.RawQuery
		return u
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	*u = url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	return u
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

// Response bodies, built once: {"key":"value"} and a newline.
var (
	respOK               = []byte(`{"status":"ok"}` + "\n")
	respMethodNotAllowed = errorBody("method not allowed")
	respTooLarge         = errorBody("body too large")
	respCannotRead       = errorBody("cannot read body")
	respStoreDown        = errorBody("idempotency store unavailable")
	respQueueDown        = errorBody("queue unavailable")
	respFailed           = errorBody("event processing failed")
	respInProgress       = errorBody("event in progress elsewhere, retry later")
	respNoID             = errorBody("event without id")
	respReasons          = func() map[string][]byte {
		m := map[string][]byte{}
		for _, r := range []string{"missing signature", "malformed signature header", "timestamp out of range",
			"invalid signature", "malformed body", "verification failed"} {
			m[r] = []byte(`{"error":"` + r + `"}` + "\n")
		}
		return m
	}()
)

// errorBody returns {"error":"reason"} and a newline. Reasons are fixed
// strings without characters JSON escapes.
func errorBody(reason string) []byte {
	if b, ok := respReasons[reason]; ok {
		return b
	}
	return []byte(`{"error":"` + reason + `"}` + "\n")
}

// jsonHeaderValues backs the two header values writeJSON sets; each
// response gets its own copy, capped so that an append cannot reach the
// other value.
var jsonHeaderValues = [2]string{"application/json", "nosniff"}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	vals := new([2]string)
	*vals = jsonHeaderValues
	hdr := w.Header()
	hdr["Content-Type"] = vals[0:1:1]
	hdr["X-Content-Type-Options"] = vals[1:2:2]
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
