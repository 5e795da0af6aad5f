package webhooks

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
	"sync"
	"time"
)

// macState is a keyed HMAC with scratch space for its sum and for a decoded
// signature, so a verification needs no allocation once the pool is warm.
type macState struct {
	h   hash.Hash
	sum [sha512.Size]byte
	sig [sha512.Size + 4]byte
	buf []byte
}

// mac returns the HMAC of everything written since the last reset.
func (s *macState) mac() []byte { return s.h.Sum(s.sum[:0]) }

// writeString feeds a string to the HMAC without allocating.
func (s *macState) writeString(v string) {
	s.buf = append(s.buf[:0], v...)
	s.h.Write(s.buf)
}

// equal decodes sig with enc and compares it with mac in constant time.
func (s *macState) equal(enc Encoding, sig string, mac []byte) bool {
	var n int
	switch enc {
	case Hex:
		if len(sig) != 2*len(mac) {
			return false
		}
		s.buf = append(s.buf[:0], sig...)
		m, err := hex.Decode(s.sig[:], s.buf)
		if err != nil {
			return false
		}
		n = m
	case Base64:
		if len(sig) != base64.StdEncoding.EncodedLen(len(mac)) {
			return false
		}
		s.buf = append(s.buf[:0], sig...)
		m, err := base64.StdEncoding.Decode(s.sig[:], s.buf)
		if err != nil {
			return false
		}
		n = m
	default:
		return false
	}
	return hmac.Equal(s.sig[:n], mac)
}

// Encoding is how a signature's bytes are written in its header.
type Encoding int

// Signature encodings.
const (
	// Hex is lowercase or uppercase hexadecimal.
	Hex Encoding = iota
	// Base64 is standard base64 with padding (RFC 4648 section 4).
	Base64
)

// String returns "hex" or "base64".
func (e Encoding) String() string {
	switch e {
	case Hex:
		return "hex"
	case Base64:
		return "base64"
	}
	return fmt.Sprintf("Encoding(%d)", int(e))
}

// keyedMAC holds one secret's HMAC states. crypto/hmac keeps the keyed
// inner and outer hash states after the first Reset, so a pooled state
// restores the key's precomputed state instead of hashing the padded key on
// every delivery.
type keyedMAC struct {
	pool sync.Pool
}

func newKeyedMAC(newHash func() hash.Hash, key []byte) *keyedMAC {
	k := append([]byte(nil), key...)
	m := &keyedMAC{}
	m.pool.New = func() any {
		s := &macState{h: hmac.New(newHash, k)}
		s.h.Reset()
		return s
	}
	return m
}

func (m *keyedMAC) get() *macState {
	s := m.pool.Get().(*macState)
	s.h.Reset()
	return s
}

func (m *keyedMAC) put(s *macState) { m.pool.Put(s) }

// keyring is the set of secrets a verifier accepts (rotation).
type keyring []*keyedMAC

func newKeyring(newHash func() hash.Hash, keys [][]byte) keyring {
	kr := make(keyring, len(keys))
	for i, k := range keys {
		kr[i] = newKeyedMAC(newHash, k)
	}
	return kr
}

// secretList joins the constructor's secret with those given through
// WithSecrets and rejects an empty one.
func secretList(provider, secret string, o options) ([]string, error) {
	all := make([]string, 0, 1+len(o.secrets))
	all = append(all, secret)
	all = append(all, o.secrets...)
	for i, s := range all {
		if s == "" {
			if i == 0 {
				return nil, fmt.Errorf("%w: %s needs a secret", ErrEmptySecret, provider)
			}
			return nil, fmt.Errorf("%w: %s secret %d given through WithSecrets is empty", ErrEmptySecret, provider, i)
		}
	}
	return all, nil
}

func stringKeys(secrets []string) [][]byte {
	out := make([][]byte, len(secrets))
	for i, s := range secrets {
		out[i] = []byte(s)
	}
	return out
}

// HashFunc names a hash function for HMAC signatures.
type HashFunc int

// Hash functions a generic HMAC verifier can use.
const (
	// SHA256 is HMAC-SHA256, the most common choice.
	SHA256 HashFunc = iota
	// SHA1 is HMAC-SHA1, still used by older providers.
	SHA1
	// SHA512 is HMAC-SHA512.
	SHA512
)

// String returns "sha256", "sha1" or "sha512".
func (f HashFunc) String() string {
	switch f {
	case SHA256:
		return "sha256"
	case SHA1:
		return "sha1"
	case SHA512:
		return "sha512"
	}
	return fmt.Sprintf("HashFunc(%d)", int(f))
}

func (f HashFunc) new() (func() hash.Hash, int, error) {
	switch f {
	case SHA256:
		return sha256.New, sha256.Size, nil
	case SHA1:
		return sha1.New, sha1.Size, nil
	case SHA512:
		return sha512.New, sha512.Size, nil
	}
	return nil, 0, fmt.Errorf("%w: unknown hash function %d", ErrInvalidOption, int(f))
}

// tolerance returns the verifier's timestamp tolerance: def unless
// WithTolerance was given, which must then be positive.
func tolerance(provider string, o options, def time.Duration) (time.Duration, error) {
	if !o.toleranceSet {
		return def, nil
	}
	if o.tolerance <= 0 {
		return 0, fmt.Errorf("%w: %s tolerance must be positive, the timestamp check cannot be turned off", ErrInvalidOption, provider)
	}
	return o.tolerance, nil
}

// checkTime rejects a signed timestamp further than tol from now, in either
// direction.
func checkTime(provider string, ts, now time.Time, tol time.Duration) error {
	d := now.Sub(ts)
	if d > tol {
		return fmt.Errorf("%w: %s timestamp is older than %v", ErrTimestampOutOfRange, provider, tol)
	}
	if d < -tol {
		return fmt.Errorf("%w: %s timestamp is more than %v in the future", ErrTimestampOutOfRange, provider, tol)
	}
	return nil
}

// parseUnix parses a decimal Unix time in seconds, without allocating.
// It accepts 1 to 12 digits and nothing else.
func parseUnix(s string) (time.Time, bool) {
	if len(s) == 0 || len(s) > 12 {
		return time.Time{}, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return time.Time{}, false
		}
		n = n*10 + int64(c-'0')
	}
	return time.Unix(n, 0), true
}

// headerValue returns the first value of a header whose key is already in
// canonical form, without canonicalising it again.
// A header map built by hand may hold a key in another case; such a key is
// found by a case-insensitive scan.
func headerValue(h map[string][]string, canonicalKey string) string {
	if v, ok := h[canonicalKey]; ok {
		if len(v) > 0 {
			return v[0]
		}
		return ""
	}
	for k, v := range h {
		if len(v) > 0 && strings.EqualFold(k, canonicalKey) {
			return v[0]
		}
	}
	return ""
}
