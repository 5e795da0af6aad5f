package email

import (
	"context"
	"errors"

	"github.com/switchboard-go/switchboard/internal/observe"
)

// Observer receives an observation of every send a Sender makes, when
// given to the sender's WithObserver option: Start before the send (its
// returned context is the one the send goes on with, so spans nest), End
// after it. Either function may be nil. It is the same type as
// payments.Observer, so one adapter value serves every contract.
//
// Observations carry only low-cardinality words: Call names the component
// ("email"), the provider and the operation ("send", or "send_many" for a
// batch on one connection); Result gives the outcome ("ok", "invalid" for
// a message that failed validation, "rejected" for a refused recipient,
// or "error") and the error's kind as a word (ErrorType:
// "invalid_message", "rejected_recipient", "temporary", "authentication",
// "permanent"). Never an address, a subject or a body.
type Observer = observe.Observer

// Call names an observed operation. See Observer.
type Call = observe.Call

// Result is how an observed operation ended. See Observer.
type Result = observe.Result

// Observation is a send being observed, returned by StartObservation. Its
// zero value observes nothing.
type Observation struct{ op observe.Op }

// StartObservation begins observing one operation of a sender:
// implementations of Sender call it first in Send, with the Observer given
// to their WithObserver option, and End the Observation when Send returns.
// With a nil o it returns ctx and costs nothing else.
func StartObservation(ctx context.Context, o *Observer, provider, operation string) (context.Context, Observation) {
	ctx, op := observe.Begin(ctx, o, Call{Component: "email", Provider: provider, Operation: operation})
	return ctx, Observation{op: op}
}

// End reports an operation that returned err.
func (ob Observation) End(err error) {
	if !ob.op.Active() {
		return
	}
	switch {
	case err == nil:
		ob.op.End(Result{Outcome: "ok"})
	case errors.Is(err, ErrInvalidMessage):
		ob.op.End(Result{Outcome: "invalid", ErrorType: "invalid_message", Err: err})
	case errors.Is(err, ErrRejectedRecipient):
		ob.op.End(Result{Outcome: "rejected", ErrorType: "rejected_recipient", Err: err})
	default:
		ob.op.End(Result{Outcome: "error", ErrorType: observe.Classify(err, errorKinds), Err: err})
	}
}

var errorKinds = []observe.Kind{
	{Err: ErrTemporary, Word: "temporary"},
	{Err: ErrAuthentication, Word: "authentication"},
	{Err: ErrPermanent, Word: "permanent"},
	{Err: ErrInvalidConfig, Word: "invalid_config"},
}
