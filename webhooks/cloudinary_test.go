package webhooks

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"hash"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type cloudinaryVector struct {
	Name      string `json:"name"`
	Algorithm string `json:"algorithm"`
	Source    string `json:"source"`
	Secret    string `json:"secret"`
	Body      string `json:"body"`
	Timestamp string `json:"timestamp"`
	Signature string `json:"signature"`
	Now       int64  `json:"now"`
	WantType  string `json:"want_type"`
}

func cloudinaryVectors(t *testing.T) []cloudinaryVector {
	t.Helper()
	raw, err := os.ReadFile("testdata/cloudinary.json")
	require.NoError(t, err)
	var vs []cloudinaryVector
	require.NoError(t, json.Unmarshal(raw, &vs))
	require.NotEmpty(t, vs)
	return vs
}

func (v cloudinaryVector) verifier(t *testing.T, opts ...VerifierOption) *CloudinaryVerifier {
	t.Helper()
	opts = append([]VerifierOption{WithClock(func() time.Time { return time.Unix(v.Now, 0) })}, opts...)
	var cv *CloudinaryVerifier
	var err error
	if v.Algorithm == "sha256" {
		cv, err = NewCloudinarySHA256(v.Secret, opts...)
	} else {
		cv, err = NewCloudinary(v.Secret, opts...)
	}
	require.NoError(t, err)
	return cv
}

func (v cloudinaryVector) delivery() *Delivery {
	h := http.Header{}
	h.Set(CloudinaryTimestampHeader, v.Timestamp)
	h.Set(CloudinarySignatureHeader, v.Signature)
	return &Delivery{Method: http.MethodPost, Header: h, Body: []byte(v.Body)}
}

func TestCloudinaryVectors(t *testing.T) {
	for _, v := range cloudinaryVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			require.NotEmpty(t, v.Source, "every vector names its source")
			events, err := v.verifier(t).Verify(v.delivery())
			require.NoError(t, err)
			require.Len(t, events, 1)
			e := events[0]
			require.Equal(t, "cloudinary", e.Provider)
			require.Equal(t, v.WantType, e.Type)
			require.True(t, strings.HasPrefix(e.ID, "sha256:"), "the ID is derived from the body")
			require.Equal(t, time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), e.Time.UTC(), "the body's timestamp")
			require.JSONEq(t, v.Body, string(e.Data))

			// Upper-case hex is the same signature.
			d := v.delivery()
			d.Header.Set(CloudinarySignatureHeader, strings.ToUpper(v.Signature))
			_, err = v.verifier(t).Verify(d)
			require.NoError(t, err)
		})
	}
}

func TestCloudinaryRejects(t *testing.T) {
	v := cloudinaryVectors(t)[0]
	v256 := cloudinaryVectors(t)[1]
	cases := []struct {
		name string
		edit func(d *Delivery)
		opts []VerifierOption
		want error
	}{
		{"no signature", func(d *Delivery) { d.Header.Del(CloudinarySignatureHeader) }, nil, ErrMissingSignature},
		{"no timestamp", func(d *Delivery) { d.Header.Del(CloudinaryTimestampHeader) }, nil, ErrMalformedHeader},
		{"timestamp not a number", func(d *Delivery) { d.Header.Set(CloudinaryTimestampHeader, "12e3") }, nil, ErrMalformedHeader},
		{"negative timestamp", func(d *Delivery) { d.Header.Set(CloudinaryTimestampHeader, "-1714564800") }, nil, ErrMalformedHeader},
		{"signature not hex", func(d *Delivery) {
			d.Header.Set(CloudinarySignatureHeader, "zz"+v.Signature[2:])
		}, nil, ErrMalformedHeader},
		{"signature short", func(d *Delivery) { d.Header.Set(CloudinarySignatureHeader, v.Signature[:39]) }, nil, ErrMalformedHeader},
		{"sha256 signature to a sha1 verifier", func(d *Delivery) {
			d.Header.Set(CloudinarySignatureHeader, v256.Signature)
		}, nil, ErrMalformedHeader},
		{"body changed", func(d *Delivery) { d.Body = append(d.Body, ' ') }, nil, ErrInvalidSignature},
		{"timestamp changed", func(d *Delivery) {
			d.Header.Set(CloudinaryTimestampHeader, strconv.FormatInt(v.Now, 10))
		}, nil, ErrInvalidSignature},
		{"wrong secret", func(d *Delivery) {}, []VerifierOption{}, nil},
		{"too old", func(d *Delivery) {}, []VerifierOption{WithClock(func() time.Time { return time.Unix(v.Now, 0).Add(3 * time.Hour) })}, ErrTimestampOutOfRange},
		{"too old for a tighter tolerance", func(d *Delivery) {}, []VerifierOption{WithTolerance(time.Minute)}, ErrTimestampOutOfRange},
		{"from the future", func(d *Delivery) {}, []VerifierOption{WithClock(func() time.Time { return time.Unix(1714564800, 0).Add(-6 * time.Minute) })}, ErrTimestampOutOfRange},
	}
	for _, tc := range cases {
		if tc.want == nil {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			d := v.delivery()
			tc.edit(d)
			_, err := v.verifier(t, tc.opts...).Verify(d)
			require.ErrorIs(t, err, tc.want)
			require.NotContains(t, err.Error(), v.Secret, "errors never hold the secret")
			require.NotContains(t, err.Error(), v.Signature, "errors never hold the signature")
		})
	}
	t.Run("wrong secret", func(t *testing.T) {
		w := v
		w.Secret = "another-secret"
		_, err := w.verifier(t).Verify(v.delivery())
		require.ErrorIs(t, err, ErrInvalidSignature)
	})
	t.Run("rotation", func(t *testing.T) {
		w := v
		w.Secret = "the-new-secret"
		_, err := w.verifier(t, WithSecrets(v.Secret)).Verify(v.delivery())
		require.NoError(t, err, "the old secret given through WithSecrets still verifies")
	})
	t.Run("future within skew", func(t *testing.T) {
		_, err := v.verifier(t, WithClock(func() time.Time { return time.Unix(1714564800, 0).Add(-4 * time.Minute) })).Verify(v.delivery())
		require.NoError(t, err, "a few minutes of clock skew pass")
	})
	t.Run("malformed body", func(t *testing.T) {
		w := v
		w.Body = `{"no_type":true}`
		d := w.delivery()
		d.Header = signCloudinaryForTest(w.Body, w.Secret, w.Timestamp)
		_, err := w.verifier(t).Verify(d)
		require.ErrorIs(t, err, ErrMalformedBody)
	})
}

