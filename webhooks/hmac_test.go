package webhooks

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHMACConfigs(t *testing.T) {
	body := []byte(`{"id":"a1","kind":"thing.created"}`)
	ts := unix(testNow)
	enc := func(e Encoding, b []byte) string {
		if e == Base64 {
			return base64.StdEncoding.EncodeToString(b)
		}
		return hex.EncodeToString(b)
	}
	tests := []struct {
		name    string
		cfg     HMACConfig
		newHash func() hash.Hash
		signed  []string
		header  func(sig string) http.Header
	}{
		{
			name: "sha1 base64 body", cfg: HMACConfig{Provider: "p1", Header: "X-Sig", Hash: SHA1, Encoding: Base64},
			newHash: sha1.New, signed: []string{string(body)},
			header: func(sig string) http.Header { return http.Header{"X-Sig": {sig}} },
		},
		{
			name: "sha512 hex prefix", cfg: HMACConfig{Provider: "p2", Header: "X-Sig", Hash: SHA512, Prefix: "sha512="},
			newHash: sha512.New, signed: []string{string(body)},
			header: func(sig string) http.Header { return http.Header{"X-Sig": {"sha512=" + sig}} },
		},
		{
			name: "timestamp template", cfg: HMACConfig{Provider: "p3", Header: "X-Sig", TimestampHeader: "X-Ts", Signed: "{timestamp}.{body}"},
			newHash: sha256.New, signed: []string{ts, ".", string(body)},
			header: func(sig string) http.Header { return http.Header{"X-Sig": {sig}, "X-Ts": {ts}} },
		},
		{
			name: "header in template, several signatures", cfg: HMACConfig{Provider: "p4", Header: "X-Sig", Separator: " ", Prefix: "v1=", Signed: "{header:x-id}:{body}"},
			newHash: sha256.New, signed: []string{"id-7", ":", string(body)},
			header: func(sig string) http.Header {
				return http.Header{"X-Sig": {"v1=" + strings.Repeat("0", 64) + " v1=" + sig}, "X-Id": {"id-7"}}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.EventType = func(d *Delivery) (string, error) {
				var v struct{ Kind string }
				err := json.Unmarshal(d.Body, &v)
				return v.Kind, err
			}
			var opts []VerifierOption
			if tt.cfg.TimestampHeader != "" {
				opts = append(opts, fixedClock())
			}
			v, err := NewHMAC("k3y", tt.cfg, opts...)
			require.NoError(t, err)
			require.Equal(t, tt.cfg.Provider, v.Provider())
			sig := enc(tt.cfg.Encoding, macOf(tt.newHash, []byte("k3y"), tt.signed...))
			events, err := v.Verify(&Delivery{Header: tt.header(sig), Body: body})
			require.NoError(t, err)
			require.Equal(t, "thing.created", events[0].Type)
			require.True(t, strings.HasPrefix(events[0].ID, "sha256:"), "default id is the body hash")

			_, err = v.Verify(&Delivery{Header: tt.header(sig), Body: append(body, ' ')})
			require.ErrorIs(t, err, ErrInvalidSignature)
		})
	}
}

func TestHMACTimestampWindow(t *testing.T) {
	cfg := HMACConfig{Provider: "acme", Header: "X-Sig", TimestampHeader: "X-Ts", Signed: "{timestamp}.{body}",
		EventID: func(d *Delivery) (string, error) { return d.Header.Get("X-Id"), nil }}
	v, err := NewHMAC("k", cfg, fixedClock(), WithTolerance(time.Minute))
	require.NoError(t, err)
	for _, c := range []struct {
		off  time.Duration
		want error
	}{{0, nil}, {-59 * time.Second, nil}, {-61 * time.Second, ErrTimestampOutOfRange}, {61 * time.Second, ErrTimestampOutOfRange}} {
		at := unix(testNow.Add(c.off))
		h := http.Header{"X-Sig": {hex.EncodeToString(macOf(sha256.New, []byte("k"), at, ".", "{}"))}, "X-Ts": {at}, "X-Id": {"e1"}}
		events, err := v.Verify(&Delivery{Header: h, Body: []byte("{}")})
		if c.want != nil {
			require.ErrorIs(t, err, c.want)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, "e1", events[0].ID)
		require.Equal(t, at, unix(events[0].Time))
	}
}

func TestHMACInvalidConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  HMACConfig
	}{
		{"no provider", HMACConfig{Header: "X"}},
		{"no header", HMACConfig{Provider: "p"}},
		{"unknown hash", HMACConfig{Provider: "p", Header: "X", Hash: HashFunc(9)}},
		{"unknown encoding", HMACConfig{Provider: "p", Header: "X", Encoding: Encoding(9)}},
		{"unclosed placeholder", HMACConfig{Provider: "p", Header: "X", Signed: "{body"}},
		{"unknown placeholder", HMACConfig{Provider: "p", Header: "X", Signed: "{nope}"}},
		{"timestamp without header", HMACConfig{Provider: "p", Header: "X", Signed: "{timestamp}.{body}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewHMAC("k", tt.cfg)
			require.ErrorIs(t, err, ErrInvalidOption)
		})
	}
	_, err := NewHMAC("k", HMACConfig{Provider: "p", Header: "X", TimestampHeader: "T"}, WithTolerance(0))
	require.ErrorIs(t, err, ErrInvalidOption)
}

func TestHMACExtractionErrors(t *testing.T) {
	v, err := NewHMAC("k", HMACConfig{Provider: "p", Header: "X-Sig",
		EventID: func(*Delivery) (string, error) { return "", errors.New("no id here") }})
	require.NoError(t, err)
	h := http.Header{"X-Sig": {hex.EncodeToString(macOf(sha256.New, []byte("k"), "{}"))}}
	_, err = v.Verify(&Delivery{Header: h, Body: []byte("{}")})
	require.ErrorIs(t, err, ErrMalformedBody)

	v, err = NewHMAC("k", HMACConfig{Provider: "p", Header: "X-Sig",
		EventID: func(*Delivery) (string, error) { return "", nil }})
	require.NoError(t, err)
	_, err = v.Verify(&Delivery{Header: h, Body: []byte("{}")})
	require.ErrorIs(t, err, ErrMalformedBody)
}

func TestHashAndEncodingNames(t *testing.T) {
	require.Equal(t, "sha256", SHA256.String())
	require.Equal(t, "sha1", SHA1.String())
	require.Equal(t, "sha512", SHA512.String())
	require.Equal(t, "HashFunc(7)", HashFunc(7).String())
	require.Equal(t, "hex", Hex.String())
	require.Equal(t, "base64", Base64.String())
	require.Equal(t, "Encoding(7)", Encoding(7).String())
}
