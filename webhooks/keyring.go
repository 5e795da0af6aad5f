package webhooks

import (
	"crypto/hmac"
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

// DefaultTolerance is how far a signed timestamp may be from the clock, in
// either direction, unless WithTolerance says otherwise: five minutes, as
// Stripe's, Slack's and the Standard Webhooks libraries enforce.
const DefaultTolerance = 5 * time.Minute

// checkSecrets joins the constructor's secret with those given through
// WithSecrets and rejects any that is empty or only white space
// (ErrEmptySecret) or that starts or ends with white space
// (ErrInvalidSecret). what names the secret in errors ("secret", "Auth
// Token"); errors never hold a secret's value.
func checkSecrets(provider, what, secret string, extra []string) ([]string, error) {
	all := make([]string, 0, 1+len(extra))
	all = append(all, secret)
	all = append(all, extra...)
	for i, s := range all {
		where := what
		if i > 0 {
			where = fmt.Sprintf("%s %d given through WithSecrets", what, i)
		}
		switch t := strings.TrimSpace(s); {
		case t == "":
			return nil, fmt.Errorf("%w: %s: %s is empty or only white space", ErrEmptySecret, provider, where)
		case t != s:
			return nil, fmt.Errorf("%w: %s: %s starts or ends with white space", ErrInvalidSecret, provider, where)
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
