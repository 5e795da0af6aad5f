package webhooks_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// twVector is one entry of testdata/twilio/vectors.json.
type twVector struct {
	Name        string `json:"name"`
	Source      string `json:"source"`
	AuthToken   string `json:"auth_token"`
	URL         string `json:"url"`
	Body        string `json:"body"`
	ContentType string `json:"content_type"`
	Signature   string `json:"signature"`
	Valid       bool   `json:"valid"`
	Error       string `json:"error"`
}

func twLoadVectors(t *testing.T) []twVector {
	t.Helper()
	raw, err := os.ReadFile("testdata/twilio/vectors.json")
	require.NoError(t, err)
	var file struct {
		Vectors []twVector `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(raw, &file))
	require.NotEmpty(t, file.Vectors)
	return file.Vectors
}

// twSentinel maps the "error" field of the test vector files to the
// package's sentinel errors.
func twSentinel(t *testing.T, name string) error {
	t.Helper()
	switch name {
	case "invalid signature":
		return webhooks.ErrInvalidSignature
	case "missing signature":
		return webhooks.ErrMissingSignature
	case "malformed header":
		return webhooks.ErrMalformedHeader
	case "malformed body":
		return webhooks.ErrMalformedBody
	case "timestamp out of range":
		return webhooks.ErrTimestampOutOfRange
	}
	t.Fatalf("unknown error name %q", name)
	return nil
}

func twDelivery(t testing.TB, rawURL string, body []byte, h http.Header) *webhooks.Delivery {
	t.Helper()
	u, err := url.Parse(rawURL)
	require.NoError(t, err)
	if h == nil {
		h = http.Header{}
	}
	return &webhooks.Delivery{Method: http.MethodPost, URL: u, Header: h, Body: body, ReceivedAt: time.Unix(1700000000, 0)}
}

func twHeader(sig string) http.Header {
	h := http.Header{}
	h.Set("X-Twilio-Signature", sig)
	return h
}

func TestTwilioPublishedVectors(t *testing.T) {
	for _, vc := range twLoadVectors(t) {
		t.Run(vc.Name, func(t *testing.T) {
			require.NotEmpty(t, vc.Source)
			v, err := webhooks.NewTwilio(vc.AuthToken)
			require.NoError(t, err)
			d := twDelivery(t, vc.URL, []byte(vc.Body), twHeader(vc.Signature))
			events, err := v.Verify(d)
			if !vc.Valid {
				require.ErrorIs(t, err, twSentinel(t, vc.Error))
				require.Nil(t, events)
				return
			}
			require.NoError(t, err)
			require.Len(t, events, 1)
			require.Equal(t, "twilio", events[0].Provider)
			require.NotEmpty(t, events[0].ID)
			require.Same(t, d, events[0].Delivery)
			require.True(t, json.Valid(events[0].Data))

			// The same delivery arriving at an internal address verifies
			// against the configured public URL.
			public, _, _ := twCutBodyHash(vc.URL)
			v2, err := webhooks.NewTwilio(vc.AuthToken, webhooks.WithPublicURL(public))
			require.NoError(t, err)
			internal := "http://10.0.0.7:8080/internal"
			if _, hash, ok := twCutBodyHash(vc.URL); ok {
				internal += "?bodySHA256=" + hash
			}
			_, err = v2.Verify(twDelivery(t, internal, []byte(vc.Body), twHeader(vc.Signature)))
			require.NoError(t, err)

			// Any change to the body breaks it.
			tampered := append([]byte(vc.Body), 'x')
			_, err = v.Verify(twDelivery(t, vc.URL, tampered, twHeader(vc.Signature)))
			require.ErrorIs(t, err, webhooks.ErrInvalidSignature)
		})
	}
}

// twCutBodyHash splits the bodySHA256 parameter off the end of a vector
// URL.
func twCutBodyHash(u string) (string, string, bool) {
	for _, sep := range []string{"&bodySHA256=", "?bodySHA256="} {
		if i := strings.Index(u, sep); i >= 0 {
			return u[:i], u[i+len(sep):], true
		}
	}
	return u, "", false
}

func TestTwilioDocsExampleEvent(t *testing.T) {
	vc := twLoadVectors(t)[0]
	require.Equal(t, "docs worked example", vc.Name)
	v, err := webhooks.NewTwilio(vc.AuthToken)
	require.NoError(t, err)
	events, err := v.Verify(twDelivery(t, vc.URL, []byte(vc.Body), twHeader(vc.Signature)))
	require.NoError(t, err)
	// No CallStatus in the example: the ID is the CallSid alone.
	require.Equal(t, "CA1234567890ABCDE", events[0].ID)
	require.Empty(t, events[0].Type)
	var data map[string]string
	require.NoError(t, json.Unmarshal(events[0].Data, &data))
	require.Equal(t, map[string]string{
		"CallSid": "CA1234567890ABCDE", "Caller": "+14158675310", "Digits": "1234",
		"From": "+14158675310", "To": "+18005551212",
	}, data)
}

// twSign is an independent HMAC-SHA1 of a signed string, for tests that
// need a signature over an exact URL form.
func twSign(token, s string) string {
	m := hmac.New(sha1.New, []byte(token))
	m.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func TestTwilioNegative(t *testing.T) {
	const token = "12345"
	const pub = "https://example.com/twilio/status"
	form := url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"delivered"}, "To": {"+15558675310"}}
	goodHeader, body := webhookstest.SignTwilio(pub, form, token)
	jsonBody := []byte(`{"CallSid":"CA1","CallStatus":"completed"}`)
	jsonTarget, jsonHeader := webhookstest.SignTwilioJSON(pub, jsonBody, token)
	portSig := twSign(token, "https://example.com:8443/twilio/status"+"MessageSidSM1MessageStatusdelivered"+"To+15558675310")

	tests := []struct {
		name  string
		token string
		url   string
		body  []byte
		h     http.Header
		want  error
	}{
		{"tampered body", token, pub, []byte("MessageSid=SM1&MessageStatus=failed&To=%2B15558675310"), goodHeader, webhooks.ErrInvalidSignature},
		{"extra parameter", token, pub, append(append([]byte(nil), body...), "&X=1"...), goodHeader, webhooks.ErrInvalidSignature},
		{"wrong token", "54321", pub, body, goodHeader, webhooks.ErrInvalidSignature},
		{"other URL", token, "https://example.com/twilio/other", body, goodHeader, webhooks.ErrInvalidSignature},
		{"trailing slash", token, pub + "/", body, goodHeader, webhooks.ErrInvalidSignature},
		{"other scheme", token, "http://example.com/twilio/status", body, goodHeader, webhooks.ErrInvalidSignature},
		{"query added", token, pub + "?a=1", body, goodHeader, webhooks.ErrInvalidSignature},
		{"signed with a non-default port, received without a port", token, pub, body, twHeader(portSig), webhooks.ErrInvalidSignature},
		{"signed with a non-default port, received with another", token, "https://example.com:9443/twilio/status", body, twHeader(portSig), webhooks.ErrInvalidSignature},
		{"missing header", token, pub, body, http.Header{}, webhooks.ErrMissingSignature},
		{"garbled header", token, pub, body, twHeader("not base64 at all!!!!!!"), webhooks.ErrMalformedHeader},
		{"truncated header", token, pub, body, twHeader(goodHeader.Get("X-Twilio-Signature")[:20]), webhooks.ErrMalformedHeader},
		{"SHA-256 sized header", token, pub, body, twHeader(base64.StdEncoding.EncodeToString(make([]byte, 32))), webhooks.ErrMalformedHeader},
		{"body not form-encoded", token, pub, []byte("a=%zz"), goodHeader, webhooks.ErrMalformedBody},
		{"JSON body tampered", token, jsonTarget, []byte(`{"CallSid":"CA2","CallStatus":"completed"}`), jsonHeader, webhooks.ErrInvalidSignature},
		{"JSON body without bodySHA256", token, pub, jsonBody, jsonHeader, webhooks.ErrInvalidSignature},
		{"bodySHA256 not hex", token, pub + "?bodySHA256=zz", jsonBody, jsonHeader, webhooks.ErrMalformedHeader},
		{"bodySHA256 changed with the body", token, pub + "?bodySHA256=" + "5ccde7145dfb8f56479710896586cb9d5911809d83afbe34627818790db0aec9", []byte(`{"CallSid":"CA1234567890ABCDE","Caller":"+12349013030"}`), jsonHeader, webhooks.ErrInvalidSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := webhooks.NewTwilio(tc.token)
			require.NoError(t, err)
			events, err := v.Verify(twDelivery(t, tc.url, tc.body, tc.h))
			require.ErrorIs(t, err, tc.want)
			require.Nil(t, events)
			require.NotContains(t, err.Error(), tc.token)
		})
	}

	t.Run("good ones pass", func(t *testing.T) {
		v, err := webhooks.NewTwilio(token)
		require.NoError(t, err)
		_, err = v.Verify(twDelivery(t, pub, body, goodHeader))
		require.NoError(t, err)
		_, err = v.Verify(twDelivery(t, jsonTarget, jsonBody, jsonHeader))
		require.NoError(t, err)
		_, err = v.Verify(twDelivery(t, "https://example.com:8443/twilio/status", body, twHeader(portSig)))
		require.NoError(t, err)
	})
}

func TestTwilioPortForms(t *testing.T) {
	const token = "tok"
	params := "MessageSidSM9MessageStatussent"
	body := []byte("MessageSid=SM9&MessageStatus=sent")
	tests := []struct {
		name     string
		signedAs string
		received string
	}{
		{"https signed without port, received with :443", "https://h.example/p", "https://h.example:443/p"},
		{"https signed with :443, received without", "https://h.example:443/p", "https://h.example/p"},
		{"http signed with :80, received without", "http://h.example:80/p?x=1", "http://h.example/p?x=1"},
		{"http signed without port, received with :80", "http://h.example/p", "http://h.example:80/p"},
		{"custom port signed without it", "https://h.example/p", "https://h.example:8443/p"},
		{"IPv6 literal with port", "https://[2001:db8::1]/p", "https://[2001:db8::1]:443/p"},
		{"IPv6 literal without port", "https://[2001:db8::1]:443/p", "https://[2001:db8::1]/p"},
		{"user information dropped", "https://h.example/p", "https://user:pass@h.example/p"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := webhooks.NewTwilio(token)
			require.NoError(t, err)
			_, err = v.Verify(twDelivery(t, tc.received, body, twHeader(twSign(token, tc.signedAs+params))))
			require.NoError(t, err)
			// Through WithURL too.
			v, err = webhooks.NewTwilio(token, webhooks.WithPublicURL(tc.received))
			require.NoError(t, err)
			_, err = v.Verify(twDelivery(t, "http://127.0.0.1/x", body, twHeader(twSign(token, tc.signedAs+params))))
			require.NoError(t, err)
		})
	}
}

func TestTwilioConstruction(t *testing.T) {
	_, err := webhooks.NewTwilio("")
	require.ErrorIs(t, err, webhooks.ErrEmptySecret)
	_, err = webhooks.NewTwilio("tok", webhooks.WithSecrets("old", ""))
	require.ErrorIs(t, err, webhooks.ErrEmptySecret)
	for _, bad := range []string{"/relative/path", "ftp://example.com/x", "https://", "://bad"} {
		_, err = webhooks.NewTwilio("tok", webhooks.WithPublicURL(bad))
		require.Error(t, err, bad)
	}
	v, err := webhooks.NewTwilio("tok")
	require.NoError(t, err)
	require.Equal(t, "twilio", v.Provider())
	var _ webhooks.Verifier = v

	t.Run("no URL at all", func(t *testing.T) {
		h, body := webhookstest.SignTwilio("https://example.com/x", url.Values{"A": {"1"}}, "tok")
		_, err := v.Verify(&webhooks.Delivery{Method: http.MethodPost, Header: h, Body: body})
		require.ErrorIs(t, err, webhooks.ErrInvalidSignature)
		_, err = v.Verify(&webhooks.Delivery{Method: http.MethodPost, URL: &url.URL{Path: "/x"}, Header: h, Body: body})
		require.ErrorIs(t, err, webhooks.ErrInvalidSignature)
		_, err = v.Verify(nil)
		require.Error(t, err)
	})
}

func TestTwilioRotation(t *testing.T) {
	const pub = "https://example.com/sms"
	h, body := webhookstest.SignTwilio(pub, url.Values{"MessageSid": {"SM2"}, "SmsStatus": {"received"}}, "old-token")
	v, err := webhooks.NewTwilio("new-token")
	require.NoError(t, err)
	_, err = v.Verify(twDelivery(t, pub, body, h))
	require.ErrorIs(t, err, webhooks.ErrInvalidSignature)

	v, err = webhooks.NewTwilio("new-token", webhooks.WithSecrets("old-token"))
	require.NoError(t, err)
	events, err := v.Verify(twDelivery(t, pub, body, h))
	require.NoError(t, err)
	require.Equal(t, "SM2:received", events[0].ID)
	require.Equal(t, "received", events[0].Type)
}

func TestTwilioEvents(t *testing.T) {
	const pub = "https://example.com/twilio?tenant=7"
	const token = "tok"
	ts := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	tests := []struct {
		name     string
		form     url.Values
		wantID   string
		wantType string
		wantTime time.Time
	}{
		{"message status", url.Values{"MessageSid": {"SM1"}, "SmsSid": {"SM1"}, "MessageStatus": {"delivered"}, "SmsStatus": {"delivered"}}, "SM1:delivered", "delivered", time.Time{}},
		{"inbound message", url.Values{"MessageSid": {"SM2"}, "SmsSid": {"SM2"}, "SmsStatus": {"received"}, "Body": {"hi"}}, "SM2:received", "received", time.Time{}},
		{"legacy SMS", url.Values{"SmsSid": {"SM3"}, "SmsStatus": {"sent"}}, "SM3:sent", "sent", time.Time{}},
		{"call status", url.Values{"CallSid": {"CA1"}, "CallStatus": {"completed"}, "Timestamp": {ts.Format(time.RFC1123Z)}}, "CA1:completed", "completed", ts},
		{"recording", url.Values{"CallSid": {"CA1"}, "RecordingSid": {"RE1"}, "RecordingStatus": {"completed"}}, "RE1:completed", "completed", time.Time{}},
		{"sid only", url.Values{"CallSid": {"CA5"}}, "CA5", "", time.Time{}},
	}
	v, err := webhooks.NewTwilio(token)
	require.NoError(t, err)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, body := webhookstest.SignTwilio(pub, tc.form, token)
			events, err := v.Verify(twDelivery(t, pub, body, h))
			require.NoError(t, err)
			require.Len(t, events, 1)
			require.Equal(t, tc.wantID, events[0].ID)
			require.Equal(t, tc.wantType, events[0].Type)
			require.True(t, tc.wantTime.Equal(events[0].Time), "time %v", events[0].Time)
		})
	}

	t.Run("no identifying parameter", func(t *testing.T) {
		h, body := webhookstest.SignTwilio(pub, url.Values{"Foo": {"bar"}}, token)
		events, err := v.Verify(twDelivery(t, pub, body, h))
		require.NoError(t, err)
		require.Regexp(t, `^sha256:[0-9a-f]{64}$`, events[0].ID)
	})

	t.Run("repeated parameter becomes an array", func(t *testing.T) {
		form := url.Values{"MessageSid": {"SM4"}, "MediaUrl": {"b", "a", "a"}}
		h, body := webhookstest.SignTwilio(pub, form, token)
		events, err := v.Verify(twDelivery(t, pub, body, h))
		require.NoError(t, err)
		require.JSONEq(t, `{"MessageSid":"SM4","MediaUrl":["b","a","a"]}`, string(events[0].Data))
	})

	t.Run("JSON body", func(t *testing.T) {
		body := []byte(`{"MessageSid":"SM8","MessageStatus":"read","Nested":{"x":1}}`)
		target, h := webhookstest.SignTwilioJSON(pub, body, token)
		events, err := v.Verify(twDelivery(t, target, body, h))
		require.NoError(t, err)
		require.Equal(t, "SM8:read", events[0].ID)
		require.Equal(t, "read", events[0].Type)
		require.JSONEq(t, string(body), string(events[0].Data))

		arr := []byte(`[1,2,3]`)
		target, h = webhookstest.SignTwilioJSON(pub, arr, token)
		events, err = v.Verify(twDelivery(t, target, arr, h))
		require.NoError(t, err)
		require.Regexp(t, `^sha256:`, events[0].ID)

		bad := []byte(`{"x":`)
		target, h = webhookstest.SignTwilioJSON(pub, bad, token)
		_, err = v.Verify(twDelivery(t, target, bad, h))
		require.ErrorIs(t, err, webhooks.ErrMalformedBody)
	})
}

func FuzzTwilioVerify(f *testing.F) {
	for _, s := range []struct{ u, body, sig string }{
		{"https://mycompany.com/myapp.php?foo=1&bar=2", "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212", "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
		{"https://mycompany.com/myapp.php?bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620", `{"property": "value", "boolean": true}`, "y77kIzt2vzLz71DgmJGsen2scGs="},
		{"http://[::1]:80/p?bodySHA256=zz", "a=%zz", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="},
		{"https://u:p@h:1/", "a=1&a=2&b", "!!"},
	} {
		f.Add(s.u, s.body, s.sig)
	}
	v, err := webhooks.NewTwilio("12345")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, rawURL, body, sig string) {
		u, err := url.Parse(rawURL)
		if err != nil {
			return
		}
		h := http.Header{}
		h.Set("X-Twilio-Signature", sig)
		events, err := v.Verify(&webhooks.Delivery{Method: http.MethodPost, URL: u, Header: h, Body: []byte(body)})
		if err != nil {
			if !errors.Is(err, webhooks.ErrInvalidSignature) && !errors.Is(err, webhooks.ErrMalformedHeader) &&
				!errors.Is(err, webhooks.ErrMissingSignature) && !errors.Is(err, webhooks.ErrMalformedBody) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		if len(events) != 1 || events[0].ID == "" || !json.Valid(events[0].Data) {
			t.Fatalf("bad events %+v", events)
		}
	})
}

// FuzzTwilioFormRoundTrip signs arbitrary parameters at an arbitrary path
// and checks the verifier accepts them and returns them as data.
func FuzzTwilioFormRoundTrip(f *testing.F) {
	f.Add("/sms", "Body", "hello world & more", "MessageSid", "SM1")
	f.Add("/a%20b", "", "=", "x", "\x00\xff")
	f.Add("/", "Body", "ünïcødé +%20", "Body", "second")
	v, err := webhooks.NewTwilio("tok")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, path, k1, v1, k2, v2 string) {
		u := &url.URL{Scheme: "https", Host: "example.com", Path: path}
		pub := u.String()
		form := url.Values{}
		form.Add(k1, v1)
		form.Add(k2, v2)
		h, body := webhookstest.SignTwilio(pub, form, "tok")
		d := &webhooks.Delivery{Method: http.MethodPost, URL: u, Header: h, Body: body}
		events, err := v.Verify(d)
		if err != nil {
			t.Fatalf("round trip failed for %q: %v", pub, err)
		}
		if len(events) != 1 {
			t.Fatalf("want one event, got %d", len(events))
		}
		var data map[string]any
		if err := json.Unmarshal(events[0].Data, &data); err != nil {
			t.Fatalf("data is not a JSON object: %v: %s", err, events[0].Data)
		}
		for _, s := range []string{k1, v1, k2, v2} {
			if !utf8.ValidString(s) {
				return
			}
		}
		for k, vs := range form {
			want := any(vs[0])
			if len(vs) > 1 {
				want = []any{vs[0], vs[1]}
			}
			got := data[k]
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("data[%q] = %#v, want %#v", k, got, want)
			}
		}
	})
}

// BenchmarkTwilio compares verifying a Messaging status callback with a
// bare HMAC-SHA1 over the same signed bytes (URL and sorted parameters).
func BenchmarkTwilio(b *testing.B) {
	const pub = "https://example.com/twilio/status?tenant=42"
	const token = "0123456789abcdef0123456789abcdef"
	form := url.Values{
		"AccountSid": {"AC0123456789abcdef0123456789abcdef"}, "ApiVersion": {"2010-04-01"},
		"MessageSid": {"SM0123456789abcdef0123456789abcdef"}, "SmsSid": {"SM0123456789abcdef0123456789abcdef"},
		"MessageStatus": {"delivered"}, "SmsStatus": {"delivered"}, "From": {"+15017122661"}, "To": {"+15558675310"},
		"MessagingServiceSid": {"MG0123456789abcdef0123456789abcdef"}, "RawDlrDoneDate": {"2603040506"},
	}
	h, body := webhookstest.SignTwilio(pub, form, token)
	u, _ := url.Parse(pub)
	d := &webhooks.Delivery{Method: http.MethodPost, URL: u, Header: h, Body: body}
	v, err := webhooks.NewTwilio(token)
	require.NoError(b, err)
	signed := []byte(pub + mdSorted(form))
	sig, err := base64.StdEncoding.DecodeString(h.Get("X-Twilio-Signature"))
	require.NoError(b, err)

	b.Run("verifier", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(signed)))
		for b.Loop() {
			if _, err := v.Verify(d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare-hmac-sha1", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(signed)))
		for b.Loop() {
			m := hmac.New(sha1.New, []byte(token))
			m.Write(signed)
			if !hmac.Equal(m.Sum(nil), sig) {
				b.Fatal("mismatch")
			}
		}
	})
}

func TestTwilioFragmentNotSigned(t *testing.T) {
	const token = "tok"
	// Connection overrides go in the fragment of the configured URL.
	const configured = "https://example.com/sms?x=1#rc=3&rp=all&ct=2000"
	h, body := webhookstest.SignTwilio(configured, url.Values{"MessageSid": {"SM7"}, "SmsStatus": {"received"}}, token)
	require.Equal(t, twSign(token, "https://example.com/sms?x=1MessageSidSM7SmsStatusreceived"), h.Get("X-Twilio-Signature"))
	v, err := webhooks.NewTwilio(token, webhooks.WithPublicURL(configured))
	require.NoError(t, err)
	_, err = v.Verify(twDelivery(t, "https://example.com/sms?x=1", body, h))
	require.NoError(t, err)

	jsonBody := []byte(`{"MessageSid":"SM8"}`)
	target, h := webhookstest.SignTwilioJSON(configured, jsonBody, token)
	require.NotContains(t, target, "#")
	_, err = v.Verify(twDelivery(t, target, jsonBody, h))
	require.NoError(t, err)
}

// The JSON example of Twilio's security page: its bodySHA256 is the hex
// SHA-256 of its body. (Its signature uses an Auth Token the page does not
// give, so only the hash is checked.)
func TestTwilioDocsBodyHash(t *testing.T) {
	body := []byte(`{"CallSid":"CA1234567890ABCDE","Caller":"+12349013030"}`)
	target, _ := webhookstest.SignTwilioJSON("https://example.com/myapp", body, "any")
	require.Equal(t, "https://example.com/myapp?bodySHA256=5ccde7145dfb8f56479710896586cb9d5911809d83afbe34627818790db0aec9", target)
}
