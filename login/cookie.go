package login

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// The state cookie holds one sign-in in progress: the provider, state,
// nonce, PKCE verifier, return-to URL and expiry. It is sealed with
// AES-256-GCM under a key derived (HKDF-SHA256) from the application's key,
// with the cookie's name as additional data, so it can be neither read nor
// altered nor moved to another name by anyone without the key.
//
// Wire form: base64url(nonce[12] || GCM(plaintext)), where plaintext is
//
//	version[1] = 1 || expires unix seconds[8, big endian] ||
//	uvarint-length-prefixed provider, state, nonce, verifier, returnTo

const (
	cookieVersion   = 1
	maxFieldLen     = 2048
	maxCookieValue  = 4000 // a browser keeps about 4096 bytes per cookie
	minKeyLen       = 32
	cookieKeyInfo   = "switchboard login state cookie v1"
	cookieNameBytes = 9 // of SHA-256(state), 12 base64url characters
	maxUnix         = 1 << 40
)

// flow is the content of one state cookie.
type flow struct {
	Provider string
	State    string
	Nonce    string
	Verifier string
	ReturnTo string
	Expires  time.Time
}

var errCookie = errors.New("malformed state cookie")

// sealer seals and opens state cookies.
type sealer struct {
	aead cipher.AEAD
}

func newSealer(key []byte) (*sealer, error) {
	if len(key) < minKeyLen {
		return nil, fmt.Errorf("%w: key is %d bytes, at least %d required", ErrInvalidConfig, len(key), minKeyLen)
	}
	same := true
	for _, b := range key[1:] {
		if b != key[0] {
			same = false
			break
		}
	}
	if same {
		return nil, fmt.Errorf("%w: key is one byte repeated; use random bytes", ErrInvalidConfig)
	}
	k, err := hkdf.Key(sha256.New, key, nil, cookieKeyInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("%w: deriving the cookie key: %v", ErrInvalidConfig, err)
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}
	return &sealer{aead: aead}, nil
}

// seal encrypts f for the cookie called name.
func (s *sealer) seal(name string, f *flow) (string, error) {
	pt, err := encodeFlow(f)
	if err != nil {
		return "", err
	}
	ns := s.aead.NonceSize()
	out := make([]byte, ns, ns+len(pt)+s.aead.Overhead())
	rand.Read(out) // never fails (crypto/rand.Read crashes the program instead)
	out = s.aead.Seal(out, out, pt, []byte(name))
	v := base64.RawURLEncoding.EncodeToString(out)
	if len(v) > maxCookieValue {
		return "", fmt.Errorf("state cookie of %d bytes", len(v))
	}
	return v, nil
}

// encodeFlow writes a cookie's plaintext.
func encodeFlow(f *flow) ([]byte, error) {
	fields := [...]string{f.Provider, f.State, f.Nonce, f.Verifier, f.ReturnTo}
	n := 9
	for _, v := range fields {
		n += binary.MaxVarintLen16 + len(v)
	}
	pt := make([]byte, 0, n)
	pt = append(pt, cookieVersion)
	pt = binary.BigEndian.AppendUint64(pt, uint64(f.Expires.Unix()))
	for _, v := range fields {
		if len(v) > maxFieldLen {
			return nil, fmt.Errorf("state cookie field of %d bytes", len(v))
		}
		pt = binary.AppendUvarint(pt, uint64(len(v)))
		pt = append(pt, v...)
	}
	return pt, nil
}

// open decrypts and parses the value of the cookie called name. Any
// failure is errCookie: the caller cannot tell a tampered cookie from a
// truncated one, and need not.
func (s *sealer) open(name, value string) (*flow, error) {
	if len(value) > maxCookieValue {
		return nil, errCookie
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(value)
	if err != nil {
		return nil, errCookie
	}
	ns := s.aead.NonceSize()
	if len(raw) < ns+s.aead.Overhead() {
		return nil, errCookie
	}
	pt, err := s.aead.Open(nil, raw[:ns], raw[ns:], []byte(name))
	if err != nil {
		return nil, errCookie
	}
	return parseFlow(pt)
}

// parseFlow reads a cookie's plaintext, rejecting anything but one
// well-formed record.
func parseFlow(pt []byte) (*flow, error) {
	if len(pt) < 9 || pt[0] != cookieVersion {
		return nil, errCookie
	}
	exp := binary.BigEndian.Uint64(pt[1:9])
	if exp > maxUnix {
		return nil, errCookie
	}
	rest := pt[9:]
	var fields [5]string
	for i := range fields {
		n, k := binary.Uvarint(rest)
		// Only the shortest encoding of a length is accepted, so that a
		// plaintext has one form.
		if k <= 0 || n > maxFieldLen || n > uint64(len(rest)-k) || k != uvarintLen(n) {
			return nil, errCookie
		}
		fields[i] = string(rest[k : k+int(n)])
		rest = rest[k+int(n):]
	}
	if len(rest) != 0 {
		return nil, errCookie
	}
	return &flow{
		Provider: fields[0], State: fields[1], Nonce: fields[2], Verifier: fields[3], ReturnTo: fields[4],
		Expires: time.Unix(int64(exp), 0),
	}, nil
}

func uvarintLen(n uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], n)
}

// cookieSuffix derives the per-sign-in part of the cookie's name from the
// state, so that sign-ins started in several tabs do not overwrite one
// another and the callback finds its own cookie.
func cookieSuffix(state string) string {
	sum := sha256.Sum256([]byte(state))
	return base64.RawURLEncoding.EncodeToString(sum[:cookieNameBytes])
}

// randomToken returns 32 random bytes, base64url: 43 characters, valid as
// a state, a nonce and a PKCE code verifier (RFC 7636 section 4.1).
func randomToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
