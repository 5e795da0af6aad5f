package login

import (
	"fmt"
	"net/http"

	"github.com/switchboard-go/switchboard/internal/observe"
)

// Observer receives an observation of every sign-in step the Handler
// serves, when given with WithObserver: Start when the request arrives
// (its returned context is the one the step goes on with, so the code
// exchange and LoginFunc nest under it), End when it is answered. Either
// function may be nil. It is the same type as payments.Observer, so one
// adapter value serves every contract.
//
// Observations carry only low-cardinality words: Call names the component
// ("login"), the provider and the operation ("start", or "sign_in" for the
// callback); Result gives the outcome ("ok"; "refused" when the sign-in
// was turned down: a bad or replayed state, access denied, an unverified
// email, the application's refusal; "error" when it could not be done: the
// provider or the replay store failed) and Reason's word as ErrorType.
// Never a state, a code, a token, an identity or an email.
type Observer = observe.Observer

// WithObserver sets the Observer that receives an observation of every
// sign-in start and callback. Without it nothing is observed and nothing
// is spent on it. A nil Observer is a configuration error.
func WithObserver(o *Observer) Option {
	return func(c *handlerConfig) error {
		if o == nil {
			return fmt.Errorf("%w: WithObserver: nil observer", ErrInvalidConfig)
		}
		c.obs = o
		return nil
	}
}

// observeStart begins observing a start or callback request and returns
// the request to go on with.
func (h *Handler) observeStart(r *http.Request, provider, sub string) *http.Request {
	if h.cfg.obs == nil {
		return r
	}
	op := "start"
	if sub == "callback" {
		op = "sign_in"
	}
	ctx, o := observe.Begin(r.Context(), h.cfg.obs, observe.Call{Component: "login", Provider: provider, Operation: op})
	return r.WithContext(observe.WithOp(ctx, o))
}

// observeEnd reports how a request observed by observeStart ended: err is
// nil for a success.
func (h *Handler) observeEnd(r *http.Request, err *Error) {
	if h.cfg.obs == nil {
		return
	}
	res := observe.Result{Outcome: "ok"}
	if err != nil {
		res = observe.Result{Outcome: "refused", ErrorType: Reason(err), Err: err}
		switch KindOf(err) {
		case ErrTemporary, ErrProvider, nil:
			res.Outcome = "error"
		}
	}
	observe.OpFrom(r.Context()).EndOnce(res)
}
