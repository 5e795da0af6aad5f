package mailgunmail

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/httpclient"
)

const queued = `{"id": "<20261129024200.1.ABCDEF@mg.acme.example>", "message": "Queued. Thank you."}`

// fakeAPI is an httptest server that checks what the messages API
// requires of every request (method, path, Basic auth as "api", a
// multipart form) and answers with a canned status and body. With no
// canned body, an accepted request gets Mailgun's answer with a fresh id.
type fakeAPI struct {
	t    *testing.T
	srv  *httptest.Server
	hits atomic.Int32

	mu     sync.Mutex
	forms  [][]formPart
	status int
	body   string
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{t: t, status: http.StatusOK}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// respond makes the API answer status and body until restore is called.
func (f *fakeAPI) respond(status int, body string) (restore func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	oldStatus, oldBody := f.status, f.body
	f.status, f.body = status, body
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.status, f.body = oldStatus, oldBody
	}
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	n := f.hits.Add(1)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read", http.StatusInternalServerError)
		return
	}
	user, pass, ok := r.BasicAuth()
	if r.Method != http.MethodPost || r.URL.Path != "/v3/"+testDomain+"/messages" || !ok || user != "api" || pass != testKey {
		f.t.Errorf("unexpected request %s %s basic=%t user=%q", r.Method, r.URL.Path, ok, user)
		w.WriteHeader(http.StatusTeapot)
		return
	}
	form := readForm(f.t, r.Header.Get("Content-Type"), body)
	f.mu.Lock()
	f.forms = append(f.forms, form)
	status, respBody := f.status, f.body
	f.mu.Unlock()
	if respBody == "" && status/100 == 2 {
		respBody = fmt.Sprintf(`{"id":"<20261129024200.%d.ABCDEF@%s>","message":"Queued. Thank you."}`, n, testDomain)
	}
	if len(respBody) > 0 && respBody[0] == '{' {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, respBody)
}

func (f *fakeAPI) lastForm() []formPart {
	f.mu.Lock()
	defer f.mu.Unlock()
	require.NotEmpty(f.t, f.forms)
	return f.forms[len(f.forms)-1]
}

func newTestSender(t *testing.T, f *fakeAPI, opts ...Option) *Sender {
	s, err := New(testDomain, testKey, append([]Option{WithBaseURL(f.srv.URL)}, opts...)...)
	require.NoError(t, err)
	return s
}

func TestSendFullMessage(t *testing.T) {
	f := newFakeAPI(t)
	f.respond(http.StatusOK, queued)
	s := newTestSender(t, f)
	rcpt, err := s.Send(context.Background(), fullMessage())
	require.NoError(t, err)
	require.Equal(t, &email.Receipt{Provider: "mailgun", MessageID: "<20261129024200.1.ABCDEF@mg.acme.example>"}, rcpt)
	require.Equal(t, wantFullForm, f.lastForm())
}

func TestSendAcceptedWithoutID(t *testing.T) {
	f := newFakeAPI(t)
	f.respond(http.StatusOK, "OK")
	s := newTestSender(t, f)
	rcpt, err := s.Send(context.Background(), fullMessage())
	require.NoError(t, err, "a 2xx means Mailgun took the message")
	require.Equal(t, "", rcpt.MessageID)
}

func TestSendProviderErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		kind   error
	}{
		{"invalid recipient", 400, bodyInvalidTo, email.ErrRejectedRecipient},
		{"missing parameter", 400, bodyMissingFrom, email.ErrPermanent},
		{"bad key", 401, bodyForbidden, email.ErrAuthentication},
		{"forbidden", 403, `{"message":"Forbidden"}`, email.ErrAuthentication},
		{"unknown domain", 404, bodyDomainMissing, email.ErrPermanent},
		{"rate limited", 429, bodyRateLimited, email.ErrTemporary},
		{"server error", 500, bodyServerError, email.ErrTemporary},
		{"unavailable", 503, "", email.ErrTemporary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.respond(tt.status, tt.body)
			var logs bytes.Buffer
			s := newTestSender(t, f, WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			rcpt, err := s.Send(context.Background(), fullMessage())
			require.Nil(t, rcpt)
			require.ErrorIs(t, err, tt.kind)
			require.NotErrorIs(t, err, email.ErrInvalidMessage, "only a *ValidationError is ErrInvalidMessage")
			var se *email.SendError
			require.ErrorAs(t, err, &se)
			require.Equal(t, tt.status, se.StatusCode)
			require.Equal(t, "mailgun", se.Provider)
			var st *httpclient.StatusError
			require.ErrorAs(t, err, &st)
			require.EqualValues(t, 1, f.hits.Load(), "a POST without idempotency key is never retried")
			require.NotContains(t, err.Error(), testKey)
			require.NotContains(t, fmt.Sprintf("%+v %#v", err, se), testKey)
			require.NotContains(t, logs.String(), testKey)
			require.Contains(t, logs.String(), "email send failed")
		})
	}
}

