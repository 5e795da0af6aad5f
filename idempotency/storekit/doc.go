// Package storekit is what an idempotency.Store backend is built from, so
// that every backend (the ones in this module and third-party ones) checks
// its arguments, issues tokens, encodes records, reads its URL options,
// reports errors and registers its URL scheme the same way.
//
// A backend's Claim starts with CheckClaim, Complete with CheckComplete
// and Release with CheckRelease, so that bad input gets the same typed
// errors everywhere (idempotency.ErrInvalidKey, ErrInvalidDuration) before
// any I/O. Claim hands out tokens from NewToken. A backend that stores a
// record as bytes encodes its header with EncodeHeader and rebuilds it with
// DecodeRecord, which gives every backend the same normalised Record (never
// a nil Header or Body).
//
// Errors: Closed for a store used after Close (it wraps
// idempotency.ErrClosed), Unavailable for a failure of the backend's
// driver (it wraps idempotency.ErrUnavailable and the driver's error),
// InvalidConfig for a bad option or URL (it wraps
// idempotency.ErrInvalidConfig), and HideSecrets for any error that may
// quote a connection string: it masks the passwords the string holds.
//
// URL openers read their query parameters through Params, which parses
// durations and integers, refuses repeated parameters and reports the
// parameters nothing read, and register with Register, which guarantees
// that a failed open returns a nil Store interface rather than a typed nil
// pointer.
package storekit
