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
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

type mdVector struct {
	Name      string `json:"name"`
	Key       string `json:"key"`
	URL       string `json:"url"`
	Body      string `json:"body"`
	Signature string `json:"signature"`
	Valid     bool   `json:"valid"`
	Events    []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
		Time int64  `json:"time"`
	} `json:"events"`
}

func mdLoad(t *testing.T) (string, []mdVector) {
	t.Helper()
	raw, err := os.ReadFile("testdata/mandrill/vectors.json")
	require.NoError(t, err)
	var file struct {
		Comment string     `json:"comment"`
		Vectors []mdVector `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(raw, &file))
	require.NotEmpty(t, file.Vectors)
	return file.Comment, file.Vectors
}

func mdHeader(sig string) http.Header {
	h := http.Header{}
	h.Set(webhooks.MandrillSignatureHeader, sig)
	return h
}

func mdDelivery(t testing.TB, rawURL string, body []byte, h http.Header) *webhooks.Delivery {
	t.Helper()
	return twDelivery(t, rawURL, body, h)
}

func TestMandrillVector(t *testing.T) {
	comment, vectors := mdLoad(t)
	require.Contains(t, comment, "publishes no signature test vector")
	for _, vc := range vectors {
		t.Run(vc.Name, func(t *testing.T) {
			v, err := webhooks.NewMandrill(vc.Key, webhooks.WithPublicURL(vc.URL))
			require.NoError(t, err)
			d := mdDelivery(t, vc.URL, []byte(vc.Body), mdHeader(vc.Signature))
			events, err := v.Verify(d)
			require.NoError(t, err)
			require.Len(t, events, len(vc.Events))
			for i, want := range vc.Events {
				require.Equal(t, "mandrill", events[i].Provider)
				if want.ID == "" {
					require.Regexp(t, `^sha256:[0-9a-f]{64}$`, events[i].ID)
				} else {
					require.Equal(t, want.ID, events[i].ID)
				}
				require.Equal(t, want.Type, events[i].Type)
				require.Equal(t, want.Time, events[i].Time.Unix())
				require.True(t, json.Valid(events[i].Data))
				require.Same(t, d, events[i].Delivery)
			}

			// The configured URL counts, not the address the request reached.
			v, err = webhooks.NewMandrill(vc.Key, webhooks.WithPublicURL(vc.URL))
			require.NoError(t, err)
			_, err = v.Verify(mdDelivery(t, "http://127.0.0.1:9000/hook", []byte(vc.Body), mdHeader(vc.Signature)))
			require.NoError(t, err)
		})
	}
}

func TestMandrillNegative(t *testing.T) {
	const pub = "https://example.com/hooks/mandrill"
	const key = "webhook-key"
	events := []byte(`[{"event":"send","_id":"m1","ts":1700000000,"msg":{"_id":"m1"}}]`)
	h, body := webhookstest.SignMandrill(pub, events, key)
	otherEvents := []byte(`[{"event":"open","_id":"m1","ts":1700000000,"msg":{"_id":"m1"}}]`)
	_, otherBody := webhookstest.SignMandrill(pub, otherEvents, key)
	sign := func(form url.Values) (http.Header, []byte) {
		// Signs bodies Mandrill would not send, with the documented
		// algorithm.
		hh := http.Header{}
		hh.Set(webhooks.MandrillSignatureHeader, twSign(key, pub+mdSorted(form)))
		return hh, []byte(form.Encode())
	}
	noEventsH, noEventsBody := sign(url.Values{"other": {"x"}})
	twoH, twoBody := sign(url.Values{"mandrill_events": {"[]", "[1]"}})
	notArrayH, notArrayBody := sign(url.Values{"mandrill_events": {`{"event":"send"}`}})
	badElemH, badElemBody := sign(url.Values{"mandrill_events": {`[{"event":"send"},3]`}})

	tests := []struct {
		name string
		key  string
		url  string
		body []byte
		h    http.Header
		want error
	}{
		{"tampered body", key, pub, otherBody, h, webhooks.ErrInvalidSignature},
		{"wrong key", "other-key", pub, body, h, webhooks.ErrInvalidSignature},
		{"trailing slash", key, pub + "/", body, h, webhooks.ErrInvalidSignature},
		{"default port added", key, "https://example.com:443/hooks/mandrill", body, h, webhooks.ErrInvalidSignature},
		{"query added", key, pub + "?x=1", body, h, webhooks.ErrInvalidSignature},
		{"missing header", key, pub, body, http.Header{}, webhooks.ErrMissingSignature},
		{"garbled header", key, pub, body, mdHeader("***"), webhooks.ErrMalformedHeader},
		{"truncated header", key, pub, body, mdHeader(h.Get(webhooks.MandrillSignatureHeader)[:10]), webhooks.ErrMalformedHeader},
		{"body not form-encoded", key, pub, []byte("mandrill_events=%"), h, webhooks.ErrMalformedBody},
		{"no mandrill_events", key, pub, noEventsBody, noEventsH, webhooks.ErrMalformedBody},
		{"two mandrill_events", key, pub, twoBody, twoH, webhooks.ErrMalformedBody},
		{"mandrill_events not an array", key, pub, notArrayBody, notArrayH, webhooks.ErrMalformedBody},
		{"element not an object", key, pub, badElemBody, badElemH, webhooks.ErrMalformedBody},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := webhooks.NewMandrill(tc.key, webhooks.WithPublicURL(tc.url))
			require.NoError(t, err)
			got, err := v.Verify(mdDelivery(t, tc.url, tc.body, tc.h))
			require.ErrorIs(t, err, tc.want)
			require.Nil(t, got)
			require.NotContains(t, err.Error(), tc.key)
		})
	}
}

// mdSorted is the documented signed suffix: each POST field's key and
// value, sorted by key.
func mdSorted(form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		vs := append([]string(nil), form[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			b.WriteString(k + v)
		}
	}
	return b.String()
}

func TestMandrillEvents(t *testing.T) {
	const pub = "https://example.com/hooks/mandrill?account=9"
	const key = "k"
	batch := []byte(`[
		{"event":"hard_bounce","_id":"id-1","ts":1700000000,"msg":{"_id":"id-1","state":"bounced"}},
		{"event":"click","ts":1700000010,"msg":{"_id":"msg-2"},"url":"https://example.com"},
		{"type":"whitelist","action":"remove","ts":1700000020,"entry":{"email":"a@example.com"}},
		{"event":"inbound","ts":1700000030.25,"msg":{"raw_msg":"From: a@example.com"}}
	]`)
	h, body := webhookstest.SignMandrill(pub, batch, key)
	v, err := webhooks.NewMandrill(key, webhooks.WithPublicURL(pub))
	require.NoError(t, err)
	events, err := v.Verify(mdDelivery(t, pub, body, h))
	require.NoError(t, err)
	require.Len(t, events, 4)

	require.Equal(t, "id-1", events[0].ID)
	require.Equal(t, "hard_bounce", events[0].Type)
	require.Equal(t, int64(1700000000), events[0].Time.Unix())

	require.Equal(t, "1700000010:click:msg-2", events[1].ID)
	require.Equal(t, "click", events[1].Type)

	require.Regexp(t, `^sha256:[0-9a-f]{64}$`, events[2].ID)
	require.Equal(t, "whitelist.remove", events[2].Type)
	require.Equal(t, int64(1700000020), events[2].Time.Unix())

	require.Regexp(t, `^sha256:[0-9a-f]{64}$`, events[3].ID)
	require.NotEqual(t, events[2].ID, events[3].ID)
	require.Equal(t, "inbound", events[3].Type)
	require.Equal(t, int64(1700000030), events[3].Time.Unix())

	var first map[string]any
	require.NoError(t, json.Unmarshal(events[0].Data, &first))
	require.Equal(t, "hard_bounce", first["event"])

	t.Run("empty batch", func(t *testing.T) {
		h, body := webhookstest.SignMandrill(pub, []byte(`[]`), key)
		events, err := v.Verify(mdDelivery(t, pub, body, h))
		require.NoError(t, err)
		require.Empty(t, events)
	})
}

func TestMandrillConstructionAndProbe(t *testing.T) {
	_, err := webhooks.NewMandrill("")
	require.ErrorIs(t, err, webhooks.ErrEmptySecret)
	_, err = webhooks.NewMandrill("k", webhooks.WithSecrets(""))
	require.ErrorIs(t, err, webhooks.ErrEmptySecret)
	_, err = webhooks.NewMandrill("k", webhooks.WithPublicURL("not a url"))
	require.Error(t, err)

	_, err = webhooks.NewMandrill("k")
	require.ErrorIs(t, err, webhooks.ErrInvalidConfig, "the public URL is required")
	v, err := webhooks.NewMandrill("k", webhooks.WithPublicURL("https://example.com/y"))
	require.NoError(t, err)
	require.Equal(t, "mandrill", v.Provider())
	var _ webhooks.Verifier = v
	var prober webhooks.HeadProber = v
	require.True(t, prober.ProbesWithHead())

	_, err = v.Verify(nil)
	require.Error(t, err)
	h, body := webhookstest.SignMandrill("https://example.com/x", []byte(`[]`), "k")
	_, err = v.Verify(&webhooks.Delivery{Method: http.MethodPost, Header: h, Body: body})
	require.ErrorIs(t, err, webhooks.ErrInvalidSignature)
}

func TestMandrillRotation(t *testing.T) {
	const pub = "https://example.com/m"
	h, body := webhookstest.SignMandrill(pub, []byte(`[{"event":"send","_id":"x","ts":1}]`), "old")
	v, err := webhooks.NewMandrill("new", webhooks.WithSecrets("old"), webhooks.WithPublicURL(pub))
	require.NoError(t, err)
	events, err := v.Verify(mdDelivery(t, pub, body, h))
	require.NoError(t, err)
	require.Equal(t, "x", events[0].ID)
}

func FuzzMandrillVerify(f *testing.F) {
	_, vectors := mdLoadForFuzz()
	for _, vc := range vectors {
		f.Add(vc.Body, vc.Signature)
	}
	f.Add("mandrill_events=%5B%5D", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	f.Add("mandrill_events=%", "")
	f.Add("a=1&a=2&mandrill_events=x", "****")
	v, err := webhooks.NewMandrill("6u2R9m4Y3f4kq0KJZrU0gA", webhooks.WithPublicURL("https://example.com/webhooks/mandrill?src=mc"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body, sig string) {
		h := http.Header{}
		h.Set(webhooks.MandrillSignatureHeader, sig)
		events, err := v.Verify(&webhooks.Delivery{Method: http.MethodPost, Header: h, Body: []byte(body)})
		if err != nil {
			if !errors.Is(err, webhooks.ErrInvalidSignature) && !errors.Is(err, webhooks.ErrMalformedHeader) &&
				!errors.Is(err, webhooks.ErrMissingSignature) && !errors.Is(err, webhooks.ErrMalformedBody) {
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

// FuzzMandrillBatch signs arbitrary mandrill_events values and checks the
// verifier returns one event per element or reports a malformed body.
func FuzzMandrillBatch(f *testing.F) {
	f.Add(`[{"event":"send","_id":"a","ts":1,"msg":{"_id":"a"}}]`)
	f.Add(`[{"type":"denylist","action":"add","ts":"2"}]`)
	f.Add(`[{"ts":1e400}]`)
	f.Add(`[{"msg":"x"}]`)
	const pub = "https://example.com/m"
	v, err := webhooks.NewMandrill("k", webhooks.WithPublicURL(pub))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, batch string) {
		h, body := webhookstest.SignMandrill(pub, []byte(batch), "k")
		events, err := v.Verify(&webhooks.Delivery{Method: http.MethodPost, Header: h, Body: body})
		if err != nil {
			if !errors.Is(err, webhooks.ErrMalformedBody) {
				t.Fatalf("signed batch rejected for another reason: %v", err)
			}
			return
		}
		var elems []json.RawMessage
		if err := json.Unmarshal([]byte(batch), &elems); err != nil || len(elems) != len(events) {
			t.Fatalf("%d events from %q", len(events), batch)
		}
	})
}

// mdLoadForFuzz reads the vectors without a *testing.T.
func mdLoadForFuzz() (string, []mdVector) {
	raw, err := os.ReadFile("testdata/mandrill/vectors.json")
	if err != nil {
		return "", nil
	}
	var file struct {
		Comment string     `json:"comment"`
		Vectors []mdVector `json:"vectors"`
	}
	if json.Unmarshal(raw, &file) != nil {
		return "", nil
	}
	return file.Comment, file.Vectors
}

// BenchmarkMandrill compares verifying a ten-event batch with a bare
// HMAC-SHA1 over the same signed bytes (URL, field name, JSON).
func BenchmarkMandrill(b *testing.B) {
	const pub = "https://example.com/hooks/mandrill"
	const key = "6u2R9m4Y3f4kq0KJZrU0gA"
	var batch []any
	for i := range 10 {
		var ev map[string]any
		raw, err := webhookstest.SampleEvent("mandrill", []string{"send", "open", "click"}[i%3])
		require.NoError(b, err)
		var arr []map[string]any
		require.NoError(b, json.Unmarshal(raw, &arr))
		ev = arr[0]
		batch = append(batch, ev)
	}
	events, err := json.Marshal(batch)
	require.NoError(b, err)
	h, body := webhookstest.SignMandrill(pub, events, key)
	u, _ := url.Parse(pub)
	d := &webhooks.Delivery{Method: http.MethodPost, URL: u, Header: h, Body: body}
	v, err := webhooks.NewMandrill(key, webhooks.WithPublicURL(pub))
	require.NoError(b, err)
	signed := []byte(pub + "mandrill_events" + string(events))
	sig, err := base64.StdEncoding.DecodeString(h.Get(webhooks.MandrillSignatureHeader))
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
			m := hmac.New(sha1.New, []byte(key))
			m.Write(signed)
			if !hmac.Equal(m.Sum(nil), sig) {
				b.Fatal("mismatch")
			}
		}
	})
}
