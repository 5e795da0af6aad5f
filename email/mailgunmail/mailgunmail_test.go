package mailgunmail

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/internal/sendertest"
	"github.com/switchboard-go/switchboard/httpclient"
)

const queued = `{"id": "<20261129024200.1.ABCDEF@mg.acme.example>", "message": "Queued. Thank you."}`

// fakeAPI is a recording server that checks what the messages API
// requires of every request (method, path, Basic auth as "api", a
// multipart form) and answers with a canned status and body. With no
// canned body, an accepted request gets Mailgun's answer with a fresh id.
type fakeAPI struct {
	*sendertest.Server
	t *testing.T
}

func newFakeAPI(t *testing.T) *fakeAPI {
	return &fakeAPI{t: t, Server: sendertest.NewServer(t, http.StatusOK, sendertest.Expect{
		Method: http.MethodPost,
		Path:   "/v3/" + testDomain + "/messages",
		Check: func(r *http.Request, _ []byte) error {
			user, pass, ok := r.BasicAuth()
			if !ok || user != "api" || pass != testKey {
				return fmt.Errorf("basic=%t user=%q", ok, user)
			}
			return nil
		},
		Inspect: func(r sendertest.Request) { readForm(t, r.Header.Get("Content-Type"), r.Body) },
	}, func(h http.Header, n, status int, body string) string {
		if body == "" && status/100 == 2 {
			body = fmt.Sprintf(`{"id":"<20261129024200.%d.ABCDEF@%s>","message":"Queued. Thank you."}`, n, testDomain)
		}
		if len(body) > 0 && body[0] == '{' {
			h.Set("Content-Type", "application/json")
		}
		return body
	})}
}

// lastForm returns the form fields of the last accepted request.
func (f *fakeAPI) lastForm() []formPart {
	last := f.Last()
	return readForm(f.t, last.Header.Get("Content-Type"), last.Body)
}

func newTestSender(t *testing.T, f *fakeAPI, opts ...Option) *Sender {
	s, err := New(testDomain, testKey, append([]Option{WithBaseURL(f.URL())}, opts...)...)
	require.NoError(t, err)
	return s
}

// setup connects the shared sender tests to Mailgun.
var setup = sendertest.Setup{
	Provider: "mailgun",
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
	f.Respond(http.StatusOK, queued)
	s := newTestSender(t, f)
	rcpt, err := s.Send(context.Background(), fullMessage())
	require.NoError(t, err)
	require.Equal(t, &email.Receipt{Provider: "mailgun", MessageID: "<20261129024200.1.ABCDEF@mg.acme.example>"}, rcpt)
	require.Equal(t, wantFullForm, f.lastForm())
}

func TestSendAcceptedWithoutID(t *testing.T) {
	f := newFakeAPI(t)
	f.Respond(http.StatusOK, "OK")
	s := newTestSender(t, f)
	rcpt, err := s.Send(context.Background(), fullMessage())
	require.NoError(t, err, "a 2xx means Mailgun took the message")
	require.Equal(t, "", rcpt.MessageID)
}

func TestSendProviderErrors(t *testing.T) {
	sendertest.RunSendErrors(t, setup, []sendertest.SendErrorCase{
		{Name: "invalid recipient", Status: 400, Body: bodyInvalidTo, Kind: email.ErrRejectedRecipient, Code: "to"},
		{Name: "missing parameter", Status: 400, Body: bodyMissingFrom, Kind: email.ErrPermanent},
		{Name: "bad key", Status: 401, Body: bodyForbidden, Kind: email.ErrAuthentication},
		{Name: "forbidden", Status: 403, Body: `{"message":"Forbidden"}`, Kind: email.ErrAuthentication},
		{Name: "unknown domain", Status: 404, Body: bodyDomainMissing, Kind: email.ErrPermanent},
		{Name: "rate limited", Status: 429, Body: bodyRateLimited, Kind: email.ErrTemporary},
		{Name: "server error", Status: 500, Body: bodyServerError, Kind: email.ErrTemporary},
		{Name: "unavailable", Status: 503, Kind: email.ErrTemporary},
	})
}

func TestSendRefusesInvalidMessageBeforeHTTP(t *testing.T) {
	sendertest.RunInvalidMessages(t, setup, append(sendertest.InvalidMessages(),
		sendertest.InvalidCase{Name: "header name with colon", Edit: func(m *email.Message) { m.Headers = map[string]string{"X-A: 1\r\nBcc": "1"} }},
		sendertest.InvalidCase{Name: "CRLF in tag", Edit: func(m *email.Message) { m.Tags = []string{"a\r\nb"} }},
		sendertest.InvalidCase{Name: "cc only: Mailgun needs a To", Edit: func(m *email.Message) { m.To = nil }},
	))
}

