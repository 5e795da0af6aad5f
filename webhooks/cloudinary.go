package webhooks

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Cloudinary notification headers.
const (
	// CloudinarySignatureHeader carries the hex SHA-1 (or SHA-256) of the
	// body, the timestamp and the API secret, concatenated.
	CloudinarySignatureHeader = "X-Cld-Signature"
	// CloudinaryTimestampHeader carries the signing time in Unix seconds.
	CloudinaryTimestampHeader = "X-Cld-Timestamp"
)

// Default windows of the Cloudinary verifier.
const (
	// CloudinaryDefaultTolerance is how old a notification may be: two
	// hours, the valid_for default of Cloudinary's SDKs.
	CloudinaryDefaultTolerance = 2 * time.Hour
	// CloudinaryMaxFutureSkew is how far ahead of the clock a timestamp
	// may be. Cloudinary's SDKs accept any future timestamp; this verifier
	// allows clock skew only.
	CloudinaryMaxFutureSkew = 5 * time.Minute
)

// CloudinaryVerifier verifies Cloudinary webhook notifications. Build it
// with NewCloudinary or NewCloudinarySHA256.
type CloudinaryVerifier struct {
	secrets   [][]byte
	newHash   func() hash.Hash
	size      int
	now       func() time.Time
	tolerance time.Duration
	future    time.Duration
	pool      sync.Pool
}

// NewCloudinary returns a verifier for notifications of a Cloudinary
// account that signs with SHA-1 (the default of every account), keyed
// with the account's API secret ("Verifying notification signatures"):
// X-Cld-Signature is the hex SHA-1 of the raw body, the X-Cld-Timestamp
// value and the secret, concatenated. The timestamp may be up to
// CloudinaryDefaultTolerance old (WithTolerance changes it) and at most
// CloudinaryMaxFutureSkew (or the tolerance, when shorter) ahead; the
// official SDKs accept any future timestamp, which would let a captured
// notification be replayed for as long as its forger likes. Signatures
// are compared in constant time, against every secret given (WithSecrets,
// for rotation).
//
// Cloudinary sends no event ID: the ID is "sha256:" and the hex SHA-256 of
// the body (a retried notification carries the same body), the type is
// the body's notification_type, the time its timestamp when it parses.
func NewCloudinary(apiSecret string, opts ...VerifierOption) (*CloudinaryVerifier, error) {
	return newCloudinary(apiSecret, sha1.New, sha1.Size, opts)
}

// NewCloudinarySHA256 is NewCloudinary for accounts set to sign with
// SHA-256. It accepts SHA-256 signatures only: an account signing with
// SHA-256 never sends SHA-1, so accepting both would only help a forger.
func NewCloudinarySHA256(apiSecret string, opts ...VerifierOption) (*CloudinaryVerifier, error) {
	return newCloudinary(apiSecret, sha256.New, sha256.Size, opts)
}

func newCloudinary(secret string, newHash func() hash.Hash, size int, opts []VerifierOption) (*CloudinaryVerifier, error) {
	c, err := newVerifierConfig("cloudinary", optSecrets|optClock|optTolerance, opts)
	if err != nil {
		return nil, err
	}
	all, err := checkSecrets("cloudinary", "API secret", secret, c.secrets)
	if err != nil {
		return nil, err
	}
	for i, s := range all {
		if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
			return nil, fmt.Errorf("%w: cloudinary: secret %d holds white space", ErrInvalidSecret, i)
		}
	}
	tol := c.toleranceOr(CloudinaryDefaultTolerance)
	v := &CloudinaryVerifier{secrets: stringKeys(all), newHash: newHash, size: size, now: c.now, tolerance: tol, future: min(tol, CloudinaryMaxFutureSkew)}
	v.pool.New = func() any { return &cldState{h: newHash()} }
	return v, nil
}

type cldState struct {
	h   hash.Hash
	sum [sha256.Size]byte
	sig [sha256.Size]byte
}

// Provider returns "cloudinary".
func (v *CloudinaryVerifier) Provider() string { return "cloudinary" }

