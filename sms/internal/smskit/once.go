package smskit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
	"github.com/switchboard-go/switchboard/sms"
)

// Defaults of the at-most-once send.
const (
	// DefaultLease is how long a claim holds a key while the provider is
	// called.
	DefaultLease = idempotency.DefaultLease
	// DefaultTTL is how long a sent key is remembered: 72 hours, longer
	// than the webhook retry windows of the payment providers whose events
	// commonly trigger a text (Stripe retries for up to three days).
	DefaultTTL = 72 * time.Hour
	// KeyPrefix starts every key claimed in the store.
	KeyPrefix = "sms:"
	// leaseMargin is kept free at the end of a lease, on top of the store
	// timeout, for clock skew between replicas and the store.
	leaseMargin = time.Second
)

// Record statuses.
const (
	recordSent    = 1
	recordUnknown = 2
)

// SendFunc makes one call to the provider. It returns the Receipt of an
// accepted message, or an error; an error matching sms.ErrUnknownOutcome
// says the provider may have taken the message.
type SendFunc func(ctx context.Context) (*sms.Receipt, error)

// Once runs sends at most once per idempotency key over an
// idempotency.Runner. It is safe for concurrent use.
type Once struct {
	provider     string
	runner       *idempotency.Runner
	own          idempotency.Store // the default memory store, closed by Close
	lease        time.Duration
	storeTimeout time.Duration
	sendTimeout  time.Duration
	log          *slog.Logger
	closed       atomic.Bool
}

// NewOnce returns the Once of a sender built with c. Without c.Store it
// keeps keys in an in-process memory store, which de-duplicates within
// this process only. sendTimeout is the longest a provider call can take
// when the caller's context has no deadline (the HTTP client's timeout;
// zero for a sender that makes no network call): the lease must outlast
// it, the store timeout and a margin, so that a key is never taken over
// while its send may still be in flight. A lease that does not is a
// configuration error.
func NewOnce(c *Config, sendTimeout time.Duration) (*Once, error) {
	lease, ttl := c.Lease, c.TTL
	if lease == 0 {
		lease = DefaultLease
	}
	if ttl == 0 {
		ttl = DefaultTTL
	}
	storeTimeout := idempotency.DefaultStoreTimeout
	if need := sendTimeout + storeTimeout + leaseMargin; lease <= need {
		return nil, sms.ConfigError(c.Provider, "WithLease",
			fmt.Sprintf("the lease must be longer than %v: the send timeout (%v), the store timeout (%v) and %v of margin, so that no retry can claim the key while a send is in flight",
				need, sendTimeout, storeTimeout, leaseMargin))
	}
	o := &Once{provider: c.Provider, lease: lease, storeTimeout: storeTimeout, sendTimeout: sendTimeout, log: c.logger()}
	store := c.Store
	if store == nil {
		ms, err := memstore.New()
		if err != nil {
			return nil, fmt.Errorf("%w: %s: memory store: %w", sms.ErrInvalidConfig, c.Provider, err)
		}
		store, o.own = ms, ms
	}
	r, err := idempotency.NewRunner(store, idempotency.WithLease(lease), idempotency.WithTTL(ttl),
		idempotency.WithStoreTimeout(storeTimeout))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", sms.ErrInvalidConfig, c.Provider, err)
	}
	o.runner = r
	return o, nil
}

// Close marks the Once closed and closes the default memory store. It is
// safe to call more than once.
func (o *Once) Close() error {
	if o.closed.Swap(true) || o.own == nil {
		return nil
	}
	return o.own.Close()
}

// Closed returns an *sms.Error of kind sms.ErrClosed when Close was
// called, nil otherwise.
func (o *Once) Closed() error {
	if o.closed.Load() {
		return &sms.Error{Kind: sms.ErrClosed, Provider: o.provider}
	}
	return nil
}

