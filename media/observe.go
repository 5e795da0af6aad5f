package media

import (
	"context"

	"github.com/switchboard-go/switchboard/internal/observe"
)

// Observer receives an observation of every Upload, Delete and SignUpload
// of a Store, when given to the backend's WithObserver option: Start
// before the call (its returned context is the one the call goes on with,
// so spans nest), End after it. Either function may be nil. URL is not
// observed: it does no I/O and runs once per rendered link. It is the same
// type as payments.Observer, so one adapter value serves every contract.
//
// Observations carry only low-cardinality words: Call names the component
// ("media"), the backend and the operation ("upload", "delete",
// "sign_upload"); Result gives the outcome ("ok", "rejected" for content
// or parameters the Store refused, "not_found", or "error") and the
// error's kind as a word (ErrorType: "too_large", "type_not_allowed",
// "temporary", ...). Never a name, a folder, an id or a URL.
type Observer = observe.Observer

// Observation is a call being observed, returned by StartObservation. Its
// zero value observes nothing.
type Observation struct{ op observe.Op }

// StartObservation begins observing one call of a backend:
// implementations of Store call it first in Upload, Delete and SignUpload,
// with the Observer given to their WithObserver option, and End the
// Observation when the method returns. With a nil o it returns ctx and
// costs nothing else.
func StartObservation(ctx context.Context, o *Observer, backend, operation string) (context.Context, Observation) {
	ctx, op := observe.Begin(ctx, o, observe.Call{Component: "media", Provider: backend, Operation: operation})
	return ctx, Observation{op: op}
}

// End reports a call that returned err.
func (ob Observation) End(err error) {
	if !ob.op.Active() {
		return
	}
	r := observe.Result{Outcome: "ok"}
	if err != nil {
		r = observe.Result{Outcome: "error", ErrorType: observe.Classify(err, errorKinds), Err: err}
		switch r.ErrorType {
		case "not_found":
			r.Outcome = "not_found"
		case "invalid_name", "invalid_params", "empty", "too_large", "type_not_allowed", "invalid_content", "exists", "unsupported":
			r.Outcome = "rejected"
		}
	}
	ob.op.End(r)
}

var errorKinds = []observe.Kind{
	{Err: ErrInvalidName, Word: "invalid_name"},
	{Err: ErrInvalidParams, Word: "invalid_params"},
	{Err: ErrEmpty, Word: "empty"},
	{Err: ErrTooLarge, Word: "too_large"},
	{Err: ErrTypeNotAllowed, Word: "type_not_allowed"},
	{Err: ErrInvalidContent, Word: "invalid_content"},
	{Err: ErrExists, Word: "exists"},
	{Err: ErrNotFound, Word: "not_found"},
	{Err: ErrUnsupported, Word: "unsupported"},
	{Err: ErrTemporary, Word: "temporary"},
	{Err: ErrPermanent, Word: "permanent"},
	{Err: ErrInvalidSignature, Word: "invalid_signature"},
	{Err: ErrInvalidConfig, Word: "invalid_config"},
}
