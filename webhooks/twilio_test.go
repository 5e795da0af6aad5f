package webhooks_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
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
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	return h
}

// twCutBodyHash splits the bodySHA256 parameter off the end of a vector
// URL: what remains is the URL configured at Twilio.
func twCutBodyHash(u string) (string, string, bool) {
	for _, sep := range []string{"&bodySHA256=", "?bodySHA256="} {
		if i := strings.Index(u, sep); i >= 0 {
			return u[:i], u[i+len(sep):], true
		}
	}
	return u, "", false
}

// twSign is an independent HMAC-SHA1 of a signed string, for tests that
// need a signature over an exact URL form.
func twSign(token, s string) string {
	m := hmac.New(sha1.New, []byte(token))
	m.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func twNew(t testing.TB, token, public string, opts ...webhooks.VerifierOption) *webhooks.TwilioVerifier {
	t.Helper()
	v, err := webhooks.NewTwilio(token, append(opts, webhooks.WithPublicURL(public))...)
	require.NoError(t, err)
	return v
}

func TestTwilioPublishedVectors(t *testing.T) {
	for _, vc := range twLoadVectors(t) {
		t.Run(vc.Name, func(t *testing.T) {
			require.NotEmpty(t, vc.Source)
			public, _, _ := twCutBodyHash(vc.URL)
			v := twNew(t, vc.AuthToken, public)
			h := twHeader(vc.Signature)
			if vc.ContentType != "" {
				h.Set("Content-Type", vc.ContentType)
			}
			// The request reached an internal address: only the configured
			// URL counts.
			d := twDelivery(t, "http://10.0.0.7:8080/internal", []byte(vc.Body), h)
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
			require.Regexp(t, `^sha256:[0-9a-f]{64}$`, events[0].DedupKey)
			require.Same(t, d, events[0].Delivery)
			require.True(t, json.Valid(events[0].Data))

			// Any change to the body breaks it.
			tampered := append([]byte(vc.Body), 'x')
			_, err = v.Verify(twDelivery(t, vc.URL, tampered, h))
			require.ErrorIs(t, err, webhooks.ErrInvalidSignature)
		})
	}
}

func TestTwilioDocsExampleEvent(t *testing.T) {
	vc := twLoadVectors(t)[0]
	require.Equal(t, "docs worked example", vc.Name)
	v := twNew(t, vc.AuthToken, vc.URL)
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

func TestTwilioNegative(t *testing.T) {
	const token = "12345"
	const pub = "https://example.com/twilio/status"
	form := url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"delivered"}, "To": {"+15558675310"}}
	goodHeader, body := webhookstest.SignTwilio(pub, form, token)
	jsonBody := []byte(`{"CallSid":"CA1","CallStatus":"completed"}`)
	jsonTarget, jsonHeader := webhookstest.SignTwilioJSON(pub, jsonBody, token)
	asForm := goodHeader.Clone()
	formWithJSONSig := jsonHeader.Clone()
	formWithJSONSig.Set("Content-Type", "application/x-www-form-urlencoded")
	noType := goodHeader.Clone()
	noType.Del("Content-Type")

	tests := []struct {
		name  string
		token string
		pub   string
		body  []byte
		h     http.Header
		want  error
	}{
		{"tampered body", token, pub, []byte("MessageSid=SM1&MessageStatus=failed&To=%2B15558675310"), goodHeader, webhooks.ErrInvalidSignature},
		{"extra parameter", token, pub, append(append([]byte(nil), body...), "&X=1"...), goodHeader, webhooks.ErrInvalidSignature},
		{"wrong token", "54321", pub, body, goodHeader, webhooks.ErrInvalidSignature},
		{"other configured URL", token, "https://example.com/twilio/other", body, goodHeader, webhooks.ErrInvalidSignature},
		{"trailing slash", token, pub + "/", body, goodHeader, webhooks.ErrInvalidSignature},
		{"other scheme", token, "http://example.com/twilio/status", body, goodHeader, webhooks.ErrInvalidSignature},
		{"query added", token, pub + "?a=1", body, goodHeader, webhooks.ErrInvalidSignature},
		{"missing header", token, pub, body, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, webhooks.ErrMissingSignature},
		{"garbled header", token, pub, body, twHeader("not base64 at all!!!!!!"), webhooks.ErrMalformedHeader},
		{"truncated header", token, pub, body, twHeader(goodHeader.Get("X-Twilio-Signature")[:20]), webhooks.ErrMalformedHeader},
		{"SHA-256 sized header", token, pub, body, twHeader(base64.StdEncoding.EncodeToString(make([]byte, 32))), webhooks.ErrMalformedHeader},
		{"body not form-encoded", token, pub, []byte("a=%zz"), asForm, webhooks.ErrMalformedBody},
		{"no Content-Type", token, pub, body, noType, webhooks.ErrMalformedHeader},
		{"JSON body tampered", token, pub, []byte(`{"CallSid":"CA2","CallStatus":"completed"}`), jsonHeader, webhooks.ErrInvalidSignature},
		{"JSON signature on a form body", token, pub, body, formWithJSONSig, webhooks.ErrInvalidSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := twNew(t, tc.token, tc.pub)
			events, err := v.Verify(twDelivery(t, pub, tc.body, tc.h))
			require.ErrorIs(t, err, tc.want)
			require.Nil(t, events)
			require.NotContains(t, err.Error(), tc.token)
		})
	}

	t.Run("good ones pass", func(t *testing.T) {
		v := twNew(t, token, pub)
		_, err := v.Verify(twDelivery(t, pub, body, goodHeader))
		require.NoError(t, err)
		// The request's query is not read: bodySHA256 is computed from
		// the body.
		_, err = v.Verify(twDelivery(t, jsonTarget, jsonBody, jsonHeader))
		require.NoError(t, err)
		_, err = v.Verify(twDelivery(t, pub+"?bodySHA256=zz", jsonBody, jsonHeader))
		require.NoError(t, err)
	})
}

