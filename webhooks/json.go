package webhooks

import (
	"crypto/sha256"
	"encoding/hex"
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

// digestKey returns "sha256:" and the hex SHA-256 of b, in one
// allocation: the de-duplication key of a delivery identified by its
// signed bytes.
func digestKey(b []byte) string {
	sum := sha256.Sum256(b)
	return digestString(sum[:])
}

// digestString returns "sha256:" and sum in hex.
func digestString(sum []byte) string {
	const prefix = "sha256:"
	var buf [len(prefix) + 2*sha256.Size]byte
	copy(buf[:], prefix)
	hex.Encode(buf[len(prefix):], sum)
	return string(buf[:len(prefix)+2*len(sum)])
}
