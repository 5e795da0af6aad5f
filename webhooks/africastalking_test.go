package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	atToken  = "0123456789abcdef0123456789abcdef-at-token"
	atPublic = "https://shop.example.com/webhooks/africastalking"
)

func newATVerifier(t *testing.T, opts ...VerifierOption) *AfricasTalkingVerifier {
	t.Helper()
	v, err := NewAfricasTalking(atToken, append([]VerifierOption{WithPublicURL(atPublic)}, opts...)...)
	require.NoError(t, err)
	return v
}

// atDelivery builds a notification the way Africa's Talking posts it: a
// form to the callback URL, which carries the token.
func atDelivery(t *testing.T, token string, form url.Values) *Delivery {
	t.Helper()
	u, err := url.Parse("https://shop.example.com/webhooks/africastalking?token=" + url.QueryEscape(token))
	require.NoError(t, err)
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	return &Delivery{Method: http.MethodPost, URL: u, Header: h, Body: []byte(form.Encode())}
}

func atReport(id, status string) url.Values {
	return url.Values{"id": {id}, "status": {status}, "phoneNumber": {"+254711082300"}, "networkCode": {"63902"}}
}

func TestAfricasTalkingEvents(t *testing.T) {
	v := newATVerifier(t)
	cases := []struct {
		name           string
		form           url.Values
		typ, id, dedup string
	}{
		{"DeliveryReport", atReport("ATXid_1", "Success"), "Success", "ATXid_1:Success", "dlr:ATXid_1:Success"},
		{"FailedReport", func() url.Values {
			f := atReport("ATXid_2", "Failed")
			f.Set("failureReason", "UserInBlackList")
			return f
		}(), "Failed", "ATXid_2:Failed", "dlr:ATXid_2:Failed"},
		{"Incoming", url.Values{"id": {"in-9"}, "from": {"+254711082300"}, "to": {"20880"}, "text": {"hi"}, "date": {"2024-01-02 03:04:05"}, "linkId": {"l"}},
			"incoming", "in-9", "incoming:in-9"},
		{"OptOut", url.Values{"senderId": {"SHOP"}, "phoneNumber": {"+254711082300"}}, "optout", "", ""},
		{"Subscription", url.Values{"phoneNumber": {"+254711082300"}, "shortCode": {"20880"}, "keyword": {"news"}, "updateType": {"addition"}}, "subscription", "", ""},
		{"Other", url.Values{"foo": {"bar"}}, "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := atDelivery(t, atToken, tc.form)
			events, err := v.Verify(d)
			require.NoError(t, err)
			require.Len(t, events, 1)
			e := events[0]
			require.Equal(t, "africastalking", e.Provider)
			require.Equal(t, tc.typ, e.Type)
			if tc.id != "" {
				require.Equal(t, tc.id, e.ID)
				require.Equal(t, tc.dedup, e.DedupKey)
			} else {
				require.True(t, strings.HasPrefix(e.DedupKey, "sha256:"), "a notification without id de-duplicates on its body")
				require.Equal(t, e.DedupKey, e.ID)
			}
			var data map[string]string
			require.NoError(t, json.Unmarshal(e.Data, &data))
			for k := range tc.form {
				require.Equal(t, tc.form.Get(k), data[k])
			}
			require.NotContains(t, d.URL.String(), atToken, "Verify redacts the token in Delivery.URL")
			require.Equal(t, "REDACTED", d.URL.Query().Get("token"))
		})
	}
}