// parseCloudinaryHeaders reads a notification's timestamp and signature
// headers: the timestamp 1 to 12 decimal digits, the signature size bytes
// of hexadecimal. Errors wrap ErrMissingSignature or ErrMalformedHeader.
func parseCloudinaryHeaders(h map[string][]string, size int, sig []byte) (ts string, t time.Time, err error) {
	ts = headerValue(h, CloudinaryTimestampHeader)
	s := headerValue(h, CloudinarySignatureHeader)
	if s == "" {
		return "", time.Time{}, fmt.Errorf("%w: cloudinary header X-Cld-Signature is absent", ErrMissingSignature)
	}
	if ts == "" {
		return "", time.Time{}, fmt.Errorf("%w: cloudinary header X-Cld-Timestamp is absent", ErrMalformedHeader)
	}
	t, ok := parseUnix(ts)
	if !ok {
		return "", time.Time{}, fmt.Errorf("%w: cloudinary X-Cld-Timestamp is not Unix seconds", ErrMalformedHeader)
	}
	if len(s) != 2*size || len(sig) < size {
		return "", time.Time{}, fmt.Errorf("%w: cloudinary X-Cld-Signature is not %d hex digits", ErrMalformedHeader, 2*size)
	}
	if _, err := hex.Decode(sig[:size], []byte(s)); err != nil {
		return "", time.Time{}, fmt.Errorf("%w: cloudinary X-Cld-Signature is not hexadecimal", ErrMalformedHeader)
	}
	return ts, t, nil
}

// Verify checks the signature and the timestamp window and returns the
// notification as one event.
func (v *CloudinaryVerifier) Verify(d *Delivery) ([]Event, error) {
	st := v.pool.Get().(*cldState)
	defer v.pool.Put(st)
	ts, t, err := parseCloudinaryHeaders(d.Header, v.size, st.sig[:])
	if err != nil {
		return nil, err
	}
	now := v.now()
	if age := now.Sub(t); age > v.tolerance {
		return nil, fmt.Errorf("%w: cloudinary timestamp is older than %v", ErrTimestampOutOfRange, v.tolerance)
	} else if -age > v.future {
		return nil, fmt.Errorf("%w: cloudinary timestamp is more than %v in the future", ErrTimestampOutOfRange, v.future)
	}
	ok := 0
	for _, secret := range v.secrets {
		st.h.Reset()
		st.h.Write(d.Body)
		st.h.Write([]byte(ts))
		st.h.Write(secret)
		// Every secret is tried, so the time taken does not tell which
		// one matched.
		ok |= subtle.ConstantTimeCompare(st.h.Sum(st.sum[:0]), st.sig[:v.size])
	}
	if ok != 1 {
		return nil, fmt.Errorf("%w: cloudinary", ErrInvalidSignature)
	}
	typ, eventTime, err := cloudinaryTypeAndTime(d.Body)
	if err != nil {
		return nil, err
	}
	if eventTime.IsZero() {
		eventTime = t
	}
	sum := sha256.Sum256(d.Body)
	id := "sha256:" + hex.EncodeToString(sum[:])
	return []Event{{
		Provider: "cloudinary",
		ID:       id,
		DedupKey: id,
		Type:     typ,
		Time:     eventTime,
		Data:     d.Body,
		Delivery: d,
	}}, nil
}

// cloudinaryTypeAndTime reads notification_type and timestamp from a
// notification body.
func cloudinaryTypeAndTime(body []byte) (string, time.Time, error) {
	var n struct {
		Type      string `json:"notification_type"`
		Timestamp string `json:"timestamp"`
	}
	if err := json.Unmarshal(body, &n); err != nil {
		return "", time.Time{}, fmt.Errorf("%w: cloudinary body is not a JSON object", ErrMalformedBody)
	}
	if n.Type == "" {
		return "", time.Time{}, fmt.Errorf("%w: cloudinary body has no notification_type", ErrMalformedBody)
	}
	t, _ := time.Parse(time.RFC3339, n.Timestamp)
	return n.Type, t, nil
}
