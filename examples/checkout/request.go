package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/switchboard-go/switchboard/payments"
)

// fieldHints say what each create-intent field must hold, for the answer
// to a value of the wrong type.
var fieldHints = map[string]string{
	"amount":   "amount must be an integer number of minor units, such as 2999 for 29.99 USD",
	"currency": `currency must be a string holding an ISO 4217 code, such as "usd"`,
	"email":    `email must be a string holding an address, such as "a@b.co"`,
}

// decodeBody reads exactly one JSON object from r into v, refusing
// unknown fields and anything after the object. On failure it returns the
// status to answer and a detail that names the field at fault in the
// request's own terms, never the Go types behind it.
func decodeBody(r io.Reader, v any) (status int, detail string) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		// One object and nothing after it: a second value, even a valid
		// one, means the client sent something other than it meant to.
		var extra json.RawMessage
		switch err := dec.Decode(&extra); {
		case errors.Is(err, io.EOF):
			return 0, ""
		case tooLarge(err):
			return http.StatusRequestEntityTooLarge, fmt.Sprintf("the body must be at most %d bytes", maxCreateIntentBody)
		default:
			return http.StatusBadRequest, "the body must hold one JSON object and nothing after it"
		}
	}
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case tooLarge(err):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("the body must be at most %d bytes", maxCreateIntentBody)
	case errors.Is(err, io.EOF):
		return http.StatusBadRequest, "the body is empty: send a JSON object with amount, currency and email"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return http.StatusBadRequest, "the body ends inside the JSON object"
	case errors.As(err, &syntaxErr):
		return http.StatusBadRequest, fmt.Sprintf("the body is not valid JSON (at byte %d)", syntaxErr.Offset)
	case errors.As(err, &typeErr):
		if hint, ok := fieldHints[typeErr.Field]; ok {
			return http.StatusBadRequest, hint
		}
		if typeErr.Field == "" {
			return http.StatusBadRequest, "the body must be a JSON object with amount, currency and email"
		}
		return http.StatusBadRequest, fmt.Sprintf("field %q has the wrong type", typeErr.Field)
	}
	// encoding/json reports an unknown field only in its message.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return http.StatusBadRequest, "unknown field " + name + ": the fields are amount, currency and email"
	}
	return http.StatusBadRequest, "the body is not a valid create-intent request"
}

func tooLarge(err error) bool {
	var e *http.MaxBytesError
	return errors.As(err, &e)
}

// maxAmount returns the largest amount p takes in one payment in currency
// c, in ISO 4217 minor units, as the provider declares it (Stripe: eight
// digits of its own units, converted per currency; the sandbox: the same,
// so that an amount tried on the sandbox behaves the same on Stripe); ok
// is false when the provider documents no maximum (Paystack).
func maxAmount(p payments.Provider, c payments.Currency) (limit payments.Money, ok bool) {
	r, isReporter := p.(payments.CapabilityReporter)
	if !isReporter {
		return payments.Money{}, false
	}
	return r.Capabilities().MaxAmount(c)
}