func TestAfricasTalkingRejects(t *testing.T) {
	v := newATVerifier(t)
	good := atReport("ATXid_1", "Success")
	cases := []struct {
		name string
		d    func() *Delivery
		want error
	}{
		{"NoDelivery", func() *Delivery { return nil }, ErrMissingSignature},
		{"NoURL", func() *Delivery { d := atDelivery(t, atToken, good); d.URL = nil; return d }, ErrMissingSignature},
		{"NoToken", func() *Delivery {
			d := atDelivery(t, atToken, good)
			d.URL.RawQuery = ""
			return d
		}, ErrMissingSignature},
		{"WrongToken", func() *Delivery { return atDelivery(t, strings.Repeat("x", len(atToken)), good) }, ErrInvalidSignature},
		{"TokenPrefix", func() *Delivery { return atDelivery(t, atToken[:len(atToken)-1], good) }, ErrInvalidSignature},
		{"TokenLonger", func() *Delivery { return atDelivery(t, atToken+"0", good) }, ErrInvalidSignature},
		{"EmptyToken", func() *Delivery { return atDelivery(t, "", good) }, ErrInvalidSignature},
		{"TwoTokens", func() *Delivery {
			d := atDelivery(t, atToken, good)
			d.URL.RawQuery += "&token=" + atToken
			return d
		}, ErrMalformedHeader},
		{"TokenInBodyOnly", func() *Delivery {
			f := atReport("ATXid_1", "Success")
			f.Set("token", atToken)
			d := atDelivery(t, atToken, f)
			d.URL.RawQuery = ""
			return d
		}, ErrMissingSignature},
		{"TokenInHeaderOnly", func() *Delivery {
			d := atDelivery(t, atToken, good)
			d.URL.RawQuery = ""
			d.Header.Set("Token", atToken)
			return d
		}, ErrMissingSignature},
		{"MalformedQuery", func() *Delivery {
			d := atDelivery(t, atToken, good)
			d.URL.RawQuery += "&%zz"
			return d
		}, ErrMalformedHeader},
		{"JSONBody", func() *Delivery {
			d := atDelivery(t, atToken, good)
			d.Header.Set("Content-Type", "application/json")
			d.Body = []byte(`{"id":"ATXid_1","status":"Success"}`)
			return d
		}, ErrMalformedHeader},
		{"BadForm", func() *Delivery {
			d := atDelivery(t, atToken, good)
			d.Body = []byte("id=%zz")
			return d
		}, ErrMalformedBody},
		{"RepeatedParameter", func() *Delivery {
			d := atDelivery(t, atToken, good)
			d.Body = append(d.Body, "&status=Failed"...)
			return d
		}, ErrMalformedBody},
		{"StatusWithoutID", func() *Delivery { return atDelivery(t, atToken, url.Values{"status": {"Success"}}) }, ErrMalformedBody},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(tc.d())
			require.ErrorIs(t, err, tc.want)
			require.NotContains(t, err.Error(), atToken, "an error never holds the token")
		})
	}
}

func TestAfricasTalkingRotation(t *testing.T) {
	next := "fedcba9876543210fedcba9876543210-next"
	v := newATVerifier(t, WithSecrets(next))
	for _, tok := range []string{atToken, next} {
		_, err := v.Verify(atDelivery(t, tok, atReport("ATXid_1", "Sent")))
		require.NoError(t, err, "every configured token is accepted")
	}
	require.Equal(t, atPublic+"?token="+atToken, v.CallbackURL(), "the callback URL carries the first token")
	require.NotContains(t, fmt.Sprintf("%v %#v %s", v, v, v), atToken, "printing the verifier does not print the token")
}