func TestSendTransportFailure(t *testing.T) { sendertest.RunTransportFailure(t, setup) }

func TestSendContextCanceled(t *testing.T) { sendertest.RunContextCanceled(t, setup) }

// TestSilentByDefault: without WithLogger the Sender logs nowhere.
func TestSilentByDefault(t *testing.T) { sendertest.RunSilentByDefault(t, setup) }

func TestNew(t *testing.T) {
	for name, err := range map[string]error{
		"empty key":       second(New(testDomain, "")),
		"blank key":       second(New(testDomain, "  ")),
		"padded key":      second(New(testDomain, testKey+"\n")),
		"key with LF":     second(New(testDomain, "a\nb"+testKey)),
		"nil client":      second(New(testDomain, testKey, WithHTTPClient(nil))),
		"nil logger":      second(New(testDomain, testKey, WithLogger(nil))),
		"bad HTTP option": second(New(testDomain, testKey, WithHTTPOptions(httpclient.WithRetries(-1)))),
		"httpclient base URL": second(New(testDomain, testKey,
			WithHTTPOptions(httpclient.WithBaseURL("https://proxy.example")))),
	} {
		sendertest.RequireConfigError(t, err, "mailgunmail", testKey)
		_ = name
	}
	for _, d := range []string{"", "mg.acme.example/../x", "a b", "x?y", "x#y", "é.example"} {
		_, err := New(d, testKey)
		sendertest.RequireConfigError(t, err, "mailgunmail", testKey)
	}
	for _, u := range []string{"", "api.mailgun.net", "ftp://x", "http://", "https://api:" + testKey + "@h"} {
		_, err := New(testDomain, testKey, WithBaseURL(u))
		sendertest.RequireConfigError(t, err, "mailgunmail", testKey)
	}

	s, err := New(testDomain, testKey)
	require.NoError(t, err)
	require.Equal(t, "https://api.mailgun.net/v3/mg.acme.example/messages", s.endpoint)
	s, err = New(testDomain, testKey, WithEU())
	require.NoError(t, err)
	require.Equal(t, "https://api.eu.mailgun.net/v3/mg.acme.example/messages", s.endpoint)
	sendertest.RequireHidden(t, s, testKey, s.auth)
}

func second[T any](_ T, err error) error { return err }

// TestWithHTTPClient: the standard library client given with
// WithHTTPClient carries the requests; WithHTTPOptions reaches the
// httpclient.Client.
func TestWithHTTPClient(t *testing.T) {
	f := newFakeAPI(t)
	var used atomic.Bool
	hc := &http.Client{Transport: sendertest.RoundTripFunc(func(r *http.Request) (*http.Response, error) {
		used.Store(true)
		return http.DefaultTransport.RoundTrip(r)
	})}
	_, err := newTestSender(t, f, WithHTTPClient(hc)).Send(context.Background(), fullMessage())
	require.NoError(t, err)
	require.True(t, used.Load())

	used.Store(false)
	s := newTestSender(t, f, WithHTTPOptions(httpclient.WithTransport(sendertest.RoundTripFunc(func(r *http.Request) (*http.Response, error) {
		used.Store(true)
		return http.DefaultTransport.RoundTrip(r)
	}))))
	_, err = s.Send(context.Background(), fullMessage())
	require.NoError(t, err)
	require.True(t, used.Load())
}

// TestHTMLOnlyMessageGetsTextPart is the regression test for HTML-only
// messages, which used to be posted with an html field only: the form
// now carries a text field derived from the HTML.
func TestHTMLOnlyMessageGetsTextPart(t *testing.T) {
	f := newFakeAPI(t)
	m := &email.Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "Hi",
		HTML: "<h1>Welcome</h1><p>Your account is ready.</p>"}
	_, err := newTestSender(t, f).Send(context.Background(), m)
	require.NoError(t, err)
	fields := map[string]string{}
	for _, p := range f.lastForm() {
		fields[p.Name] = p.Value
	}
	require.Equal(t, "Welcome\n\nYour account is ready.", fields["text"])
	require.Equal(t, m.HTML, fields["html"])
	require.Empty(t, m.Text, "the caller's message is not modified")
}