// A signature Twilio made over one request's parameters never verifies a
// request with another body: the form-to-JSON reuse, where the attacker
// texts the number a message whose body spells a bodySHA256 query, moves
// the signed form fields into the URL and sends a JSON body of their own.
func TestTwilioFormSignatureNeverVerifiesAnotherBody(t *testing.T) {
	const token = "auth-token"
	const pub = "https://example.com/sms?tenant=1"
	evil := []byte(`{"MessageSid":"SMevil","MessageStatus":"delivered","Body":"refund me"}`)
	evilHash := sha256.Sum256(evil)
	form := url.Values{
		"AccountSid": {"AC1"}, "From": {"+15550001"}, "MessageSid": {"SM1"}, "SmsStatus": {"received"},
		"Body": {"x&bodySHA256=" + hex.EncodeToString(evilHash[:]) + "&z="},
	}
	h, _ := webhookstest.SignTwilio(pub, form, token)
	v := twNew(t, token, pub)

	// Move the signed parameters into the URL, send the attacker's JSON.
	var concat strings.Builder
	for _, k := range []string{"AccountSid", "Body", "From", "MessageSid", "SmsStatus"} {
		concat.WriteString(k + form.Get(k))
	}
	forged := h.Clone()
	forged.Set("Content-Type", "application/json")
	_, err := v.Verify(twDelivery(t, pub+concat.String(), evil, forged))
	require.ErrorIs(t, err, webhooks.ErrInvalidSignature)

	// The reverse: a JSON delivery's signature reused on a form whose one
	// parameter spells the bodySHA256 query.
	jsonURL, jh := webhookstest.SignTwilioJSON(pub, evil, token)
	_, query, _ := strings.Cut(jsonURL, "&bodySHA256=")
	spoof := url.Values{"&bodySHA256=": {query}}.Encode()
	jh.Set("Content-Type", "application/x-www-form-urlencoded")
	_, err = v.Verify(twDelivery(t, pub, []byte(spoof), jh))
	require.ErrorIs(t, err, webhooks.ErrMalformedBody)
	spoof = "=" + url.QueryEscape("&bodySHA256="+query)
	_, err = v.Verify(twDelivery(t, pub, []byte(spoof), jh))
	require.ErrorIs(t, err, webhooks.ErrMalformedBody)
}