func TestAfricasTalkingConstruction(t *testing.T) {
	cases := []struct {
		name  string
		token string
		opts  []VerifierOption
		want  error
	}{
		{"Empty", "", []VerifierOption{WithPublicURL(atPublic)}, ErrEmptySecret},
		{"Blank", "   ", []VerifierOption{WithPublicURL(atPublic)}, ErrEmptySecret},
		{"Padded", " " + atToken, []VerifierOption{WithPublicURL(atPublic)}, ErrInvalidSecret},
		{"Short", "0123456789", []VerifierOption{WithPublicURL(atPublic)}, ErrInvalidSecret},
		{"Reserved", strings.Repeat("a", 31) + "&", []VerifierOption{WithPublicURL(atPublic)}, ErrInvalidSecret},
		{"ShortRotation", atToken, []VerifierOption{WithPublicURL(atPublic), WithSecrets("short")}, ErrInvalidSecret},
		{"NoPublicURL", atToken, nil, ErrInvalidOption},
		{"PlainHTTP", atToken, []VerifierOption{WithPublicURL("http://shop.example.com/at")}, ErrInvalidOption},
		{"UserInfo", atToken, []VerifierOption{WithPublicURL("https://u:p@shop.example.com/at")}, ErrInvalidOption},
		{"ForeignToken", atToken, []VerifierOption{WithPublicURL(atPublic + "?token=" + strings.Repeat("b", 40))}, ErrInvalidOption},
		{"Clock", atToken, []VerifierOption{WithPublicURL(atPublic), WithClock(nil)}, ErrInvalidOption},
		{"Tolerance", atToken, []VerifierOption{WithPublicURL(atPublic), WithTolerance(1)}, ErrInvalidOption},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := NewAfricasTalking(tc.token, tc.opts...)
			require.Nil(t, v)
			require.ErrorIs(t, err, tc.want)
			require.ErrorIs(t, err, ErrInvalidConfig)
			if tc.token != "" && strings.TrimSpace(tc.token) != "" {
				require.NotContains(t, err.Error(), strings.TrimSpace(tc.token))
			}
		})
	}
	for _, u := range []string{"http://127.0.0.1:8080/at", "http://localhost/at", "http://[::1]:9/at", atPublic + "?token=" + atToken + "&tenant=7"} {
		v, err := NewAfricasTalking(atToken, WithPublicURL(u))
		require.NoError(t, err, "loopback http and a URL holding its own token are accepted")
		cb, err := url.Parse(v.CallbackURL())
		require.NoError(t, err)
		require.Equal(t, []string{atToken}, cb.Query()["token"])
	}
}

// Through a Handler: the token comes from the request's URL, a duplicate
// report runs once, and nothing the Handler logs holds the token.
func TestAfricasTalkingHandler(t *testing.T) {
	v := newATVerifier(t)
	var logs bytes.Buffer
	h, err := NewHandler(v, WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	runs := 0
	h.On("Success", func(_ context.Context, e *Event) error {
		runs++
		require.NotContains(t, e.Delivery.URL.String(), atToken)
		return nil
	})
	send := func(token string, form url.Values) int {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/africastalking?token="+url.QueryEscape(token), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	require.Equal(t, http.StatusOK, send(atToken, atReport("ATXid_7", "Success")))
	require.Equal(t, http.StatusOK, send(atToken, atReport("ATXid_7", "Success")))
	require.Equal(t, 1, runs, "a repeated report runs once")
	require.Equal(t, http.StatusBadRequest, send("wrong-token-wrong-token-wrong-token", atReport("ATXid_8", "Success")))
	require.Equal(t, 1, runs)
	require.NotContains(t, logs.String(), atToken, "the token never reaches the log")
}

func FuzzAfricasTalkingVerify(f *testing.F) {
	f.Add("token="+atToken, "application/x-www-form-urlencoded", []byte(atReport("ATXid_1", "Success").Encode()))
	f.Add("token="+atToken, "application/x-www-form-urlencoded", []byte("id=1&text=x&from=%2B1"))
	f.Add("token="+atToken+"&token=x", "application/x-www-form-urlencoded", []byte("a=b"))
	f.Add("token=%zz", "text/plain", []byte("\x00"))
	f.Add("", "application/x-www-form-urlencoded", []byte("senderId=X&phoneNumber=1"))
	v, err := NewAfricasTalking(atToken, WithPublicURL(atPublic))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, query, ct string, body []byte) {
		u := &url.URL{Scheme: "https", Host: "shop.example.com", Path: "/at", RawQuery: query}
		d := &Delivery{Method: http.MethodPost, URL: u, Header: http.Header{"Content-Type": {ct}}, Body: body}
		events, err := v.Verify(d)
		if err != nil {
			if events != nil {
				t.Fatal("events with an error")
			}
			if strings.Contains(err.Error(), atToken) {
				t.Fatal("the error holds the token")
			}
			for _, k := range []error{ErrMissingSignature, ErrMalformedHeader, ErrInvalidSignature, ErrMalformedBody} {
				if errors.Is(err, k) {
					return
				}
			}
			t.Fatalf("error of no known kind: %v", err)
		}
		if len(events) != 1 || events[0].DedupKey == "" || !json.Valid(events[0].Data) {
			t.Fatalf("bad events %+v", events)
		}
		if strings.Contains(d.URL.String(), atToken) {
			t.Fatal("the token was left in Delivery.URL")
		}
	})
}
