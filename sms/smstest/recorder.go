package smstest

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/internal/smskit"
)

// RecorderProvider is the Provider of the Recorder's receipts.
const RecorderProvider = "recorder"

// Recorder is an sms.Sender that keeps the messages it is given instead of
// sending them, for tests of code that sends text messages. It validates
// every message with the Limits it was given (Twilio's, the most
// permissive, by default), so that an invalid message fails in tests as
// in production, and applies the at-most-once rule of IdempotencyKey like
// every Sender: a repeated key records nothing and returns the first
// Receipt, Replayed. It is safe for concurrent use.
type Recorder struct {
	mu       sync.Mutex
	msgs     []*sms.Message
	receipts []*sms.Receipt
	next     []error
	limits   sms.Limits
	once     *smskit.Once
	prefix   string
	seq      int
}

var _ sms.Sender = (*Recorder)(nil)

// RecorderOption configures a Recorder.
type RecorderOption func(*recorderConfig)

type recorderConfig struct {
	limits sms.Limits
	store  idempotency.Store
}

// WithLimits makes the recorder validate with l (a provider's Limits, such
// as africastalkingsms.Limits()).
func WithLimits(l sms.Limits) RecorderOption {
	return func(c *recorderConfig) { c.limits = l }
}

// WithStore makes the recorder keep idempotency keys in s, as a Sender's
// WithStore does; by default they are kept in memory.
func WithStore(s idempotency.Store) RecorderOption {
	return func(c *recorderConfig) { c.store = s }
}

// NewRecorder returns an empty Recorder.
func NewRecorder(opts ...RecorderOption) *Recorder {
	c := recorderConfig{limits: sms.Limits{Provider: RecorderProvider, MaxLength: sms.MaxLength, MaxMediaURLs: 10, MessagingService: true, StatusCallback: true}}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	kc := smskit.Config{Provider: RecorderProvider, Store: c.store}
	// NewOnce fails only for a lease shorter than the send timeout, and
	// the default lease is a minute while recording takes no time.
	once, err := smskit.NewOnce(&kc, 0)
	if err != nil {
		panic(err)
	}
	return &Recorder{limits: c.limits, once: once, prefix: "recorder-" + randomHex(4) + "-"}
}

// FailNext queues errors: each of the next len(errs) valid messages fails
// with the next error instead of being recorded. Use an *sms.Error to
// simulate a provider failure, for example
//
//	rec.FailNext(&sms.Error{Kind: sms.ErrUnsubscribed, Provider: "twilio", Code: "21610"})
func (r *Recorder) FailNext(errs ...error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next = append(r.next, errs...)
}

// Send validates m and records a copy. The receipt's MessageID is
// "recorder-R-N": R is random per Recorder and N counts the messages
// recorded since NewRecorder or Reset, from 1. Its status is queued.
func (r *Recorder) Send(ctx context.Context, m *sms.Message) (*sms.Receipt, error) {
	seg, err := sms.Validate(m, r.limits)
	if err != nil {
		return nil, err
	}
	return r.once.Send(ctx, m, func(ctx context.Context) (*sms.Receipt, error) {
		if err := ctx.Err(); err != nil {
			return nil, &sms.Error{Kind: sms.ErrTemporary, Provider: RecorderProvider, Message: "context done; nothing was recorded", Err: err}
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.next) > 0 {
			err := r.next[0]
			r.next = r.next[1:]
			if err != nil {
				return nil, err
			}
		}
		r.seq++
		rc := &sms.Receipt{
			Provider: RecorderProvider, MessageID: fmt.Sprintf("%s%d", r.prefix, r.seq), Status: sms.StatusQueued,
			ProviderStatus: "recorded", To: m.To, From: m.From, Segments: seg.Count, Encoding: seg.Encoding,
			Metadata: maps.Clone(m.Metadata), AcceptedAt: time.Now(),
		}
		r.msgs = append(r.msgs, m.Clone())
		r.receipts = append(r.receipts, rc)
		return rc.Clone(), nil
	})
}

// Messages returns copies of the recorded messages, oldest first.
func (r *Recorder) Messages() []*sms.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*sms.Message, len(r.msgs))
	for i, m := range r.msgs {
		out[i] = m.Clone()
	}
	return out
}

// Len returns how many messages were recorded.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

// Last returns a copy of the most recent message, or nil.
func (r *Recorder) Last() *sms.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.msgs) == 0 {
		return nil
	}
	return r.msgs[len(r.msgs)-1].Clone()
}

// Lookup returns a copy of the message recorded under a receipt's
// MessageID, or nil.
func (r *Recorder) Lookup(messageID string) *sms.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, rc := range r.receipts {
		if rc.MessageID == messageID {
			return r.msgs[i].Clone()
		}
	}
	return nil
}

// Reset forgets the recorded messages and queued failures. Idempotency
// keys are kept (they live in the store).
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs, r.receipts, r.next, r.seq = nil, nil, nil, 0
}
