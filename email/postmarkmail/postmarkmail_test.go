package postmarkmail

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/internal/sendertest"
	"github.com/switchboard-go/switchboard/httpclient"
)

const okBody = `{"To":"\"Ada Lovelace\" <ada@example.com>, bob@example.com","SubmittedAt":"2026-11-29T02:42:00.1234567-05:00","MessageID":"b7bc2f4a-e38e-4336-af7d-e6c392c2f817","ErrorCode":0,"Message":"OK"}`

// fakeAPI is a recording server that checks what POST /email requires of
// every request (method, path, server token, JSON) and answers with a
// canned status and body. With no canned body, an accepted request gets
// Postmark's answer with a fresh MessageID.
type fakeAPI struct {
	*sendertest.Server
}

func newFakeAPI(t *testing.T) *fakeAPI {
	return &fakeAPI{sendertest.NewServer(t, http.StatusOK, sendertest.Expect{
		Method: http.MethodPost,
		Path:   "/email",
		Header: map[string]string{
			"X-Postmark-Server-Token": testKey,
			"Content-Type":            "application/json",
			"Accept":                  "application/json",
		},
	}, func(h http.Header, n, status int, body string) string {
		if body == "" && status == http.StatusOK {
			body = fmt.Sprintf(`{"To":"x@example.com","SubmittedAt":"2026-11-29T02:42:00Z","MessageID":"00000000-0000-4000-8000-%012d","ErrorCode":0,"Message":"OK"}`, n)
		}
		h.Set("Content-Type", "application/json")
		return body
	})}
}

func newTestSender(t *testing.T, f *fakeAPI, opts ...Option) *Sender {
	s, err := New(testKey, append([]Option{WithBaseURL(f.URL())}, opts...)...)
	require.NoError(t, err)
	return s
}

// setup connects the shared sender tests to Postmark.
var setup = sendertest.Setup{
	Provider: "postmark",
	Secret:   testKey,
	Message:  fullMessage,
	Start: func(t *testing.T, logger *slog.Logger) (email.Sender, *sendertest.Server) {
		f := newFakeAPI(t)
		var opts []Option
		if logger != nil {
			opts = append(opts, WithLogger(logger))
		}
		return newTestSender(t, f, opts...), f.Server
	},
}

func TestSendFullMessage(t *testing.T) {
	f := newFakeAPI(t)
	f.Respond(http.StatusOK, okBody)
	s := newTestSender(t, f, WithMessageStream("outbound"))
	rcpt, err := s.Send(context.Background(), fullMessage())
	require.NoError(t, err)
	require.Equal(t, &email.Receipt{Provider: "postmark", MessageID: "b7bc2f4a-e38e-4336-af7d-e6c392c2f817"}, rcpt)
	want, err := os.ReadFile("testdata/full_message.json")
	require.NoError(t, err)
	require.JSONEq(t, string(want), string(f.LastBody()))
}

func TestSendProviderErrors(t *testing.T) {
	sendertest.RunSendErrors(t, setup, []sendertest.SendErrorCase{
		{Name: "missing token", Status: 401, Body: bodyNoToken, Kind: email.ErrAuthentication, Code: "10"},
		{Name: "invalid email request", Status: 422, Body: bodyInvalidRequest, Kind: email.ErrPermanent, Code: "300"},
		{Name: "sender signature not confirmed", Status: 422, Body: bodySenderUnconfirm, Kind: email.ErrPermanent, Code: "401"},
		{Name: "inactive recipient", Status: 422, Body: bodyInactive, Kind: email.ErrRejectedRecipient, Code: "406"},
		{Name: "rate limited", Status: 429, Body: bodyRateLimit, Kind: email.ErrTemporary, Code: "429"},
		{Name: "server error", Status: 500, Body: bodyServerError, Kind: email.ErrTemporary},
		{Name: "unavailable", Status: 503, Kind: email.ErrTemporary},
	})
}

func TestSendErrorCodeOnSuccessStatus(t *testing.T) {
	f := newFakeAPI(t)
	f.Respond(http.StatusOK, bodyInactive)
	_, err := newTestSender(t, f).Send(context.Background(), fullMessage())
	require.ErrorIs(t, err, email.ErrRejectedRecipient)
	var se *email.SendError
	require.ErrorAs(t, err, &se)
	require.Equal(t, "406", se.Code)
	require.Equal(t, http.StatusOK, se.StatusCode)
}