func signCloudinaryForTest(body, secret, ts string) http.Header {
	v := cloudinaryVector{Secret: secret, Body: body, Timestamp: ts}
	h := http.Header{}
	h.Set(CloudinaryTimestampHeader, ts)
	st := &cldState{h: newSHA1()}
	st.h.Write([]byte(v.Body + ts + secret))
	h.Set(CloudinarySignatureHeader, hexString(st.h.Sum(nil)))
	return h
}

func TestCloudinaryConstruction(t *testing.T) {
	for name, tc := range map[string]struct {
		secret string
		opts   []VerifierOption
		want   error
	}{
		"empty":              {"", nil, ErrEmptySecret},
		"padded":             {" secret ", nil, ErrInvalidSecret},
		"inner space":        {"sec ret", nil, ErrInvalidSecret},
		"empty rotation":     {"secret", []VerifierOption{WithSecrets("")}, ErrEmptySecret},
		"zero tolerance":     {"secret", []VerifierOption{WithTolerance(0)}, ErrInvalidOption},
		"negative tolerance": {"secret", []VerifierOption{WithTolerance(-time.Second)}, ErrInvalidOption},
	} {
		_, err := NewCloudinary(tc.secret, tc.opts...)
		require.ErrorIs(t, err, tc.want, name)
		_, err = NewCloudinarySHA256(tc.secret, tc.opts...)
		require.ErrorIs(t, err, tc.want, name)
	}
}

func FuzzCloudinaryHeaders(f *testing.F) {
	f.Add("1714564800", "8ee04dd63d51cc5b9571a37f835328081dbd5d5a", []byte(`{"notification_type":"upload"}`))
	f.Add("", "", []byte(""))
	f.Add("99999999999999", "ZZ", []byte("{"))
	f.Add("0x10", strings.Repeat("a", 64), []byte(`{"notification_type":1}`))
	v, err := NewCloudinary("fuzz-secret", WithClock(func() time.Time { return time.Unix(1714564800, 0) }))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set(CloudinaryTimestampHeader, ts)
		h.Set(CloudinarySignatureHeader, sig)
		var buf [32]byte
		if _, _, err := parseCloudinaryHeaders(h, 20, buf[:]); err == nil {
			if len(sig) != 40 {
				t.Fatalf("accepted a signature of %d characters", len(sig))
			}
		}
		events, err := v.Verify(&Delivery{Header: h, Body: body})
		if err == nil && len(events) != 1 {
			t.Fatalf("verified delivery with %d events", len(events))
		}
	})
}

func newSHA1() hash.Hash { return sha1.New() }

func hexString(b []byte) string { return hex.EncodeToString(b) }
