package payments

import (
	"context"
	"errors"

	"github.com/switchboard-go/switchboard/internal/observe"
)

// Observer receives an observation of every call a Provider makes, when
// given to the provider's WithObserver option: Start before the call (its
// returned context is the one the call goes on with, so spans nest), End
// after it with the outcome. Either function may be nil. The same Observer
// type serves email, media, login and every contract built like them, so
// one adapter value can be given to all.
//
// Observations carry only low-cardinality words: Call names the component
// ("payments"), the provider and the operation ("create_payment",
// "get_payment", "cancel_payment", "refund", "get_refund"); Result gives
// the outcome ("ok", "declined" or "error"), the error's kind as a word
// (ErrorType: "card_declined", "rate_limited", "provider_unavailable", ...)
// and the details "currency" and "status" when a payment or refund came
// back. Never an amount, a customer, a card, an id or a key.
type Observer = observe.Observer

// Call names an observed operation. See Observer.
type Call = observe.Call

// Result is how an observed operation ended. See Observer.
type Result = observe.Result

// Attr is a detail of a Result. See Observer.
type Attr = observe.Attr

// Observation is a call being observed, returned by StartObservation.
// Its zero value observes nothing.
type Observation struct{ op observe.Op }

// StartObservation begins observing one call of a provider: implementations
// of Provider call it first in each method, with the Observer given to
// their WithObserver option, and End the Observation when the method
// returns. With a nil o it returns ctx and costs nothing else.
func StartObservation(ctx context.Context, o *Observer, provider, operation string) (context.Context, Observation) {
	ctx, op := observe.Begin(ctx, o, Call{Component: "payments", Provider: provider, Operation: operation})
	return ctx, Observation{op: op}
}

// End reports a call that returned err (and no payment or refund).
func (ob Observation) End(err error) {
	if !ob.op.Active() {
		return
	}
	ob.op.End(result(err))
}

// EndPayment reports a call that returned p and err.
func (ob Observation) EndPayment(p *Payment, err error) {
	if !ob.op.Active() {
		return
	}
	r := result(err)
	if p != nil {
		r.Attrs = []Attr{{Key: "currency", Value: string(p.Amount.Currency.Normalize())}, {Key: "status", Value: string(p.Status)}}
	}
	ob.op.End(r)
}

// EndRefund reports a call that returned rf and err.
func (ob Observation) EndRefund(rf *Refund, err error) {
	if !ob.op.Active() {
		return
	}
	r := result(err)
	if rf != nil {
		r.Attrs = []Attr{{Key: "currency", Value: string(rf.Amount.Currency.Normalize())}, {Key: "status", Value: string(rf.Status)}}
	}
	ob.op.End(r)
}

func result(err error) Result {
	switch {
	case err == nil:
		return Result{Outcome: "ok"}
	case errors.Is(err, ErrCardDeclined):
		return Result{Outcome: "declined", ErrorType: "card_declined", Err: err}
	}
	return Result{Outcome: "error", ErrorType: observe.Classify(err, errorKinds), Err: err}
}

var errorKinds = []observe.Kind{
	{Err: ErrCardDeclined, Word: "card_declined"},
	{Err: ErrInvalidRequest, Word: "invalid_request"},
	{Err: ErrAuthentication, Word: "authentication"},
	{Err: ErrRateLimited, Word: "rate_limited"},
	{Err: ErrProviderUnavailable, Word: "provider_unavailable"},
	{Err: ErrIdempotencyConflict, Word: "idempotency_conflict"},
	{Err: ErrUnsupportedCurrency, Word: "unsupported_currency"},
	{Err: ErrInvalidAmount, Word: "invalid_amount"},
	{Err: ErrNotFound, Word: "not_found"},
	{Err: ErrNotSupported, Word: "not_supported"},
	{Err: ErrInvalidConfig, Word: "invalid_config"},
}
