package storekit

import (
	"errors"
	"fmt"

	"github.com/switchboard-go/switchboard/idempotency"
)

// Closed returns the error of a store used after Close: "backend: store
// is closed", wrapping idempotency.ErrClosed (and so matching
// idempotency.ErrUnavailable).
func Closed(backend string) error {
	return &kitError{msg: backend + ": store is closed", kind: idempotency.ErrClosed}
}

// Unavailable wraps a failure of the backend's driver during op ("claim",
// "complete", "release", "connect"): its message is "backend: op: " and
// err's, and it matches both idempotency.ErrUnavailable and err's chain.
// A nil err gives nil.
func Unavailable(backend, op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, idempotency.ErrUnavailable) {
		return fmt.Errorf("%s: %s: %w", backend, op, err)
	}
	return &kitError{msg: backend + ": " + op + ": " + err.Error(), kind: idempotency.ErrUnavailable, cause: err}
}

// InvalidConfig returns a configuration error of the backend: its message
// is "backend: " and the formatted text, which names the option or URL
// parameter at fault (never a secret's value), and it wraps
// idempotency.ErrInvalidConfig.
func InvalidConfig(backend, format string, args ...any) error {
	return &kitError{msg: backend + ": " + fmt.Sprintf(format, args...), kind: idempotency.ErrInvalidConfig}
}

// kitError is an error of a kind (a sentinel of package idempotency) with
// an optional cause.
type kitError struct {
	msg   string
	kind  error
	cause error
}

func (e *kitError) Error() string { return e.msg }

// Unwrap returns the kind and the cause, so errors.Is and errors.As see
// both.
func (e *kitError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}