func TestSendRefusesInvalidMessageBeforeHTTP(t *testing.T) {
	tests := []struct {
		name string
		edit func(m *email.Message)
	}{
		{"CRLF in subject", func(m *email.Message) { m.Subject = "Hi\r\nBcc: victim@example.com" }},
		{"LF in subject", func(m *email.Message) { m.Subject = "Hi\nX-Evil: 1" }},
		{"bad to address", func(m *email.Message) { m.To = []string{"not an address"} }},
		{"CRLF in to address", func(m *email.Message) { m.To = []string{"a@example.com\r\nBcc: x@example.com"} }},
		{"bad from", func(m *email.Message) { m.From = "Acme <acme>" }},
		{"CRLF in header value", func(m *email.Message) { m.Headers = map[string]string{"X-A": "1\r\nBcc: x@example.com"} }},
		{"header name with colon", func(m *email.Message) { m.Headers = map[string]string{"X-A: 1\r\nBcc": "1"} }},
		{"CRLF in tag", func(m *email.Message) { m.Tags = []string{"a\r\nb"} }},
		{"no recipient", func(m *email.Message) { m.To, m.Cc, m.Bcc = nil, nil, nil }},
		{"cc only: Mailgun needs a To", func(m *email.Message) { m.To = nil }},
		{"nil message", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			s := newTestSender(t, f)
			var m *email.Message
			if tt.edit != nil {
				m = fullMessage()
				tt.edit(m)
			}
			_, err := s.Send(context.Background(), m)
			require.ErrorIs(t, err, email.ErrInvalidMessage)
			var ve *email.ValidationError
			require.ErrorAs(t, err, &ve)
			require.Zero(t, f.hits.Load(), "nothing may reach the API")
		})
	}
}

func TestSendTransportFailure(t *testing.T) {
	f := newFakeAPI(t)
	s := newTestSender(t, f)
	f.srv.Close()
	_, err := s.Send(context.Background(), fullMessage())
	require.ErrorIs(t, err, email.ErrTemporary)
	require.NotContains(t, err.Error(), testKey)
}

func TestNew(t *testing.T) {
	_, err := New(testDomain, "")
	require.Error(t, err)
	_, err = New(testDomain, "a\nb")
	require.Error(t, err)
	for _, d := range []string{"", "mg.acme.example/../x", "a b", "x?y", "x#y", "é.example"} {
		_, err = New(d, testKey)
		require.Error(t, err, d)
	}
	for _, u := range []string{"", "api.mailgun.net", "ftp://x", "http://"} {
		_, err = New(testDomain, testKey, WithBaseURL(u))
		require.Error(t, err, u)
	}

	s, err := New(testDomain, testKey)
	require.NoError(t, err)
	require.Equal(t, "https://api.mailgun.net/v3/mg.acme.example/messages", s.endpoint)
	s, err = New(testDomain, testKey, WithEU())
	require.NoError(t, err)
	require.Equal(t, "https://api.eu.mailgun.net/v3/mg.acme.example/messages", s.endpoint)
	for _, out := range []string{s.String(), fmt.Sprintf("%v %+v %#v", s, s, s)} {
		require.NotContains(t, out, testKey)
		require.NotContains(t, out, s.auth)
	}
}

func TestWithHTTPClient(t *testing.T) {
	f := newFakeAPI(t)
	var used atomic.Bool
	hc := httpclient.New(httpclient.WithTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used.Store(true)
		return http.DefaultTransport.RoundTrip(r)
	})))
	_, err := newTestSender(t, f, WithHTTPClient(hc)).Send(context.Background(), fullMessage())
	require.NoError(t, err)
	require.True(t, used.Load())

	used.Store(false)
	s := newTestSender(t, f, WithHTTPOptions(httpclient.WithTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used.Store(true)
		return http.DefaultTransport.RoundTrip(r)
	}))))
	_, err = s.Send(context.Background(), fullMessage())
	require.NoError(t, err)
	require.True(t, used.Load())
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
