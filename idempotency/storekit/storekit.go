package storekit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/internal/redact"
)

// NewToken returns a new random fencing token: 32 hexadecimal characters
// drawn from crypto/rand.
func NewToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it panics instead).
	return hex.EncodeToString(b[:])
}

// ValidateDuration returns an error wrapping idempotency.ErrInvalidDuration
// unless d is positive. what names the argument ("lease" or "ttl").
func ValidateDuration(what string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%w: %s is %v", idempotency.ErrInvalidDuration, what, d)
	}
	return nil
}

// CheckClaim checks the arguments of Store.Claim: a valid key and a
// positive lease.
func CheckClaim(key string, lease time.Duration) error {
	if err := idempotency.ValidateKey(key); err != nil {
		return err
	}
	return ValidateDuration("lease", lease)
}

// CheckComplete checks the arguments of Store.Complete: a valid key and a
// positive TTL.
func CheckComplete(key string, ttl time.Duration) error {
	if err := idempotency.ValidateKey(key); err != nil {
		return err
	}
	return ValidateDuration("ttl", ttl)
}

// CheckRelease checks the arguments of Store.Release: a valid key.
func CheckRelease(key string) error { return idempotency.ValidateKey(key) }

// EncodeHeader encodes a record's header for storage, as a JSON object of
// arrays of strings. A nil header encodes as an empty object.
func EncodeHeader(h http.Header) ([]byte, error) {
	if h == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(h)
}

// DecodeRecord rebuilds a stored record from its parts: status,
// fingerprint, the header as EncodeHeader wrote it (empty or JSON null for
// none) and the body. The Record's Header and Body are never nil.
func DecodeRecord(status int, fingerprint string, header, body []byte) (idempotency.Record, error) {
	rec := idempotency.Record{Status: status, Fingerprint: fingerprint, Header: http.Header{}, Body: body}
	if rec.Body == nil {
		rec.Body = []byte{}
	}
	if len(header) > 0 {
		if err := json.Unmarshal(header, &rec.Header); err != nil {
			return idempotency.Record{}, fmt.Errorf("%w: stored header does not decode: %w", idempotency.ErrUnavailable, err)
		}
		if rec.Header == nil { // "null"
			rec.Header = http.Header{}
		}
	}
	return rec, nil
}

// CopyRecord returns a deep copy of r whose Header and Body are never nil,
// for backends that keep records in memory.
func CopyRecord(r idempotency.Record) idempotency.Record {
	out := idempotency.Record{Status: r.Status, Fingerprint: r.Fingerprint, Header: http.Header{}}
	if r.Header != nil {
		out.Header = r.Header.Clone()
	}
	out.Body = append([]byte{}, r.Body...)
	return out
}

// Register makes a backend available to idempotency.Open under scheme.
// open returns the backend's own store type; Register makes sure that a
// failed open hands Open a nil Store interface, never one holding a nil
// pointer. Call it from the backend's init function. It panics, as
// idempotency.Register does, on an empty or duplicate scheme.
func Register[S idempotency.Store](scheme string, open func(ctx context.Context, u *url.URL) (S, error)) {
	if open == nil {
		panic("storekit: Register needs an open function")
	}
	idempotency.Register(scheme, func(ctx context.Context, u *url.URL) (idempotency.Store, error) {
		s, err := open(ctx, u)
		if err != nil {
			return nil, err
		}
		return s, nil
	})
}

// HideSecrets returns err with every password that conn holds (a URL's
// user password, password query parameters, password= fields of a
// keyword/value string) masked in its message, in its raw and escaped
// forms. The result still matches err's chain under errors.Is and
// errors.As.
func HideSecrets(err error, conn string) error {
	if err == nil {
		return nil
	}
	return redact.Error(err.Error(), err, redact.Secrets(conn))
}

// RedactURL renders u for a message: the password of its user
// information masked and its query reduced to parameter names.
func RedactURL(u *url.URL) string { return redact.URL(u) }
