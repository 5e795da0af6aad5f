package payments

import (
	"errors"
	"fmt"
)

// Sentinel errors. Provider errors unwrap to one of them, so callers test
// with errors.Is and read details with errors.As and *Error.
var (
	ErrCardDeclined        = errors.New("payments: card declined")
	ErrInvalidRequest      = errors.New("payments: invalid request")
	ErrAuthentication      = errors.New("payments: authentication failed")
	ErrRateLimited         = errors.New("payments: rate limited")
	ErrProviderUnavailable = errors.New("payments: provider unavailable")
	ErrIdempotencyConflict = errors.New("payments: idempotency key reused with different parameters")
	ErrUnsupportedCurrency = errors.New("payments: unsupported currency")
	ErrInvalidAmount       = errors.New("payments: invalid amount")
	ErrNotFound            = errors.New("payments: not found")
	ErrNotSupported        = errors.New("payments: not supported by this provider")

	// ErrInvalidConfig is wrapped by every error a provider's constructor
	// returns: a missing or malformed secret key, a bad URL, an option
	// value out of range. The error names the provider and the argument or
	// option at fault, never a secret's value.
	ErrInvalidConfig = errors.New("payments: invalid configuration")
)

// ConfigError returns the error a provider's constructor gives for a
// configuration problem: an *Error of kind ErrInvalidConfig whose message
// names what is at fault (an argument such as "secret key" or an option
// such as "WithBaseURL") and the problem. problem must never hold a
// secret; provider packages use it so that every provider reports
// configuration errors alike.
func ConfigError(provider, what, problem string) error {
	return &Error{Kind: ErrInvalidConfig, Provider: provider, Message: what + ": " + problem}
}

// Error is a failure reported by a provider, or found before any call to
// it (invalid input, a configuration error). Kind is one of the sentinel
// errors above, so errors.Is(err, payments.ErrCardDeclined) works.
type Error struct {
	// Kind is the sentinel this error is an instance of.
	Kind error
	// Provider names the provider.
	Provider string
	// StatusCode is the HTTP status of the provider's answer, when there
	// was one.
	StatusCode int
	// Code is the provider's error code ("card_declined").
	Code string
	// DeclineCode is the card issuer's decline code, when given.
	DeclineCode string
	// Message is the provider's message.
	Message string
	// RequestID is the provider's request id, for support tickets.
	RequestID string
	// Err is the underlying error, if any.
	Err error
}

// Error returns a one-line description without secrets.
func (e *Error) Error() string {
	msg := fmt.Sprint(e.Kind)
	if e.Kind == nil {
		msg = "payments: error"
	}
	if e.Provider != "" {
		msg = e.Provider + ": " + msg
	}
	if e.Code != "" {
		msg += " (" + e.Code + ")"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.RequestID != "" {
		msg += " [request " + e.RequestID + "]"
	}
	return msg
}

// Unwrap returns the sentinel kind and the underlying error.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// KindOf returns the sentinel an error is an instance of (ErrCardDeclined,
// ErrRateLimited, ...), or nil when err is not a payments error.
func KindOf(err error) error {
	for _, k := range kinds {
		if errors.Is(err, k) {
			return k
		}
	}
	return nil
}

var kinds = []error{
	ErrCardDeclined, ErrInvalidRequest, ErrAuthentication, ErrRateLimited,
	ErrProviderUnavailable, ErrIdempotencyConflict, ErrUnsupportedCurrency,
	ErrInvalidAmount, ErrNotFound, ErrNotSupported, ErrInvalidConfig,
}

// IsRetryable reports whether retrying the same call later, with the same
// idempotency key, may succeed: rate limits and provider outages.
func IsRetryable(err error) bool {
	return errors.Is(err, ErrRateLimited) || errors.Is(err, ErrProviderUnavailable)
}