// Twilio's signed string has no delimiters, so the same signature covers
// the same parameters split differently between names and values; every
// such spelling has one de-duplication key, so none runs twice.
func TestTwilioResplitParametersShareOneDedupKey(t *testing.T) {
	const token = "tok"
	const pub = "https://example.com/status"
	form := url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"delivered"}}
	h, body := webhookstest.SignTwilio(pub, form, token)
	v := twNew(t, token, pub)
	genuine, err := v.Verify(twDelivery(t, pub, body, h))
	require.NoError(t, err)
	merged := []byte(url.Values{"MessageSid": {"SM1MessageStatusdelivered"}}.Encode())
	resplit, err := v.Verify(twDelivery(t, pub, merged, h))
	require.NoError(t, err, "the scheme itself accepts the re-split form")
	require.NotEqual(t, genuine[0].ID, resplit[0].ID)
	require.Equal(t, genuine[0].DedupKey, resplit[0].DedupKey)
}

func TestTwilioPortForms(t *testing.T) {
	const token = "tok"
	params := "MessageSidSM9MessageStatussent"
	body := []byte("MessageSid=SM9&MessageStatus=sent")
	tests := []struct {
		name       string
		signedAs   string
		configured string
	}{
		{"https signed without port, configured with :443", "https://h.example/p", "https://h.example:443/p"},
		{"https signed with :443, configured without", "https://h.example:443/p", "https://h.example/p"},
		{"http signed with :80, configured without", "http://h.example:80/p?x=1", "http://h.example/p?x=1"},
		{"http signed without port, configured with :80", "http://h.example/p", "http://h.example:80/p"},
		{"custom port signed without it", "https://h.example/p", "https://h.example:8443/p"},
		{"IPv6 literal with port", "https://[2001:db8::1]/p", "https://[2001:db8::1]:443/p"},
		{"IPv6 literal without port", "https://[2001:db8::1]:443/p", "https://[2001:db8::1]/p"},
		{"user information dropped", "https://h.example/p", "https://user:pass@h.example/p"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := twNew(t, token, tc.configured)
			_, err := v.Verify(twDelivery(t, "http://127.0.0.1/x", body, twHeader(twSign(token, tc.signedAs+params))))
			require.NoError(t, err)
		})
	}
}

func TestTwilioConstruction(t *testing.T) {
	_, err := webhooks.NewTwilio("", webhooks.WithPublicURL("https://example.com/x"))
	require.ErrorIs(t, err, webhooks.ErrEmptySecret)
	_, err = webhooks.NewTwilio("tok", webhooks.WithSecrets("old", ""), webhooks.WithPublicURL("https://example.com/x"))
	require.ErrorIs(t, err, webhooks.ErrEmptySecret)
	for _, bad := range []string{"/relative/path", "ftp://example.com/x", "https://", "://bad"} {
		_, err = webhooks.NewTwilio("tok", webhooks.WithPublicURL(bad))
		require.ErrorIs(t, err, webhooks.ErrInvalidConfig, bad)
	}
	_, err = webhooks.NewTwilio("tok")
	require.ErrorIs(t, err, webhooks.ErrInvalidConfig, "the public URL is required")
	_, err = webhooks.NewTwilio("tok", webhooks.WithPublicURL("https://example.com/x?bodySHA256=00"))
	require.ErrorIs(t, err, webhooks.ErrInvalidConfig, "bodySHA256 is per request")
	v := twNew(t, "tok", "https://example.com/x")
	require.Equal(t, "twilio", v.Provider())
	var _ webhooks.Verifier = v
	_, err = v.Verify(nil)
	require.Error(t, err)
}

