package sendgridmail

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/internal/sendertest"
	"github.com/switchboard-go/switchboard/httpclient"
)

// fakeAPI is a recording server that checks what the Mail Send API
// requires of every request (method, path, Bearer auth, JSON) and answers
// with a canned status and body. Accepted requests get a distinct
// X-Message-Id unless setID says otherwise.
type fakeAPI struct {
	*sendertest.Server

	mu        sync.Mutex
	messageID string
	noID      bool
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{}
	f.Server = sendertest.NewServer(t, http.StatusAccepted, sendertest.Expect{
		Method: http.MethodPost,
		Path:   "/v3/mail/send",
		Header: map[string]string{
			"Authorization": "Bearer " + testKey,
			"Content-Type":  "application/json",
			"Accept":        "application/json",
		},
	}, f.reply)
	return f
}

// setID fixes the X-Message-Id of accepted requests, or leaves it out.
func (f *fakeAPI) setID(id string, none bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.messageID, f.noID = id, none
}

func (f *fakeAPI) reply(h http.Header, n, status int, body string) string {
	f.mu.Lock()
	id, noID := f.messageID, f.noID
	f.mu.Unlock()
	if status/100 == 2 && !noID {
		if id == "" {
			id = fmt.Sprintf("sg-msg-%d", n)
		}
		h.Set("X-Message-Id", id)
	}
	if body != "" {
		h.Set("Content-Type", "application/json")
	}
	return body
}

func newTestSender(t *testing.T, f *fakeAPI, opts ...Option) *Sender {
	s, err := New(testKey, append([]Option{WithBaseURL(f.URL())}, opts...)...)
	require.NoError(t, err)
	return s
}

// setup connects the shared sender tests to SendGrid.
var setup = sendertest.Setup{
	Provider: "sendgrid",
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
	f.setID("14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0", false)
	s := newTestSender(t, f)
	rcpt, err := s.Send(context.Background(), fullMessage())
	require.NoError(t, err)
	require.Equal(t, &email.Receipt{Provider: "sendgrid", MessageID: "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0"}, rcpt)
	want, err := os.ReadFile("testdata/full_message.json")
	require.NoError(t, err)
	require.JSONEq(t, string(want), string(f.LastBody()))
}

func TestSendSandboxMode(t *testing.T) {
	f := newFakeAPI(t)
	f.Respond(http.StatusOK, "") // sandbox answers 200 without delivering
	f.setID("", true)
	s := newTestSender(t, f, WithSandboxMode(true))
	rcpt, err := s.Send(context.Background(), fullMessage())
	require.NoError(t, err)
	require.Equal(t, "", rcpt.MessageID)
	require.Contains(t, string(f.LastBody()), `"mail_settings":{"sandbox_mode":{"enable":true}}`)
}

func TestSendProviderErrors(t *testing.T) {
	sendertest.RunSendErrors(t, setup, []sendertest.SendErrorCase{
		{Name: "invalid recipient", Status: 400, Body: bodyInvalidTo, Kind: email.ErrRejectedRecipient, Code: "personalizations.0.to.0.email"},
		{Name: "missing content", Status: 400, Body: bodyNoContent, Kind: email.ErrPermanent},
		{Name: "unauthorized", Status: 401, Body: bodyUnauthorized, Kind: email.ErrAuthentication},
		{Name: "forbidden", Status: 403, Body: bodyForbidden, Kind: email.ErrAuthentication},
		{Name: "payload too large", Status: 413, Body: bodyTooLarge, Kind: email.ErrPermanent},
		{Name: "rate limited", Status: 429, Body: bodyRateLimit, Kind: email.ErrTemporary},
		{Name: "internal error", Status: 500, Kind: email.ErrTemporary},
		{Name: "unavailable", Status: 503, Kind: email.ErrTemporary},
	})
}

func TestSendRefusesInvalidMessageBeforeHTTP(t *testing.T) {
	sendertest.RunInvalidMessages(t, setup, append(sendertest.InvalidMessages(),
		sendertest.InvalidCase{Name: "bad cc", Edit: func(m *email.Message) { m.Cc = []string{"@@"} }},
		sendertest.InvalidCase{Name: "CRLF in header name", Edit: func(m *email.Message) { m.Headers = map[string]string{"X-A\r\nBcc": "1"} }},
		sendertest.InvalidCase{Name: "bcc only: SendGrid needs a To", Edit: func(m *email.Message) { m.To, m.Cc = nil, nil }},
	))
}

func TestSendTransportFailure(t *testing.T) { sendertest.RunTransportFailure(t, setup) }

