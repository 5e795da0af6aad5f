package webhooks

import (
	"errors"
	"fmt"

	"github.com/switchboard-go/switchboard/webhooks/internal/jsonscan"
)

// readJSON reads the members f selects from a verified body into vals,
// turning the scanner's refusals into ErrMalformedBody: the body is
// genuine, but it is not the event the provider documents. what names the
// document in errors ("body", "mandrill_events").
func readJSON(provider, what string, f *jsonscan.Fields, b []byte, vals [][]byte) error {
	return jsonError(provider, what, f.Read(b, vals))
}

func jsonError(provider, what string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jsonscan.ErrSyntax):
		return fmt.Errorf("%w: %s %s is not valid JSON", ErrMalformedBody, provider, what)
	case errors.Is(err, jsonscan.ErrNotObject):
		return fmt.Errorf("%w: %s %s is not a JSON object", ErrMalformedBody, provider, what)
	case errors.Is(err, jsonscan.ErrNotArray):
		return fmt.Errorf("%w: %s %s is not a JSON array", ErrMalformedBody, provider, what)
	case errors.Is(err, jsonscan.ErrDuplicate):
		return fmt.Errorf("%w: %s %s gives a member it is read by more than once", ErrMalformedBody, provider, what)
	}
	return err
}

// jsonStringMember decodes a member that must be a string (or null, which
// reads as ""), as encoding/json stores it in a string field.
func jsonStringMember(provider, name string, raw []byte) (string, error) {
	if raw == nil {
		return "", nil
	}
	s, ok := jsonscan.String(raw)
	if !ok {
		return "", fmt.Errorf("%w: %s member %s is not a string", ErrMalformedBody, provider, name)
	}
	return s, nil
}
