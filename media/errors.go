package media

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package and its backends wrap
// one of them, so callers branch with errors.Is.
var (
	// ErrInvalidConfig means a constructor was given a missing or
	// malformed value; the error names the backend and the argument or
	// option at fault, never a secret's value.
	ErrInvalidConfig = errors.New("media: invalid configuration")
	// ErrInvalidName means a folder, name or asset ID is empty where one is
	// required, too long, holds a character outside the allowed set, or
	// could escape its folder ("..", an absolute path, a backslash, NUL,
	// a percent-encoded sequence).
	ErrInvalidName = errors.New("media: invalid name")
	// ErrInvalidParams means an upload, URL or direct-upload parameter is
	// out of range (a negative limit, an unknown crop mode, an expiry
	// beyond what the backend allows, bad metadata).
	ErrInvalidParams = errors.New("media: invalid parameters")
	// ErrEmpty means the upload had no bytes.
	ErrEmpty = errors.New("media: empty upload")
	// ErrTooLarge means the upload exceeded its size limit. Reading
	// stopped at the limit plus one byte and nothing was stored.
	ErrTooLarge = errors.New("media: upload too large")
	// ErrTypeNotAllowed means the type sniffed from the bytes is not in
	// the allowed list, whatever the file name or declared type said.
	ErrTypeNotAllowed = errors.New("media: content type not allowed")
	// ErrInvalidContent means the bytes claim a format they do not hold
	// (an image whose header does not decode).
	ErrInvalidContent = errors.New("media: invalid content")
	// ErrExists means an asset of that name exists and the upload did not
	// ask to overwrite it.
	ErrExists = errors.New("media: asset exists")
	// ErrNotFound means the asset does not exist. Delete never returns it.
	ErrNotFound = errors.New("media: asset not found")
	// ErrUnsupported means the backend cannot do what was asked
	// (transformations on a bucket, presigned uploads on a driver without
	// them). It is returned instead of silently ignoring the request.
	ErrUnsupported = errors.New("media: not supported by this backend")
	// ErrTemporary means the backend failed in a way worth retrying:
	// 429, 5xx, a timeout, a connection error.
	ErrTemporary = errors.New("media: temporary failure")
	// ErrPermanent means the backend refused the request for a reason a
	// retry will not fix (authentication, a rejected parameter).
	ErrPermanent = errors.New("media: backend refused the request")
	// ErrInvalidSignature means a signed URL or a signed upload policy did
	// not verify, or has expired.
	ErrInvalidSignature = errors.New("media: invalid or expired signature")
)

// Error is a failure reported by a backend. It wraps Kind (ErrTemporary,
// ErrPermanent, ErrNotFound, ...) and the underlying error, so both
// errors.Is(err, media.ErrTemporary) and errors.As(err, &httpErr) work.
type Error struct {
	// Kind is the sentinel the error matches.
	Kind error
	// Provider is the backend's Name.
	Provider string
	// Op is the operation: "upload", "delete", "url" or "sign".
	Op string
	// StatusCode is the HTTP status of the backend's answer, or zero.
	StatusCode int
	// RequestID is the backend's request identifier, when it sent one.
	RequestID string
	// Message is the backend's own explanation, cut to a safe length. It
	// never holds a secret.
	Message string
	// Err is the underlying error, or nil.
	Err error
}

// Error describes the failure without secrets.
func (e *Error) Error() string {
	msg := fmt.Sprintf("%s %s", e.Provider, e.Op)
	if e.StatusCode != 0 {
		msg += fmt.Sprintf(": status %d", e.StatusCode)
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.RequestID != "" {
		msg += " (request " + e.RequestID + ")"
	}
	if e.Err != nil && e.Message == "" {
		msg += ": " + e.Err.Error()
	}
	if e.Kind != nil {
		return e.Kind.Error() + ": " + msg
	}
	return "media: " + msg
}

// Unwrap returns Kind and Err.
func (e *Error) Unwrap() []error {
	var out []error
	if e.Kind != nil {
		out = append(out, e.Kind)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// ConfigError returns an error wrapping ErrInvalidConfig that names the
// provider and the argument or option at fault. Backends use it so that
// every configuration error reads the same way.
func ConfigError(provider, what, problem string) error {
	return fmt.Errorf("%w: %s: %s %s", ErrInvalidConfig, provider, what, problem)
}
