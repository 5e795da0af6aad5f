package webhooks

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"hash"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// This file holds what the schemes that sign the URL a provider calls
// share: Twilio and Mailchimp Transactional sign the configured URL
// followed by the POST parameters sorted by name (each name followed by its
// value, no delimiter), with HMAC-SHA1 in base64.

// urlsigKey is one accepted key with a pool of keyed HMAC-SHA1 states, so
// that verifying does not rehash the key for every request.
type urlsigKey struct {
	pool sync.Pool
}

func newURLSigKey(secret string) *urlsigKey {
	key := []byte(secret)
	k := &urlsigKey{}
	k.pool.New = func() any { return hmac.New(sha1.New, key) }
	return k
}

func (k *urlsigKey) get() hash.Hash {
	h := k.pool.Get().(hash.Hash)
	h.Reset()
	return h
}

func (k *urlsigKey) put(h hash.Hash) { k.pool.Put(h) }

// matches reports whether the HMAC-SHA1 of msg equals sig, in constant
// time.
func (k *urlsigKey) matches(msg, sig []byte) bool {
	h := k.get()
	h.Write(msg)
	var sum [sha1.Size]byte
	ok := hmac.Equal(h.Sum(sum[:0]), sig)
	k.put(h)
	return ok
}

// urlsigMessage returns signedURL followed by suffix, reusing buf.
func urlsigMessage(buf []byte, signedURL string, suffix []byte) []byte {
	buf = append(buf[:0], signedURL...)
	return append(buf, suffix...)
}

// urlsigConfig checks the options of a URL-signing verifier and builds its
// keys: the public URL is required, since the signature covers it and a
// URL built from the request is the attacker's to choose.
func urlsigConfig(provider, what, secret string, opts []VerifierOption) ([]*urlsigKey, string, error) {
	c, err := newVerifierConfig(provider, optSecrets|optPublicURL, opts)
	if err != nil {
		return nil, "", err
	}
	secrets, err := checkSecrets(provider, what, secret, c.secrets)
	if err != nil {
		return nil, "", err
	}
	if c.publicURL == "" {
		return nil, "", fmt.Errorf("%w: %s signs the URL it calls: WithPublicURL must give the webhook URL as configured at %s", ErrInvalidOption, provider, provider)
	}
	keys := make([]*urlsigKey, len(secrets))
	for i, s := range secrets {
		keys[i] = newURLSigKey(s)
	}
	return keys, c.publicURL, nil
}

// urlsigDecodeSHA1 decodes a standard base64 HMAC-SHA1 signature.
func urlsigDecodeSHA1(provider, h string) ([]byte, error) {
	h = strings.TrimSpace(h)
	if len(h) != base64.StdEncoding.EncodedLen(sha1.Size) {
		return nil, fmt.Errorf("%w: %s signature is not a base64 HMAC-SHA1", ErrMalformedHeader, provider)
	}
	sig := make([]byte, sha1.Size+2)
	n, err := base64.StdEncoding.Decode(sig, []byte(h))
	if err != nil || n != sha1.Size {
		return nil, fmt.Errorf("%w: %s signature is not a base64 HMAC-SHA1", ErrMalformedHeader, provider)
	}
	return sig[:n], nil
}

// urlsigCleanURL drops the user information and the fragment of a URL
// string: the providers sign from the scheme through the end of the query.
func urlsigCleanURL(s string) string {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	start, end := urlsigAuthority(s)
	if start < 0 {
		return s
	}
	auth := s[start:end]
	if i := strings.LastIndexByte(auth, '@'); i >= 0 {
		return s[:start] + auth[i+1:] + s[end:]
	}
	return s
}

// urlsigAuthority returns the bounds of the authority ("host:port") of an
// absolute URL string, or -1 when there is none.
func urlsigAuthority(s string) (int, int) {
	i := strings.Index(s, "://")
	if i < 0 {
		return -1, -1
	}
	start := i + 3
	end := len(s)
	if j := strings.IndexAny(s[start:], "/?#"); j >= 0 {
		end = start + j
	}
	return start, end
}

// urlsigSortedParams returns the parameters in signed order: by name in
// byte order, each distinct value of a name in byte order, each as name
// followed by value.
func urlsigSortedParams(form url.Values) []byte {
	if len(form) == 0 {
		return nil
	}
	names := make([]string, 0, len(form))
	size := 0
	for k, vs := range form {
		names = append(names, k)
		for _, v := range vs {
			size += len(k) + len(v)
		}
	}
	sort.Strings(names)
	out := make([]byte, 0, size)
	for _, k := range names {
		vs := form[k]
		if len(vs) == 1 {
			out = append(out, k...)
			out = append(out, vs[0]...)
			continue
		}
		sorted := append([]string(nil), vs...)
		sort.Strings(sorted)
		for i, v := range sorted {
			if i > 0 && v == sorted[i-1] {
				continue
			}
			out = append(out, k...)
			out = append(out, v...)
		}
	}
	return out
}
