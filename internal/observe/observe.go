// Package observe is the observation seam shared by the contract packages
// whose implementations call a provider or a backend (payments, email,
// media, login, and any contract built like them): one Call per operation,
// ended with one Result.
//
// Contract packages expose it under their own names (payments.Observer is
// an alias of Observer, payments.Call of Call, ...) so that users never
// import this package, and an adapter written for one contract serves
// every other. httpclient and idempotency import nothing of this module,
// so they define seams of the same form in their own packages.
//
// The rules every observation follows:
//
//   - Start runs before the operation and returns the context the
//     operation continues on, so that spans nest; End gets that context.
//   - A nil *Observer costs one comparison: no allocation, no clock
//     reading.
//   - Every field is low-cardinality and safe to export: no secret,
//     signature, token, credential, key, e-mail address, phone number or
//     URL with its query. Err is the operation's error, whose text the
//     module already keeps free of secrets; adapters should still prefer
//     ErrorType, a fixed word, to its text.
package observe

import (
	"context"
	"errors"
	"time"
)

// Call names one operation.
type Call struct {
	// Component is the contract package that defines the operation:
	// "payments", "email", "media", "login", "sms", ...
	Component string
	// Provider is the implementation's Name: "stripe", "smtp", "local".
	Provider string
	// Operation is the method, in snake_case: "create_payment", "send",
	// "upload", "sign_in", "process".
	Operation string
	// TraceParent and TraceState are W3C trace context carried by the
	// operation's input (a queued job's payload, a delivery's headers),
	// empty when there is none. Nobody signed them: an observer may link
	// to the trace they name, never make it the parent.
	TraceParent, TraceState string
}

// Attr is a low-cardinality detail of a Result, such as a currency code or
// a payment status. Key is snake_case without the component's prefix:
// adapters add it ("currency" of component "payments" becomes
// "switchboard.payments.currency").
type Attr struct {
	Key, Value string
}

// Result is how an operation ended.
type Result struct {
	// Outcome is a fixed snake_case word: "ok", or one the component
	// documents ("declined", "signed_in", ...).
	Outcome string
	// ErrorType classifies a failure with a fixed snake_case word (the
	// error's kind: "card_declined", "temporary"); empty on success.
	ErrorType string
	// Err is the failure; nil on success.
	Err error
	// Duration is how long the operation took.
	Duration time.Duration
	// Attrs are the component's details, if any.
	Attrs []Attr
}

// Observer receives observations. Either function may be nil.
type Observer struct {
	// Start is called when an operation begins. The returned context is
	// the one the operation goes on with (a span put into it is the
	// parent of whatever the operation does); returning ctx is fine.
	Start func(ctx context.Context, c Call) context.Context
	// End is called once when the operation ends, with the context Start
	// returned.
	End func(ctx context.Context, c Call, r Result)
}

// Op is an operation being observed. Its zero value observes nothing.
type Op struct {
	obs   *Observer
	ctx   context.Context
	call  Call
	start time.Time
}

// Begin starts observing c and returns the context to go on with. With a
// nil o it returns ctx and the zero Op, and costs nothing else.
func Begin(ctx context.Context, o *Observer, c Call) (context.Context, Op) {
	if o == nil || (o.Start == nil && o.End == nil) {
		return ctx, Op{}
	}
	if o.Start != nil {
		ctx = o.Start(ctx, c)
	}
	return ctx, Op{obs: o, ctx: ctx, call: c, start: time.Now()}
}

// Active reports whether the operation is observed, so that callers build
// a Result's details only when it is.
func (op Op) Active() bool { return op.obs != nil }

// End reports r, with its Duration measured since Begin. It does nothing
// on the zero Op.
func (op Op) End(r Result) {
	if op.obs == nil || op.obs.End == nil {
		return
	}
	r.Duration = time.Since(op.start)
	op.obs.End(op.ctx, op.call, r)
}

// opKey is the context key under which WithOp stores an Op.
type opKey struct{}

// WithOp returns ctx carrying op, for a component whose outcome is known
// far from where the operation began (an HTTP handler answering from
// several places). It returns ctx itself for the zero Op.
func WithOp(ctx context.Context, op Op) context.Context {
	if op.obs == nil {
		return ctx
	}
	return context.WithValue(ctx, opKey{}, &op)
}

// OpFrom returns the Op stored by WithOp, or the zero Op. Ending it
// through OpFrom twice reports once: the first End wins.
func OpFrom(ctx context.Context) *Op {
	if op, ok := ctx.Value(opKey{}).(*Op); ok {
		return op
	}
	return &noOp
}

// noOp is what OpFrom returns for a context without an Op; EndOnce never
// writes to it.
var noOp Op

// EndOnce is End for an Op shared through WithOp: it reports the first
// time only.
func (op *Op) EndOnce(r Result) {
	if op.obs == nil {
		return
	}
	o := *op
	op.obs = nil
	o.End(r)
}

// Kind pairs a sentinel error with the word that names it in ErrorType.
type Kind struct {
	Err  error
	Word string
}

// Classify returns the word of the first kind err matches; "canceled" or
// "timeout" for the context's errors; "_OTHER" (OpenTelemetry's word for
// an unknown error type) otherwise; "" for a nil err.
func Classify(err error, kinds []Kind) string {
	if err == nil {
		return ""
	}
	for _, k := range kinds {
		if errors.Is(err, k.Err) {
			return k.Word
		}
	}
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "_OTHER"
}
