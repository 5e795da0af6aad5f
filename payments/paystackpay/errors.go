package paystackpay

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/switchboard-go/switchboard/httpclient"
	"github.com/switchboard-go/switchboard/payments"
)

// codeDuplicateReference is Paystack's error code for an initialize call
// that reuses a reference ("Duplicate Transaction Reference").
const codeDuplicateReference = "duplicate_reference"

// apiError turns an httpclient error into a *payments.Error (or returns the
// caller's own cancellation unchanged).
//
// Paystack answers errors with {"status": false, "message": ...} plus, for
// validation failures, "type" and "code". The HTTP status decides the kind:
// 401 and 403 authentication, 404 not found, 429 rate limited, 5xx provider
// unavailable, any other 4xx invalid request. A failure without an answer
// (connection refused, timeout, open circuit breaker) is provider
// unavailable.
func apiError(ctx context.Context, err error) error {
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return err
	}
	var se *httpclient.StatusError
	if !errors.As(err, &se) {
		return &payments.Error{Kind: payments.ErrProviderUnavailable, Provider: Name,
			Message: "no answer from Paystack", Err: err}
	}
	pe := &payments.Error{Provider: Name, StatusCode: se.StatusCode, RequestID: se.RequestID, Err: err}
	var env envelope
	if json.Unmarshal(se.Body, &env) == nil {
		pe.Message = env.Message
		pe.Code = env.Code
		if pe.Code == "" {
			pe.Code = env.Type
		}
	}
	switch {
	case se.StatusCode == http.StatusUnauthorized || se.StatusCode == http.StatusForbidden:
		pe.Kind = payments.ErrAuthentication
	case se.StatusCode == http.StatusNotFound ||
		se.StatusCode == http.StatusBadRequest && isNotFoundMessage(pe.Message):
		pe.Kind = payments.ErrNotFound
	case se.StatusCode == http.StatusTooManyRequests:
		pe.Kind = payments.ErrRateLimited
	case se.StatusCode >= 500:
		pe.Kind = payments.ErrProviderUnavailable
	default:
		pe.Kind = payments.ErrInvalidRequest
	}
	return pe
}

// isNotFoundMessage recognizes the 400 answers Paystack gives for unknown
// references ("Transaction reference not found").
func isNotFoundMessage(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "not found")
}

// isDuplicateReference recognizes Paystack's answer to a reused reference:
// 400 with code "duplicate_reference" or the message "Duplicate Transaction
// Reference".
func isDuplicateReference(err error) bool {
	var pe *payments.Error
	if !errors.As(err, &pe) || pe.StatusCode != http.StatusBadRequest {
		return false
	}
	return pe.Code == codeDuplicateReference ||
		strings.Contains(strings.ToLower(pe.Message), "duplicate transaction reference")
}

// envelopeError is the error for a 2xx answer whose envelope says
// "status": false, or whose data cannot be read.
func envelopeError(statusCode int, requestID string, env *envelope, cause error) error {
	pe := &payments.Error{Kind: payments.ErrInvalidRequest, Provider: Name,
		StatusCode: statusCode, RequestID: requestID, Err: cause}
	if env != nil {
		pe.Message, pe.Code = env.Message, env.Code
	}
	if cause != nil {
		pe.Kind = payments.ErrProviderUnavailable
		pe.Message = "unreadable answer from Paystack"
	}
	return pe
}
