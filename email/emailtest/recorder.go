package emailtest

import (
	"context"
	"fmt"
	"sync"

	"github.com/switchboard-go/switchboard/email"
)

// RecorderProvider is the Provider of the recorder's receipts.
const RecorderProvider = "recorder"

// Recorder is an email.Sender that keeps the messages it is given instead
// of sending them, for tests of code that sends email. It prepares every
// message as a real sender does (email.Prepare): an invalid message fails
// the same way in tests as in production, and the recorded message is the
// one a sender would deliver, so an HTML-only message is recorded with the
// Text derived from its HTML. It is safe for concurrent use.
type Recorder struct {
	mu       sync.Mutex
	msgs     []*email.Message
	receipts []*email.Receipt
	next     []error
	failFn   func(*email.Message) error
	seq      int
	vopts    []email.ValidateOption
}

var (
	_ email.Sender      = (*Recorder)(nil)
	_ email.BatchSender = (*Recorder)(nil)
)

// RecorderOption configures a Recorder.
type RecorderOption func(*Recorder)

// WithFailure makes the recorder call fn for every valid message; a
// non-nil error is returned from Send and the message is not recorded.
func WithFailure(fn func(*email.Message) error) RecorderOption {
	return func(r *Recorder) { r.failFn = fn }
}

// WithValidateOptions sets the options the recorder validates with (for
// example email.WithMaxSize).
func WithValidateOptions(opts ...email.ValidateOption) RecorderOption {
	return func(r *Recorder) { r.vopts = opts }
}

// NewRecorder returns an empty Recorder.
func NewRecorder(opts ...RecorderOption) *Recorder {
	r := &Recorder{}
	for _, o := range opts {
		if o != nil {
			o(r)
		}
	}
	return r
}

// FailNext queues errors: each of the next len(errs) valid messages fails
// with the next error instead of being recorded. Use an *email.SendError
// to simulate a provider failure, for example
//
//	rec.FailNext(&email.SendError{Kind: email.ErrTemporary, Provider: "smtp", StatusCode: 451})
func (r *Recorder) FailNext(errs ...error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next = append(r.next, errs...)
}

// Send validates m and records a copy of the message a sender would
// deliver (see email.Prepare). The receipt's MessageID is "recorder-N", N
// counting the messages recorded since NewRecorder or Reset, from 1.
func (r *Recorder) Send(ctx context.Context, m *email.Message) (*email.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return nil, &email.SendError{Kind: email.ErrTemporary, Provider: RecorderProvider, Message: "context done", Err: err}
	}
	m, err := email.Prepare(m, r.vopts...)
	if err != nil {
		return nil, err
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
	if r.failFn != nil {
		if err := r.failFn(m); err != nil {
			return nil, err
		}
	}
	r.seq++
	rc := &email.Receipt{Provider: RecorderProvider, MessageID: fmt.Sprintf("recorder-%d", r.seq)}
	r.msgs = append(r.msgs, m.Clone())
	r.receipts = append(r.receipts, rc)
	return &email.Receipt{Provider: rc.Provider, MessageID: rc.MessageID}, nil
}

// SendMany sends each message with Send and returns their receipts; when
// any fails the error is an *email.BatchError.
func (r *Recorder) SendMany(ctx context.Context, msgs []*email.Message) ([]*email.Receipt, error) {
	receipts := make([]*email.Receipt, len(msgs))
	errs := make([]error, len(msgs))
	failed := false
	for i, m := range msgs {
		receipts[i], errs[i] = r.Send(ctx, m)
		failed = failed || errs[i] != nil
	}
	if failed {
		return receipts, &email.BatchError{Errs: errs}
	}
	return receipts, nil
}

// Messages returns copies of the recorded messages, oldest first.
func (r *Recorder) Messages() []*email.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*email.Message, len(r.msgs))
	for i, m := range r.msgs {
		out[i] = m.Clone()
	}
	return out
}

// Last returns a copy of the most recent message, or nil.
func (r *Recorder) Last() *email.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.msgs) == 0 {
		return nil
	}
	return r.msgs[len(r.msgs)-1].Clone()
}

// Lookup returns a copy of the message recorded under a receipt's
// MessageID, or nil.
func (r *Recorder) Lookup(messageID string) *email.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, rc := range r.receipts {
		if rc.MessageID == messageID {
			return r.msgs[i].Clone()
		}
	}
	return nil
}

// Len returns how many messages were recorded.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

// Reset forgets the recorded messages and queued failures and restarts
// the receipt numbering.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs, r.receipts, r.next, r.seq = nil, nil, nil, 0
}
