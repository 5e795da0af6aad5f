package idempotency

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxKeyLen is the longest key, in bytes, that a Store accepts.
const MaxKeyLen = 255

// Errors returned by every Store. Backends wrap their own failures (a
// connection refused, a timeout) so that they match ErrUnavailable; callers
// must in any case treat an error other than ErrLeaseLost, ErrInvalidKey and
// ErrInvalidDuration as "the store could not answer", never as Acquired.
var (
	// ErrLeaseLost is returned by Complete and Release when the token no
	// longer holds the key: its lease expired and another holder took the
	// key over, or the key was completed or released already. A token
	// whose lease has run out no longer holds the key even before anyone
	// else claims it.
	ErrLeaseLost = errors.New("idempotency: lease lost")
	// ErrInvalidKey is returned for an empty key, a key longer than
	// MaxKeyLen bytes, or a key that is not valid UTF-8 or holds a NUL byte.
	ErrInvalidKey = errors.New("idempotency: invalid key")
	// ErrInvalidDuration is returned when a lease or TTL is not positive.
	ErrInvalidDuration = errors.New("idempotency: lease and ttl must be positive")
	// ErrUnavailable matches the errors of a store that could not answer:
	// it is down or timed out (every backend wraps its driver's errors so
	// they match), full (ErrStoreFull) or closed (ErrClosed). The work
	// the call was to guard must not run; a retry later may succeed.
	ErrUnavailable = errors.New("idempotency: store unavailable")
	// ErrStoreFull is returned by a store that bounds what it holds (the
	// memory store) when it cannot take a new key or record without
	// dropping a live claim. It also matches ErrUnavailable.
	ErrStoreFull error = &kindError{msg: "idempotency: store is full", also: ErrUnavailable}
	// ErrClosed is wrapped by the errors of every Store used after Close.
	// It also matches ErrUnavailable.
	ErrClosed error = &kindError{msg: "idempotency: store is closed", also: ErrUnavailable}
	// ErrInvalidConfig is wrapped by every configuration error: a bad
	// option value given to a constructor of this package or of a backend,
	// a malformed store URL, an unknown URL parameter.
	ErrInvalidConfig = errors.New("idempotency: invalid configuration")
	// ErrUnknownScheme is returned by Open for a URL scheme no backend has
	// registered. It also matches ErrInvalidConfig.
	ErrUnknownScheme error = &kindError{msg: "idempotency: unknown store URL scheme", also: ErrInvalidConfig}
)

// kindError is a sentinel error that also matches a broader sentinel under
// errors.Is.
type kindError struct {
	msg  string
	also error
}

func (e *kindError) Error() string { return e.msg }

// Is reports whether target is the broader kind this error belongs to.
func (e *kindError) Is(target error) bool { return target == e.also }

// configError is a configuration error of this package: its message
// names the option at fault, and it matches ErrInvalidConfig.
type configError struct{ msg string }

func (e *configError) Error() string { return "idempotency: " + e.msg }
func (e *configError) Unwrap() error { return ErrInvalidConfig }

func configErrorf(format string, args ...any) error {
	return &configError{msg: fmt.Sprintf(format, args...)}
}

// State is the outcome of a Claim.
type State int

const (
	// Acquired means the caller now holds the key under a lease and must
	// Complete or Release it with Claim.Token.
	Acquired State = iota + 1
	// InProgress means another holder has a live lease on the key.
	InProgress
	// Completed means the key was completed; Claim.Record holds the result.
	Completed
)

// String returns "acquired", "in_progress" or "completed".
func (s State) String() string {
	switch s {
	case Acquired:
		return "acquired"
	case InProgress:
		return "in_progress"
	case Completed:
		return "completed"
	default:
		return fmt.Sprintf("State(%d)", int(s))
	}
}

// Claim is the answer of Store.Claim.
type Claim struct {
	// State tells which of the three outcomes this is.
	State State
	// Token is the fencing token of an Acquired claim: only this token can
	// Complete or Release the key, and only while it still holds it.
	Token string
	// Record is the stored result of a Completed key; nil otherwise.
	Record *Record
	// Fingerprint is the fingerprint stored with the key when it is
	// InProgress or Completed (what the current or earlier holder gave to
	// Claim); empty for Acquired.
	Fingerprint string
}

// Record is the result kept for a completed key.
type Record struct {
	// Status is an HTTP status code, or any small integer outcome code.
	Status int
	// Header holds the response headers worth replaying.
	Header http.Header
	// Body holds the response body bytes.
	Body []byte
	// Fingerprint is the fingerprint given to Claim by the holder that
	// completed the key. Stores fill it in; a value set by the caller of
	// Complete is ignored.
	Fingerprint string
}

// Store is the contract every backend fulfils. Implementations are safe for
// concurrent use by many goroutines and, for the shared backends
// (PostgreSQL, Redis), by many processes.
type Store interface {
	// Claim atomically claims key. It returns Acquired with a new fencing
	// token when the key is free or its previous lease expired without
	// completion; InProgress when a live lease holds it; Completed with the
	// stored record when it was completed and its TTL has not run out.
	// fingerprint identifies the request (for example a hash of its body)
	// and is kept with the key. lease bounds how long the claim holds.
	Claim(ctx context.Context, key, fingerprint string, lease time.Duration) (Claim, error)
	// Complete stores rec for key and keeps it for ttl. It fails with
	// ErrLeaseLost when token no longer holds the key.
	Complete(ctx context.Context, key, token string, rec Record, ttl time.Duration) error
	// Release drops an unfinished claim so that a retry can claim the key
	// again. It fails with ErrLeaseLost when token no longer holds the key.
	Release(ctx context.Context, key, token string) error
	// Close releases the resources the store owns.
	Close() error
}

// ValidateKey reports whether key is acceptable to a Store: non-empty, at
// most MaxKeyLen bytes, valid UTF-8 and free of NUL bytes. The error wraps
// ErrInvalidKey.
func ValidateKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	case len(key) > MaxKeyLen:
		return fmt.Errorf("%w: %d bytes, at most %d allowed", ErrInvalidKey, len(key), MaxKeyLen)
	case !utf8.ValidString(key):
		return fmt.Errorf("%w: not valid UTF-8", ErrInvalidKey)
	case strings.IndexByte(key, 0) >= 0:
		return fmt.Errorf("%w: contains a NUL byte", ErrInvalidKey)
	}
	return nil
}
