package webhooks_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

type sgVector struct {
	Name      string `json:"name"`
	Source    string `json:"source"`
	PublicKey string `json:"public_key"`
	Timestamp string `json:"timestamp"`
	Signature string `json:"signature"`
	Body      string `json:"body"`
	Valid     bool   `json:"valid"`
	Error     string `json:"error"`
	Events    []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
		Time int64  `json:"time"`
	} `json:"events"`
}

func sgLoadVectors(t *testing.T) []sgVector {
	t.Helper()
	raw, err := os.ReadFile("testdata/sendgrid/vectors.json")
	require.NoError(t, err)
	var file struct {
		Vectors []sgVector `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(raw, &file))
	require.NotEmpty(t, file.Vectors)
	return file.Vectors
}

func sgHeader(sig, ts string) http.Header {
	h := http.Header{}
	if sig != "" {
		h.Set(webhooks.SendGridSignatureHeader, sig)
	}
	if ts != "" {
		h.Set(webhooks.SendGridTimestampHeader, ts)
	}
	return h
}

func sgDelivery(body []byte, h http.Header) *webhooks.Delivery {
	return &webhooks.Delivery{Method: http.MethodPost, Header: h, Body: body}
}

func TestSendGridPublishedVectors(t *testing.T) {
	for _, vc := range sgLoadVectors(t) {
		t.Run(vc.Name, func(t *testing.T) {
			require.NotEmpty(t, vc.Source)
			v, err := webhooks.NewSendGrid(vc.PublicKey)
			require.NoError(t, err)
			d := sgDelivery([]byte(vc.Body), sgHeader(vc.Signature, vc.Timestamp))
			events, err := v.Verify(d)
			if !vc.Valid {
				require.ErrorIs(t, err, twSentinel(t, vc.Error))
				require.Nil(t, events)
				return
			}
			require.NoError(t, err)
			require.Len(t, events, len(vc.Events))
			for i, want := range vc.Events {
				require.Equal(t, "sendgrid", events[i].Provider)
				require.Equal(t, want.ID, events[i].ID)
				require.Equal(t, want.Type, events[i].Type)
				require.Equal(t, want.Time, events[i].Time.Unix())
				require.True(t, json.Valid(events[i].Data))
				require.Same(t, d, events[i].Delivery)
			}
		})
	}
}

// sgSigned returns a key pair and a signed batch of three events.
func sgSigned(t testing.TB, ts time.Time) (*ecdsa.PrivateKey, string, []byte, http.Header) {
	t.Helper()
	priv, pub, err := webhookstest.GenerateSendGridKey()
	require.NoError(t, err)
	body := []byte(`[{"email":"a@example.com","timestamp":1700000000,"event":"processed","sg_event_id":"ev-1","sg_message_id":"m1"},` + "\r\n" +
		`{"email":"a@example.com","timestamp":1700000005,"event":"delivered","sg_event_id":"ev-2","sg_message_id":"m1"},` + "\r\n" +
		`{"email":"a@example.com","timestamp":1700000100,"event":"open","sg_event_id":"ev-3","sg_message_id":"m1","useragent":"x"}]` + "\r\n")
	h, err := webhookstest.SignSendGrid(body, priv, ts)
	require.NoError(t, err)
	return priv, pub, body, h
}

func TestSendGridBatch(t *testing.T) {
	now := time.Unix(1700000200, 0)
	_, pub, body, h := sgSigned(t, now)
	v, err := webhooks.NewSendGrid(pub)
	require.NoError(t, err)
	events, err := v.Verify(sgDelivery(body, h))
	require.NoError(t, err)
	require.Len(t, events, 3)
	for i, want := range []struct {
		id, typ string
		ts      int64
	}{{"ev-1", "processed", 1700000000}, {"ev-2", "delivered", 1700000005}, {"ev-3", "open", 1700000100}} {
		require.Equal(t, want.id, events[i].ID)
		require.Equal(t, want.typ, events[i].Type)
		require.Equal(t, want.ts, events[i].Time.Unix())
		var obj map[string]any
		require.NoError(t, json.Unmarshal(events[i].Data, &obj))
		require.Equal(t, want.id, obj["sg_event_id"])
	}
}

func TestSendGridBodies(t *testing.T) {
	priv, pub, err := webhookstest.GenerateSendGridKey()
	require.NoError(t, err)
	v, err := webhooks.NewSendGrid(pub)
	require.NoError(t, err)
	ts := time.Unix(1700000000, 0)
	tests := []struct {
		name    string
		body    string
		want    error
		wantN   int
		checkID func(t *testing.T, events []webhooks.Event)
	}{
		{name: "empty batch", body: "[]\r\n", wantN: 0},
		{name: "event without sg_event_id", body: `[{"event":"bounce","timestamp":1700000000}]`, wantN: 1, checkID: func(t *testing.T, e []webhooks.Event) {
			require.Regexp(t, `^sha256:[0-9a-f]{64}$`, e[0].ID)
			require.Equal(t, "bounce", e[0].Type)
		}},
		{name: "fractional timestamp", body: `[{"event":"open","timestamp":1700000000.5,"sg_event_id":"x"}]`, wantN: 1, checkID: func(t *testing.T, e []webhooks.Event) {
			require.Equal(t, int64(1700000000), e[0].Time.Unix())
		}},
		{name: "object rather than batch", body: `{"event":"open"}`, want: webhooks.ErrMalformedBody},
		{name: "element not an object", body: `[{"event":"open","sg_event_id":"a"},"x"]`, want: webhooks.ErrMalformedBody},
		{name: "null element", body: `[null]`, want: webhooks.ErrMalformedBody},
		{name: "wrong field type", body: `[{"event":7}]`, want: webhooks.ErrMalformedBody},
		{name: "not JSON", body: `not json`, want: webhooks.ErrMalformedBody},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := webhookstest.SignSendGrid([]byte(tc.body), priv, ts)
			require.NoError(t, err)
			events, err := v.Verify(sgDelivery([]byte(tc.body), h))
			if tc.want != nil {
				require.ErrorIs(t, err, tc.want)
				return
			}
			require.NoError(t, err)
			require.Len(t, events, tc.wantN)
			if tc.checkID != nil {
				tc.checkID(t, events)
			}
		})
	}
}

func TestSendGridNegative(t *testing.T) {
	now := time.Unix(1700000200, 0)
	_, pub, body, h := sgSigned(t, now)
	_, otherPub, err := webhookstest.GenerateSendGridKey()
	require.NoError(t, err)
	sig := h.Get(webhooks.SendGridSignatureHeader)
	ts := h.Get(webhooks.SendGridTimestampHeader)
	clock := webhooks.WithClock(func() time.Time { return now })

	tests := []struct {
		name string
		key  string
		opts []webhooks.VerifierOption
		body []byte
		h    http.Header
		want error
	}{
		{"tampered body", pub, nil, append(append([]byte(nil), body[:len(body)-2]...), ' ', '\r', '\n'), h, webhooks.ErrInvalidSignature},
		{"CRLF stripped", pub, nil, body[:len(body)-2], h, webhooks.ErrInvalidSignature},
		{"wrong key", otherPub, nil, body, h, webhooks.ErrInvalidSignature},
		{"other timestamp", pub, nil, body, sgHeader(sig, strconv.FormatInt(now.Unix()+1, 10)), webhooks.ErrInvalidSignature},
		{"missing signature", pub, nil, body, sgHeader("", ts), webhooks.ErrMissingSignature},
		{"missing timestamp", pub, nil, body, sgHeader(sig, ""), webhooks.ErrMissingSignature},
		{"garbled signature", pub, nil, body, sgHeader("%%%not-base64%%%", ts), webhooks.ErrMalformedHeader},
		{"truncated signature", pub, nil, body, sgHeader(sig[:len(sig)-3], ts), webhooks.ErrMalformedHeader},
		{"truncated DER", pub, nil, body, sgHeader(sig[:len(sig)-8], ts), webhooks.ErrInvalidSignature},
		{"base64 but not DER", pub, nil, body, sgHeader(base64.StdEncoding.EncodeToString([]byte("hello world")), ts), webhooks.ErrInvalidSignature},
		{"oversized signature", pub, nil, body, sgHeader(base64.StdEncoding.EncodeToString(make([]byte, 300)), ts), webhooks.ErrMalformedHeader},
		{"timestamp not a number", pub, nil, body, sgHeader(sig, "yesterday"), webhooks.ErrMalformedHeader},
		{"negative timestamp", pub, nil, body, sgHeader(sig, "-5"), webhooks.ErrMalformedHeader},
		{"stale with tolerance", pub, []webhooks.VerifierOption{webhooks.WithTolerance(time.Minute), webhooks.WithClock(func() time.Time { return now.Add(2 * time.Minute) })}, body, h, webhooks.ErrTimestampOutOfRange},
		{"future with tolerance", pub, []webhooks.VerifierOption{webhooks.WithTolerance(time.Minute), webhooks.WithClock(func() time.Time { return now.Add(-2 * time.Minute) })}, body, h, webhooks.ErrTimestampOutOfRange},
		{"huge timestamp with tolerance", pub, []webhooks.VerifierOption{webhooks.WithTolerance(time.Minute), clock}, body, sgHeader(sig, "9223372036854775807"), webhooks.ErrTimestampOutOfRange},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := webhooks.NewSendGrid(tc.key, tc.opts...)
			require.NoError(t, err)
			events, err := v.Verify(sgDelivery(tc.body, tc.h))
			require.ErrorIs(t, err, tc.want)
			require.Nil(t, events)
		})
	}

	t.Run("no tolerance by default", func(t *testing.T) {
		v, err := webhooks.NewSendGrid(pub, webhooks.WithClock(func() time.Time { return now.Add(365 * 24 * time.Hour) }))
		require.NoError(t, err)
		_, err = v.Verify(sgDelivery(body, h))
		require.NoError(t, err)
	})
	t.Run("no tolerance, no check", func(t *testing.T) {
		v, err := webhooks.NewSendGrid(pub, webhooks.WithClock(func() time.Time { return now.Add(time.Hour) }))
		require.NoError(t, err)
		_, err = v.Verify(sgDelivery(body, h))
		require.NoError(t, err)
	})
	t.Run("zero tolerance is a construction error", func(t *testing.T) {
		_, err := webhooks.NewSendGrid(pub, webhooks.WithTolerance(0))
		require.ErrorIs(t, err, webhooks.ErrInvalidConfig)
	})
	t.Run("inside tolerance", func(t *testing.T) {
		v, err := webhooks.NewSendGrid(pub, webhooks.WithTolerance(time.Minute), webhooks.WithClock(func() time.Time { return now.Add(59 * time.Second) }))
		require.NoError(t, err)
		_, err = v.Verify(sgDelivery(body, h))
		require.NoError(t, err)
	})
}

func TestSendGridConstruction(t *testing.T) {
	_, err := webhooks.NewSendGrid("")
	require.ErrorIs(t, err, webhooks.ErrEmptySecret)
	_, err = webhooks.NewSendGrid("  \n")
	require.ErrorIs(t, err, webhooks.ErrEmptySecret)

	_, pub, err := webhookstest.GenerateSendGridKey()
	require.NoError(t, err)
	_, err = webhooks.NewSendGrid(pub, webhooks.WithSecrets(""))
	require.ErrorIs(t, err, webhooks.ErrEmptySecret)

	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	rsaDER, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	require.NoError(t, err)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	p384DER, err := x509.MarshalPKIXPublicKey(&p384.PublicKey)
	require.NoError(t, err)

	for name, bad := range map[string]string{
		"not base64":         "not a key!",
		"corrupted":          pub + "corrupting the public key",
		"base64 but not DER": base64.StdEncoding.EncodeToString([]byte("hello")),
		"RSA key":            base64.StdEncoding.EncodeToString(rsaDER),
		"P-384 key":          base64.StdEncoding.EncodeToString(p384DER),
		"bad PEM":            "-----BEGIN PUBLIC KEY-----\nxx\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := webhooks.NewSendGrid(bad)
			require.ErrorIs(t, err, webhooks.ErrInvalidPublicKey)
			_, err = webhooks.NewSendGrid(pub, webhooks.WithSecrets(bad))
			require.ErrorIs(t, err, webhooks.ErrInvalidPublicKey)
		})
	}

	t.Run("PEM", func(t *testing.T) {
		der, err := base64.StdEncoding.DecodeString(pub)
		require.NoError(t, err)
		p := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
		v, err := webhooks.NewSendGrid(p)
		require.NoError(t, err)
		require.Equal(t, "sendgrid", v.Provider())
		var _ webhooks.Verifier = v
	})
}

func TestSendGridRotation(t *testing.T) {
	now := time.Unix(1700000200, 0)
	_, oldPub, body, h := sgSigned(t, now)
	_, newPub, err := webhookstest.GenerateSendGridKey()
	require.NoError(t, err)
	v, err := webhooks.NewSendGrid(newPub)
	require.NoError(t, err)
	_, err = v.Verify(sgDelivery(body, h))
	require.ErrorIs(t, err, webhooks.ErrInvalidSignature)
	v, err = webhooks.NewSendGrid(newPub, webhooks.WithSecrets(oldPub))
	require.NoError(t, err)
	events, err := v.Verify(sgDelivery(body, h))
	require.NoError(t, err)
	require.Len(t, events, 3)
}

func FuzzSendGridVerify(f *testing.F) {
	vectors := []struct{ key, ts, sig, body string }{
		{"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==",
			"1600112502", "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=",
			`[{"email":"hello@world.com","event":"dropped","reason":"Bounced Address","sg_event_id":"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA","sg_message_id":"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0","smtp-id":"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>","timestamp":1600112492}]` + "\r\n"},
	}
	f.Add(vectors[0].ts, vectors[0].sig, vectors[0].body)
	f.Add("", "", "")
	f.Add("99999999999999999999", "MEUCIQ==", "[{}]")
	f.Add("1", "AAAA", `[{"event":1}]`)
	v, err := webhooks.NewSendGrid(vectors[0].key, webhooks.WithTolerance(time.Hour), webhooks.WithClock(func() time.Time { return time.Unix(1600112502, 0) }))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, ts, sig, body string) {
		events, err := v.Verify(sgDelivery([]byte(body), sgHeader(sig, ts)))
		if err != nil {
			if !errors.Is(err, webhooks.ErrInvalidSignature) && !errors.Is(err, webhooks.ErrMalformedHeader) &&
				!errors.Is(err, webhooks.ErrMissingSignature) && !errors.Is(err, webhooks.ErrMalformedBody) &&
				!errors.Is(err, webhooks.ErrTimestampOutOfRange) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		for _, e := range events {
			if e.ID == "" || !json.Valid(e.Data) {
				t.Fatalf("bad event %+v", e)
			}
		}
	})
}

// FuzzSendGridBatch signs arbitrary bodies and checks that the verifier
// either returns one valid event per element or reports a malformed body.
func FuzzSendGridBatch(f *testing.F) {
	f.Add([]byte(`[{"event":"open","sg_event_id":"a","timestamp":1}]` + "\r\n"))
	f.Add([]byte(`[]`))
	f.Add([]byte(`[{"timestamp":"12"}, {"timestamp":1e3}]`))
	f.Add([]byte(`[[1]]`))
	priv, pub, err := webhookstest.GenerateSendGridKey()
	if err != nil {
		f.Fatal(err)
	}
	v, err := webhooks.NewSendGrid(pub)
	if err != nil {
		f.Fatal(err)
	}
	ts := time.Unix(1700000000, 0)
	f.Fuzz(func(t *testing.T, body []byte) {
		h, err := webhookstest.SignSendGrid(body, priv, ts)
		if err != nil {
			t.Fatal(err)
		}
		events, err := v.Verify(sgDelivery(body, h))
		if err != nil {
			if !errors.Is(err, webhooks.ErrMalformedBody) {
				t.Fatalf("signed body rejected for another reason: %v", err)
			}
			return
		}
		var elems []json.RawMessage
		if err := json.Unmarshal(body, &elems); err != nil {
			t.Fatalf("accepted a body that is not an array: %v", err)
		}
		if len(events) != len(elems) {
			t.Fatalf("%d events for %d elements", len(events), len(elems))
		}
	})
}

// BenchmarkSendGrid compares verifying a three-event batch with a bare
// SHA-256 and ecdsa.VerifyASN1 over the same bytes.
func BenchmarkSendGrid(b *testing.B) {
	now := time.Unix(1700000200, 0)
	priv, pub, body, h := sgSigned(b, now)
	v, err := webhooks.NewSendGrid(pub, webhooks.WithTolerance(time.Hour), webhooks.WithClock(func() time.Time { return now }))
	require.NoError(b, err)
	d := sgDelivery(body, h)
	sig, err := base64.StdEncoding.DecodeString(h.Get(webhooks.SendGridSignatureHeader))
	require.NoError(b, err)
	ts := h.Get(webhooks.SendGridTimestampHeader)

	b.Run("verifier", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare-ecdsa-verifyasn1", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dg := sha256.New()
			dg.Write([]byte(ts))
			dg.Write(body)
			if !ecdsa.VerifyASN1(&priv.PublicKey, dg.Sum(nil), sig) {
				b.Fatal("mismatch")
			}
		}
	})
}