// Fingerprint identifies what a message asks to send: its recipient,
// sender, messaging service, body, media and status callback, as the
// caller gave them. Metadata is not part of it (it is never sent). It is
// a SHA-256, so the store never holds the text.
func Fingerprint(m *sms.Message) string {
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field(m.To)
	field(m.From)
	field(m.MessagingService)
	field(m.Body)
	field(m.StatusCallback)
	field(fmt.Sprint(len(m.MediaURLs)))
	for _, u := range m.MediaURLs {
		field(u)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Send calls fn once. When m has an IdempotencyKey, it does so at most
// once per key through the Runner:
//
//   - the key is claimed under "sms:" + key with m's Fingerprint; a key
//     completed earlier with the same fingerprint returns the stored
//     Receipt (Replayed) or the stored unknown outcome, and fn does not
//     run; another fingerprint is sms.ErrIdempotencyConflict; a live claim
//     elsewhere is sms.ErrInProgress; a store that cannot answer is
//     sms.ErrTemporary, and nothing is sent;
//   - fn runs under a deadline that ends before the lease does;
//   - an accepted message completes the key with its Receipt before Send
//     returns; a failure that may have sent the message (it matches
//     sms.ErrUnknownOutcome) completes it with that outcome, so no retry
//     sends again; any other failure releases the key for a retry.
//
// A Receipt whose key could not be completed is still returned: the
// message was sent. The failure is logged at Error, and until the lease
// ends retries get sms.ErrInProgress; after it a retry sends again.
//
// Every outcome is logged: "sms sent" at Info (provider, message id,
// status, segments, whether it was replayed, the key, the duration), "sms
// send failed" at Warn with the error, which never holds a secret. The
// body and the numbers are not logged.
func (o *Once) Send(ctx context.Context, m *sms.Message, fn SendFunc) (*sms.Receipt, error) {
	start := time.Now()
	r, err := o.send(ctx, m, fn)
	if err != nil {
		if o.log.Enabled(ctx, slog.LevelWarn) {
			o.log.LogAttrs(ctx, slog.LevelWarn, "sms send failed",
				slog.String("provider", o.provider), slog.String("idempotency_key", m.IdempotencyKey),
				slog.String("error", err.Error()), slog.Duration("duration", time.Since(start)))
		}
		return nil, err
	}
	if o.log.Enabled(ctx, slog.LevelInfo) {
		o.log.LogAttrs(ctx, slog.LevelInfo, "sms sent",
			slog.String("provider", r.Provider), slog.String("message_id", r.MessageID),
			slog.String("status", string(r.Status)), slog.Int("segments", r.Segments),
			slog.Bool("replayed", r.Replayed), slog.String("idempotency_key", m.IdempotencyKey),
			slog.Duration("duration", time.Since(start)))
	}
	return r, nil
}

func (o *Once) send(ctx context.Context, m *sms.Message, fn SendFunc) (*sms.Receipt, error) {
	if err := o.Closed(); err != nil {
		return nil, err
	}
	if m.IdempotencyKey == "" {
		return fn(ctx)
	}
	key := KeyPrefix + m.IdempotencyKey
	fp := Fingerprint(m)
	a, err := o.runner.Claim(ctx, key, fp)
	if err != nil {
		return nil, &sms.Error{Kind: sms.ErrTemporary, Provider: o.provider, Message: "the idempotency store could not claim the key; nothing was sent", Err: err}
	}
	switch {
	case a.State != idempotency.Acquired && !a.Matches():
		return nil, &sms.Error{Kind: sms.ErrIdempotencyConflict, Provider: o.provider,
			Message: "the idempotency key was used with a different message; nothing was sent", Err: idempotency.ErrFingerprintMismatch}
	case a.State == idempotency.InProgress:
		return nil, &sms.Error{Kind: sms.ErrInProgress, Provider: o.provider,
			Message: "another send holds the idempotency key; retry later for its receipt", Err: idempotency.ErrInProgress}
	case a.State == idempotency.Completed:
		return o.replay(a.Record)
	}

	claimed := time.Now()
	var sent *sms.Receipt
	var sendErr error
	res, runErr := a.Run(ctx, func(ctx context.Context) (idempotency.Record, error) {
		ctx, cancel := o.bound(ctx, claimed)
		defer cancel()
		r, err := fn(ctx)
		switch {
		case err == nil && r == nil:
			return idempotency.Record{}, errors.New("smskit: the send returned neither a receipt nor an error")
		case err == nil:
			sent = r
			return receiptRecord(r), nil
		case errors.Is(err, sms.ErrUnknownOutcome):
			// The provider may have taken the message: remember that, so
			// that no retry under this key sends it again.
			sendErr = err
			return unknownRecord(o.provider, err), nil
		}
		return idempotency.Record{}, err
	})
	if runErr != nil {
		return nil, runErr // fn's error, after the key was released
	}
	if res.StoreErr != nil {
		o.log.LogAttrs(ctx, slog.LevelError, "sms idempotency key not recorded",
			slog.String("provider", o.provider), slog.String("idempotency_key", m.IdempotencyKey),
			slog.String("error", res.StoreErr.Error()))
	}
	if sendErr != nil {
		return nil, sendErr
	}
	return sent, nil
}

// bound gives ctx a deadline that leaves the store timeout and a margin of
// the lease, so that the key is completed or released before the lease
// ends and no retry can claim it while this send may still be in flight.
//
// A context without a deadline gets the send timeout instead (the HTTP
// client's own, which a deadline on the context would otherwise replace).
func (o *Once) bound(ctx context.Context, claimed time.Time) (context.Context, context.CancelFunc) {
	end := claimed.Add(o.lease - o.storeTimeout - leaseMargin)
	d, ok := ctx.Deadline()
	switch {
	case ok && !d.After(end):
		return ctx, func() {}
	case !ok && o.sendTimeout > 0:
		end = claimed.Add(o.sendTimeout)
	}
	return context.WithDeadline(ctx, end)
}

// replay turns a stored record into what the first send returned.
func (o *Once) replay(rec *idempotency.Record) (*sms.Receipt, error) {
	switch rec.Status {
	case recordSent:
		r, err := decodeReceipt(rec.Body)
		if err != nil {
			break
		}
		r.Replayed = true
		return r, nil
	case recordUnknown:
		var u unknown
		if json.Unmarshal(rec.Body, &u) == nil {
			return nil, &sms.Error{Kind: sms.ErrUnknownOutcome, Provider: u.Provider, StatusCode: u.StatusCode, Code: u.Code,
				Message: "an earlier send with this idempotency key may have sent the message (" + u.Message + "); it is not sent again"}
		}
	}
	return nil, &sms.Error{Kind: sms.ErrUnknownOutcome, Provider: o.provider,
		Message: "the idempotency store holds a record for this key that cannot be read; the message is not sent again"}
}

// storedReceipt is a Receipt as kept in the store.
type storedReceipt struct {
	V              int               `json:"v"`
	Provider       string            `json:"provider"`
	MessageID      string            `json:"message_id"`
	Status         sms.Status        `json:"status"`
	ProviderStatus string            `json:"provider_status,omitempty"`
	To             string            `json:"to,omitempty"`
	From           string            `json:"from,omitempty"`
	Segments       int               `json:"segments"`
	Encoding       sms.Encoding      `json:"encoding,omitempty"`
	Cost           *sms.Cost         `json:"cost,omitempty"`
	Metadata       map[string]string `json:"metadata,omitempty"`
	AcceptedAt     time.Time         `json:"accepted_at"`
}

// unknown is an unknown outcome as kept in the store.
type unknown struct {
	V          int    `json:"v"`
	Provider   string `json:"provider"`
	StatusCode int    `json:"status_code,omitempty"`
	Code       string `json:"code,omitempty"`
	Message    string `json:"message"`
}

// receiptRecord is the record of a sent message. A Receipt always
// encodes; should one not, the record still says "sent" (its replay then
// reports an unreadable record), since the message went out.
func receiptRecord(r *sms.Receipt) idempotency.Record {
	b, _ := json.Marshal(storedReceipt{
		V: 1, Provider: r.Provider, MessageID: r.MessageID, Status: r.Status, ProviderStatus: r.ProviderStatus,
		To: r.To, From: r.From, Segments: r.Segments, Encoding: r.Encoding, Cost: r.Cost, Metadata: r.Metadata,
		AcceptedAt: r.AcceptedAt.UTC(),
	})
	return idempotency.Record{Status: recordSent, Body: b}
}

func decodeReceipt(b []byte) (*sms.Receipt, error) {
	var s storedReceipt
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	if s.V != 1 || s.MessageID == "" {
		return nil, errors.New("smskit: stored receipt has no message id")
	}
	return &sms.Receipt{
		Provider: s.Provider, MessageID: s.MessageID, Status: s.Status, ProviderStatus: s.ProviderStatus,
		To: s.To, From: s.From, Segments: s.Segments, Encoding: s.Encoding, Cost: s.Cost, Metadata: s.Metadata,
		AcceptedAt: s.AcceptedAt,
	}, nil
}

func unknownRecord(provider string, err error) idempotency.Record {
	u := unknown{V: 1, Provider: provider, Message: "the provider's answer was lost or unreadable"}
	var se *sms.Error
	if errors.As(err, &se) {
		u.Provider, u.StatusCode, u.Code = se.Provider, se.StatusCode, se.Code
		if se.Message != "" {
			u.Message = se.Message
		}
	}
	b, _ := json.Marshal(u) // strings and ints always encode
	return idempotency.Record{Status: recordUnknown, Body: b}
}