func TestTwilioRotation(t *testing.T) {
	const pub = "https://example.com/sms"
	h, body := webhookstest.SignTwilio(pub, url.Values{"MessageSid": {"SM2"}, "SmsStatus": {"received"}}, "old-token")
	_, err := twNew(t, "new-token", pub).Verify(twDelivery(t, pub, body, h))
	require.ErrorIs(t, err, webhooks.ErrInvalidSignature)
	events, err := twNew(t, "new-token", pub, webhooks.WithSecrets("old-token")).Verify(twDelivery(t, pub, body, h))
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
	v := twNew(t, token, pub)
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
		require.Equal(t, events[0].DedupKey, events[0].ID)
		require.Empty(t, events[0].Type)
	})

	t.Run("JSON body", func(t *testing.T) {
		body := []byte(`{"MessageSid":"SM7","MessageStatus":"read"}`)
		target, h := webhookstest.SignTwilioJSON(pub, body, token)
		events, err := v.Verify(twDelivery(t, target, body, h))
		require.NoError(t, err)
		require.Equal(t, "SM7:read", events[0].ID)
		require.Equal(t, "read", events[0].Type)
	})
}

func FuzzTwilioVerify(f *testing.F) {
	f.Add([]byte("CallSid=CA1&Digits=1234"), "L/OH5YylLD5NRKLltdqwSvS0BnU=", false)
	f.Add([]byte(`{"a":1}`), "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", true)
	f.Add([]byte("%zz=%"), "", false)
	v, err := webhooks.NewTwilio("12345", webhooks.WithPublicURL("https://example.com/myapp.php?foo=1&bar=2"))
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, body []byte, sig string, isJSON bool) {
		h := twHeader(sig)
		if isJSON {
			h.Set("Content-Type", "application/json")
		}
		events, err := v.Verify(&webhooks.Delivery{Method: http.MethodPost, Header: h, Body: body})
		if err == nil {
			t.Fatalf("a random signature verified: %q", sig)
		}
		if events != nil {
			t.Fatal("events with an error")
		}
		for _, s := range []error{webhooks.ErrMissingSignature, webhooks.ErrMalformedHeader, webhooks.ErrInvalidSignature, webhooks.ErrMalformedBody} {
			if errors.Is(err, s) {
				return
			}
		}
		t.Fatalf("untyped error: %v", err)
	})
}

func FuzzTwilioFormRoundTrip(f *testing.F) {
	f.Add("MessageSid", "SM1", "Body", "héllo &=?")
	f.Add("A", "", "B", "\x00\xff")
	f.Add("\xff", "a", "\xfe", "b") // two names that would both become U+FFFD
	const pub = "https://example.com/sms?x=1"
	v, err := webhooks.NewTwilio("tok", webhooks.WithPublicURL(pub))
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		if k1 == "" || k2 == "" || k1[0] == '?' || k1[0] == '&' || k2[0] == '?' || k2[0] == '&' {
			return
		}
		form := url.Values{}
		form.Add(k1, v1)
		form.Add(k2, v2)
		h, body := webhookstest.SignTwilio(pub, form, "tok")
		events, err := v.Verify(twDelivery(t, pub, body, h))
		if !utf8.ValidString(k1) || !utf8.ValidString(k2) {
			// Names Twilio never sends: refused, so that two of them
			// cannot collide as one member of Event.Data.
			if !errors.Is(err, webhooks.ErrMalformedBody) {
				t.Fatalf("a form with a name that is not UTF-8: %v", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("a signed form does not verify: %v", err)
		}
		var data map[string]any
		if err := json.Unmarshal(events[0].Data, &data); err != nil {
			t.Fatalf("Data is not JSON: %v", err)
		}
		if len(data) != len(form) {
			t.Fatalf("Data has %d names, the form %d", len(data), len(form))
		}
		for k := range form {
			if _, ok := data[k]; !ok {
				t.Fatalf("name %q lost", k)
			}
		}
	})
}

func BenchmarkTwilio(b *testing.B) {
	const token = "bench-token"
	const pub = "https://example.com/sms"
	form, err := url.ParseQuery(string(mustSampleTwilio(b)))
	require.NoError(b, err)
	h, body := webhookstest.SignTwilio(pub, form, token)
	v, err := webhooks.NewTwilio(token, webhooks.WithPublicURL(pub))
	require.NoError(b, err)
	d := twDelivery(b, pub, body, h)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(d); err != nil {
			b.Fatal(err)
		}
	}
}

func mustSampleTwilio(b *testing.B) []byte {
	s, err := webhookstest.SampleEvent("twilio", "delivered")
	require.NoError(b, err)
	return s
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