func TestSendRefusesInvalidMessageBeforeHTTP(t *testing.T) {
	sendertest.RunInvalidMessages(t, setup, append(sendertest.InvalidMessages(),
		sendertest.InvalidCase{Name: "comma-joined to address", Edit: func(m *email.Message) { m.To = []string{"a@example.com, b@example.com"} }},
		sendertest.InvalidCase{Name: "CRLF in attachment name", Edit: func(m *email.Message) { m.Attachments[0].Filename = "a\r\n.pdf" }},
		sendertest.InvalidCase{Name: "bcc only: Postmark needs a To", Edit: func(m *email.Message) { m.To, m.Cc = nil, nil }},
	))
}

func TestSendTransportFailure(t *testing.T) { sendertest.RunTransportFailure(t, setup) }

func TestSendContextCanceled(t *testing.T) { sendertest.RunContextCanceled(t, setup) }

// TestSilentByDefault: without WithLogger the Sender logs nowhere.
func TestSilentByDefault(t *testing.T) { sendertest.RunSilentByDefault(t, setup) }

func TestNew(t *testing.T) {
	for name, err := range map[string]error{
		"empty token":       second(New("")),
		"blank token":       second(New("\t")),
		"padded token":      second(New(testKey + " ")),
		"token with CRLF":   second(New("a\r\nb" + testKey)),
		"stream with LF":    second(New(testKey, WithMessageStream("x\ny"))),
		"empty stream":      second(New(testKey, WithMessageStream(""))),
		"nil client":        second(New(testKey, WithHTTPClient(nil))),
		"nil logger":        second(New(testKey, WithLogger(nil))),
		"bad HTTP option":   second(New(testKey, WithHTTPOptions(httpclient.WithMaxRedirects(-1)))),
		"client, transport": second(New(testKey, WithHTTPClient(&http.Client{}), WithHTTPOptions(httpclient.WithTransport(http.DefaultTransport)))),
	} {
		sendertest.RequireConfigError(t, err, "postmarkmail", testKey)
		_ = name
	}
	for _, u := range []string{"", "api.postmarkapp.com", "ftp://x", "http://", "https://h/#" + testKey} {
		_, err := New(testKey, WithBaseURL(u))
		sendertest.RequireConfigError(t, err, "postmarkmail", testKey)
	}
	s, err := New(testKey)
	require.NoError(t, err)
	require.Equal(t, "https://api.postmarkapp.com/email", s.endpoint)
	sendertest.RequireHidden(t, s, testKey)
}

func second[T any](_ T, err error) error { return err }

// TestWithHTTPClient: the standard library client given with
// WithHTTPClient carries the requests; WithHTTPOptions reaches the
// httpclient.Client.
func TestWithHTTPClient(t *testing.T) {
	f := newFakeAPI(t)
	var used atomic.Bool
	rt := sendertest.RoundTripFunc(func(r *http.Request) (*http.Response, error) {
		used.Store(true)
		return http.DefaultTransport.RoundTrip(r)
	})
	_, err := newTestSender(t, f, WithHTTPClient(&http.Client{Transport: rt})).Send(context.Background(), fullMessage())
	require.NoError(t, err)
	require.True(t, used.Load())

	used.Store(false)
	_, err = newTestSender(t, f, WithHTTPOptions(httpclient.WithTransport(rt))).Send(context.Background(), fullMessage())
	require.NoError(t, err)
	require.True(t, used.Load())
}

// TestHTMLOnlyMessageGetsTextPart is the regression test for HTML-only
// messages, which used to be posted with HtmlBody only: the request now
// carries a TextBody derived from the HTML.
func TestHTMLOnlyMessageGetsTextPart(t *testing.T) {
	f := newFakeAPI(t)
	m := &email.Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "Hi",
		HTML: "<h1>Welcome</h1><p>Your account is ready.</p>"}
	_, err := newTestSender(t, f).Send(context.Background(), m)
	require.NoError(t, err)
	var req struct{ TextBody, HtmlBody string }
	require.NoError(t, json.Unmarshal(f.LastBody(), &req))
	require.Equal(t, "Welcome\n\nYour account is ready.", req.TextBody)
	require.Equal(t, m.HTML, req.HtmlBody)
	require.Empty(t, m.Text, "the caller's message is not modified")
}