func TestSendContextCanceled(t *testing.T) { sendertest.RunContextCanceled(t, setup) }

// TestSilentByDefault: without WithLogger the Sender logs nowhere.
func TestSilentByDefault(t *testing.T) { sendertest.RunSilentByDefault(t, setup) }

func TestNew(t *testing.T) {
	for name, err := range map[string]error{
		"empty key":       second(New("")),
		"blank key":       second(New(" \t")),
		"padded key":      second(New(" " + testKey)),
		"key with CRLF":   second(New(testKey + "\r\nX-Evil: 1")),
		"nil client":      second(New(testKey, WithHTTPClient(nil))),
		"nil logger":      second(New(testKey, WithLogger(nil))),
		"bad HTTP option": second(New(testKey, WithHTTPOptions(httpclient.WithTimeout(0)))),
		"httpclient base URL": second(New(testKey,
			WithHTTPOptions(httpclient.WithBaseURL("https://proxy.example")))),
	} {
		sendertest.RequireConfigError(t, err, "sendgridmail", testKey)
		require.NotContains(t, err.Error(), "X-Evil", name)
	}
	for _, u := range []string{"", "api.sendgrid.com", "ftp://x", "http://", "://bad", "https://" + testKey + "@h", "https://h?k=" + testKey} {
		_, err := New(testKey, WithBaseURL(u))
		sendertest.RequireConfigError(t, err, "sendgridmail", testKey)
	}
	_, err := New(testKey, WithHTTPOptions(httpclient.WithRetries(-1)))
	require.ErrorIs(t, err, httpclient.ErrInvalidConfig, "the httpclient error stays reachable")

	s, err := New(testKey)
	require.NoError(t, err)
	require.Equal(t, "https://api.sendgrid.com/v3/mail/send", s.endpoint)
	s, err = New(testKey, WithEU())
	require.NoError(t, err)
	require.Equal(t, "https://api.eu.sendgrid.com/v3/mail/send", s.endpoint)
	s, err = New(testKey, WithBaseURL("http://127.0.0.1:9/proxy/"), nil)
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:9/proxy/v3/mail/send", s.endpoint)

	sendertest.RequireHidden(t, s, testKey)
}

func second[T any](_ T, err error) error { return err }

// TestWithHTTPClient: the standard library client given with
// WithHTTPClient carries the requests, and is not modified.
func TestWithHTTPClient(t *testing.T) {
	f := newFakeAPI(t)
	var used atomic.Bool
	hc := &http.Client{Transport: sendertest.RoundTripFunc(func(r *http.Request) (*http.Response, error) {
		used.Store(true)
		return http.DefaultTransport.RoundTrip(r)
	})}
	s, err := New(testKey, WithBaseURL(f.URL()), WithHTTPClient(hc))
	require.NoError(t, err)
	_, err = s.Send(context.Background(), fullMessage())
	require.NoError(t, err)
	require.True(t, used.Load())
	require.EqualValues(t, 1, f.Hits())
	require.Nil(t, hc.CheckRedirect, "the caller's client is not modified")
}

func TestWithHTTPOptions(t *testing.T) {
	f := newFakeAPI(t)
	var used atomic.Bool
	s := newTestSender(t, f, WithHTTPOptions(httpclient.WithTransport(sendertest.RoundTripFunc(func(r *http.Request) (*http.Response, error) {
		used.Store(true)
		require.True(t, strings.HasPrefix(r.Header.Get("User-Agent"), "switchboard-go/sendgridmail"))
		return http.DefaultTransport.RoundTrip(r)
	}))))
	_, err := s.Send(context.Background(), fullMessage())
	require.NoError(t, err)
	require.True(t, used.Load())
}

// TestHTMLOnlyMessageGetsTextPart is the regression test for HTML-only
// messages, which used to be posted with only a text/html content: the
// request now lists a text/plain content derived from the HTML first.
func TestHTMLOnlyMessageGetsTextPart(t *testing.T) {
	f := newFakeAPI(t)
	m := &email.Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "Hi",
		HTML: "<h1>Welcome</h1><p>Your account is ready.</p>"}
	_, err := newTestSender(t, f).Send(context.Background(), m)
	require.NoError(t, err)
	var req mailSend
	require.NoError(t, json.Unmarshal(f.LastBody(), &req))
	require.Equal(t, []content{
		{Type: "text/plain", Value: "Welcome\n\nYour account is ready."},
		{Type: "text/html", Value: m.HTML},
	}, req.Content)
	require.Empty(t, m.Text, "the caller's message is not modified")
}
