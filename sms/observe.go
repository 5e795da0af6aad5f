package sms

import (
	"context"
	"errors"

	"github.com/switchboard-go/switchboard/internal/observe"
)

// Observer receives an observation of every send a Sender makes, when
// given to the sender's WithObserver option: Start before the send (its
// returned context is the one the send goes on with, so spans nest), End
// after it. Either function may be nil. It is the same type as
// email.Observer and payments.Observer, so one adapter value serves every
// contract.
//
// Observations carry only low-cardinality words: Call names the component
// ("sms"), the provider and the operation ("send"); Result gives the
// outcome and the error's kind as a word (ErrorType), and the detail
// "status" (queued or sent) when a Receipt came back:
//
//	Outcome       ErrorType                  when
//	ok                                       the provider accepted the message
//	replayed                                 an earlier send with the IdempotencyKey did; nothing was sent
//	invalid       invalid_number,            the message failed validation; nothing was sent
//	              invalid_message
//	unsubscribed  unsubscribed               the recipient opted out (STOP)
//	rejected      invalid_number,            the provider refused the message; a retry will not help
//	              unverified_recipient,
//	              unreachable,
//	              sender_rejected, rejected
//	error         in_progress,               anything else, the first matching word in this order
//	              unknown_outcome,
//	              temporary, authentication,
//	              insufficient_funds,
//	              idempotency_conflict,
//	              malformed_response, closed,
//	              invalid_config, canceled,
//	              timeout, _OTHER
//
// Never a phone number, a sender, a body, metadata, a message id, an
// idempotency key or a credential.
type Observer = observe.Observer

// Call names an observed operation. See Observer.
type Call = observe.Call

// Result is how an observed operation ended. See Observer.
type Result = observe.Result

// Attr is a detail of a Result. See Observer.
type Attr = observe.Attr

// Outcomes of an observed send. See Observer.
const (
	OutcomeOK           = "ok"
	OutcomeReplayed     = "replayed"
	OutcomeInvalid      = "invalid"
	OutcomeUnsubscribed = "unsubscribed"
	OutcomeRejected     = "rejected"
	OutcomeError        = "error"
)

// Observation is a send being observed, returned by StartObservation. Its
// zero value observes nothing.
type Observation struct{ op observe.Op }

// StartObservation begins observing one operation of a sender:
// implementations of Sender call it first in Send, with the Observer given
// to their WithObserver option, and end the Observation with EndReceipt
// when Send returns. With a nil o it returns ctx and costs nothing else.
func StartObservation(ctx context.Context, o *Observer, provider, operation string) (context.Context, Observation) {
	ctx, op := observe.Begin(ctx, o, Call{Component: "sms", Provider: provider, Operation: operation})
	return ctx, Observation{op: op}
}

// End reports an operation that returned err and no Receipt.
func (ob Observation) End(err error) {
	if !ob.op.Active() {
		return
	}
	ob.op.End(result(nil, err))
}

// EndReceipt reports a send that returned r and err: "replayed" for a
// Receipt from the idempotency store (r.Replayed), "ok" for another.
func (ob Observation) EndReceipt(r *Receipt, err error) {
	if !ob.op.Active() {
		return
	}
	ob.op.End(result(r, err))
}

func result(r *Receipt, err error) Result {
	if err != nil {
		return errorResult(err)
	}
	res := Result{Outcome: OutcomeOK}
	if r != nil {
		if r.Replayed {
			res.Outcome = OutcomeReplayed
		}
		if r.Status != "" {
			res.Attrs = []Attr{{Key: "status", Value: string(r.Status)}}
		}
	}
	return res
}

func errorResult(err error) Result {
	switch {
	case errors.Is(err, ErrInvalidMessage):
		// A *ValidationError: nothing left the process.
		word := "invalid_message"
		if errors.Is(err, ErrInvalidNumber) {
			word = "invalid_number"
		}
		return Result{Outcome: OutcomeInvalid, ErrorType: word, Err: err}
	case errors.Is(err, ErrUnknownOutcome):
		// The provider may have the message, whatever else the error says.
		return Result{Outcome: OutcomeError, ErrorType: "unknown_outcome", Err: err}
	case errors.Is(err, ErrUnsubscribed):
		return Result{Outcome: OutcomeUnsubscribed, ErrorType: "unsubscribed", Err: err}
	}
	for _, k := range rejectedKinds {
		if errors.Is(err, k.Err) {
			return Result{Outcome: OutcomeRejected, ErrorType: k.Word, Err: err}
		}
	}
	return Result{Outcome: OutcomeError, ErrorType: observe.Classify(err, errorKinds), Err: err}
}

// rejectedKinds are the provider's refusals of a message that a retry
// will not fix.
var rejectedKinds = []observe.Kind{
	{Err: ErrInvalidNumber, Word: "invalid_number"},
	{Err: ErrUnverifiedRecipient, Word: "unverified_recipient"},
	{Err: ErrUnreachable, Word: "unreachable"},
	{Err: ErrSenderRejected, Word: "sender_rejected"},
	{Err: ErrRejected, Word: "rejected"},
}

// errorKinds are the other failures, most specific first: ErrInProgress
// and ErrUnknownOutcome also match ErrTemporary, and an unreadable 2xx
// answer matches ErrUnknownOutcome and ErrMalformedResponse.
var errorKinds = []observe.Kind{
	{Err: ErrInProgress, Word: "in_progress"},
	{Err: ErrUnknownOutcome, Word: "unknown_outcome"},
	{Err: ErrTemporary, Word: "temporary"},
	{Err: ErrAuthentication, Word: "authentication"},
	{Err: ErrInsufficientFunds, Word: "insufficient_funds"},
	{Err: ErrIdempotencyConflict, Word: "idempotency_conflict"},
	{Err: ErrMalformedResponse, Word: "malformed_response"},
	{Err: ErrClosed, Word: "closed"},
	{Err: ErrInvalidConfig, Word: "invalid_config"},
}
