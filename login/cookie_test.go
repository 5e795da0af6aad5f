package login

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func testSealer(t testing.TB) *sealer {
	key := []byte("0123456789abcdef0123456789abcdef")
	s, err := newSealer(key)
	require.NoError(t, err)
	return s
}

func sampleFlow() *flow {
	return &flow{
		Provider: "google", State: randomToken(), Nonce: randomToken(), Verifier: randomToken(),
		ReturnTo: "/orders?page=2", Expires: time.Unix(1767225600, 0),
	}
}

func TestCookieRoundTrip(t *testing.T) {
	s := testSealer(t)
	f := sampleFlow()
	v, err := s.seal("__Host-sblogin-abc", f)
	require.NoError(t, err)
	got, err := s.open("__Host-sblogin-abc", v)
	require.NoError(t, err)
	require.Equal(t, f, got)
	for _, secret := range []string{f.State, f.Nonce, f.Verifier, f.ReturnTo, f.Provider} {
		require.NotContains(t, v, secret, "the cookie must not show its content")
	}
	// Two seals of one flow differ (a fresh GCM nonce each).
	v2, err := s.seal("__Host-sblogin-abc", f)
	require.NoError(t, err)
	require.NotEqual(t, v, v2)
}

// TestCookieBoundToItsName: a sealed value opens only under the name it
// was sealed for, so one sign-in's cookie cannot stand in for another's.
func TestCookieBoundToItsName(t *testing.T) {
	s := testSealer(t)
	v, err := s.seal("sblogin-one", sampleFlow())
	require.NoError(t, err)
	_, err = s.open("sblogin-two", v)
	require.ErrorIs(t, err, errCookie)
}

func TestCookieFromAnotherKeyRefused(t *testing.T) {
	v, err := testSealer(t).seal("n", sampleFlow())
	require.NoError(t, err)
	other, err := newSealer([]byte("another key, also thirty-two bytes!"))
	require.NoError(t, err)
	_, err = other.open("n", v)
	require.ErrorIs(t, err, errCookie)
}

// TestCookieEveryBitAuthenticated flips each bit of the sealed bytes in
// turn: none opens.
func TestCookieEveryBitAuthenticated(t *testing.T) {
	s := testSealer(t)
	v, err := s.seal("n", sampleFlow())
	require.NoError(t, err)
	raw, err := base64.RawURLEncoding.DecodeString(v)
	require.NoError(t, err)
	for i := range raw {
		for bit := range 8 {
			c := bytes.Clone(raw)
			c[i] ^= 1 << bit
			_, err := s.open("n", base64.RawURLEncoding.EncodeToString(c))
			require.ErrorIs(t, err, errCookie, "byte %d bit %d", i, bit)
		}
	}
	for _, bad := range []string{"", "AAAA", v[:len(v)-1], v + "A", v + "=", strings.Repeat("A", maxCookieValue+1), "!" + v[1:]} {
		_, err := s.open("n", bad)
		require.ErrorIs(t, err, errCookie)
	}
}

func TestParseFlowStrict(t *testing.T) {
	good, err := encodeFlow(sampleFlow())
	require.NoError(t, err)
	_, err = parseFlow(good)
	require.NoError(t, err)
	for name, pt := range map[string][]byte{
		"empty":            nil,
		"short":            good[:8],
		"other version":    append([]byte{2}, good[1:]...),
		"trailing byte":    append(bytes.Clone(good), 0),
		"truncated":        good[:len(good)-1],
		"non-minimal len":  append(append(bytes.Clone(good[:9]), 0x86, 0x00), []byte("google")...),
		"expiry far ahead": append(append([]byte{1}, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), good[9:]...),
	} {
		_, err := parseFlow(pt)
		require.ErrorIs(t, err, errCookie, name)
	}
}

func TestSealRefusesOversizedField(t *testing.T) {
	f := sampleFlow()
	f.ReturnTo = "/" + strings.Repeat("a", maxFieldLen)
	_, err := testSealer(t).seal("n", f)
	require.Error(t, err)
}

func TestNewSealerKeyChecks(t *testing.T) {
	for _, k := range [][]byte{nil, make([]byte, 31), bytes.Repeat([]byte{7}, 64)} {
		_, err := newSealer(k)
		require.ErrorIs(t, err, ErrInvalidConfig)
	}
}

func TestRandomToken(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		v := randomToken()
		require.Len(t, v, 43, "43 characters: a valid PKCE verifier")
		require.False(t, seen[v])
		seen[v] = true
	}
}

func BenchmarkSealOpen(b *testing.B) {
	s := testSealer(b)
	f := sampleFlow()
	b.ReportAllocs()
	for b.Loop() {
		v, err := s.seal("__Host-sblogin-abcdefghijkl", f)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.open("__Host-sblogin-abcdefghijkl", v); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCookieEncodingCanonical: a value whose last base64 character
// differs only in its unused bits decodes to the same bytes in lenient
// decoders; the cookie decoder refuses it, so each sealed cookie has one
// spelling.
func TestCookieEncodingCanonical(t *testing.T) {
	s := testSealer(t)
	for range 20 { // sealed lengths vary with the return-to, not here; vary the nonce
		v, err := s.seal("n", sampleFlow())
		require.NoError(t, err)
		raw, err := base64.RawURLEncoding.DecodeString(v)
		require.NoError(t, err)
		if len(raw)%3 == 0 {
			continue // no unused bits
		}
		last := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", v[len(v)-1])
		alt := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last^1]
		lenient, err := base64.RawURLEncoding.DecodeString(v[:len(v)-1] + string(alt))
		require.NoError(t, err)
		require.Equal(t, raw, lenient, "the flipped bit is unused")
		_, err = s.open("n", v[:len(v)-1]+string(alt))
		require.ErrorIs(t, err, errCookie)
		return
	}
	t.Fatal("no sealed length with unused bits")
}

// BenchmarkSealOpenBaseline is AES-GCM alone on a plaintext of the same
// size, the floor for BenchmarkSealOpen.
func BenchmarkSealOpenBaseline(b *testing.B) {
	s := testSealer(b)
	pt, err := encodeFlow(sampleFlow())
	if err != nil {
		b.Fatal(err)
	}
	nonce := make([]byte, s.aead.NonceSize())
	b.ReportAllocs()
	for b.Loop() {
		ct := s.aead.Seal(nil, nonce, pt, []byte("__Host-sblogin-abcdefghijkl"))
		if _, err := s.aead.Open(nil, nonce, ct, []byte("__Host-sblogin-abcdefghijkl")); err != nil {
			b.Fatal(err)
		}
	}
}
