package sendgridmail

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/httpclient"
)

// fakeAPI is an httptest server that checks what the Mail Send API
// requires of every request (method, path, Bearer auth, JSON) and answers
// with a canned status and body. Accepted requests get a distinct
// X-Message-Id unless messageID or noID say otherwise.
type fakeAPI struct {
	t    *testing.T
	srv  *httptest.Server
	hits atomic.Int32

	mu        sync.Mutex
	bodies    [][]byte
	status    int
	body      string
	messageID string
	noID      bool
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{t: t, status: http.StatusAccepted}
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

// setID fixes the X-Message-Id of accepted requests, or leaves it out.
func (f *fakeAPI) setID(id string, none bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.messageID, f.noID = id, none
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	n := f.hits.Add(1)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read", http.StatusInternalServerError)
		return
	}
	ok := r.Method == http.MethodPost &&
		r.URL.Path == "/v3/mail/send" &&
		r.Header.Get("Authorization") == "Bearer "+testKey &&
		r.Header.Get("Content-Type") == "application/json" &&
		r.Header.Get("Accept") == "application/json"
	if !ok {
		f.t.Errorf("unexpected request %s %s auth set=%t ct=%q", r.Method, r.URL.Path, r.Header.Get("Authorization") != "", r.Header.Get("Content-Type"))
		w.WriteHeader(http.StatusTeapot)
		return
	}
	f.mu.Lock()
	f.bodies = append(f.bodies, body)
	status, respBody, id, noID := f.status, f.body, f.messageID, f.noID
	f.mu.Unlock()
	if status/100 == 2 && !noID {
		if id == "" {
			id = fmt.Sprintf("sg-msg-%d", n)
		}
		w.Header().Set("X-Message-Id", id)
	}
	if respBody != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, respBody)
}

func (f *fakeAPI) lastBody() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	require.NotEmpty(f.t, f.bodies)
	return f.bodies[len(f.bodies)-1]
}

func newTestSender(t *testing.T, f *fakeAPI, opts ...Option) *Sender {
	s, err := New(testKey, append([]Option{WithBaseURL(f.srv.URL)}, opts...)...)
	require.NoError(t, err)
	return s
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
	require.JSONEq(t, string(want), string(f.lastBody()))
}

func TestSendSandboxMode(t *testing.T) {
	f := newFakeAPI(t)
	f.respond(http.StatusOK, "") // sandbox answers 200 without delivering
	f.setID("", true)
	s := newTestSender(t, f, WithSandboxMode(true))
	rcpt, err := s.Send(context.Background(), fullMessage())
	require.NoError(t, err)
	require.Equal(t, "", rcpt.MessageID)
	require.Contains(t, string(f.lastBody()), `"mail_settings":{"sandbox_mode":{"enable":true}}`)
}

func TestSendProviderErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		kind   error
	}{
		{"invalid recipient", 400, bodyInvalidTo, email.ErrRejectedRecipient},
		{"missing content", 400, bodyNoContent, email.ErrPermanent},
		{"unauthorized", 401, bodyUnauthorized, email.ErrAuthentication},
		{"forbidden", 403, bodyForbidden, email.ErrAuthentication},
		{"payload too large", 413, bodyTooLarge, email.ErrPermanent},
		{"rate limited", 429, bodyRateLimit, email.ErrTemporary},
		{"internal error", 500, "", email.ErrTemporary},
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
			require.Equal(t, "sendgrid", se.Provider)
			var st *httpclient.StatusError
			require.ErrorAs(t, err, &st, "the HTTP error stays reachable")
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
		{"bad cc", func(m *email.Message) { m.Cc = []string{"@@"} }},
		{"CRLF in header value", func(m *email.Message) { m.Headers = map[string]string{"X-A": "1\r\nBcc: x@example.com"} }},
		{"CRLF in header name", func(m *email.Message) { m.Headers = map[string]string{"X-A\r\nBcc": "1"} }},
		{"no recipient", func(m *email.Message) { m.To, m.Cc, m.Bcc = nil, nil, nil }},
		{"bcc only: SendGrid needs a To", func(m *email.Message) { m.To, m.Cc = nil, nil }},
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
			require.NotEmpty(t, ve.Field)
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
	var se *email.SendError
	require.ErrorAs(t, err, &se)
	require.True(t, se.Temporary())
	require.NotContains(t, err.Error(), testKey)
}

func TestSendContextCanceled(t *testing.T) {
	f := newFakeAPI(t)
	s := newTestSender(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Send(ctx, fullMessage())
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, email.ErrTemporary)
}

func TestNew(t *testing.T) {
	_, err := New("")
	require.Error(t, err)
	_, err = New("a\r\nb")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "a\r\nb")
	for _, u := range []string{"", "api.sendgrid.com", "ftp://x", "http://", "://bad"} {
		_, err = New(testKey, WithBaseURL(u))
		require.Error(t, err, u)
	}

	s, err := New(testKey)
	require.NoError(t, err)
	require.Equal(t, "https://api.sendgrid.com/v3/mail/send", s.endpoint)
	s, err = New(testKey, WithEUEndpoint())
	require.NoError(t, err)
	require.Equal(t, "https://api.eu.sendgrid.com/v3/mail/send", s.endpoint)
	s, err = New(testKey, WithBaseURL("http://127.0.0.1:9/proxy/"))
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:9/proxy/v3/mail/send", s.endpoint)

	for _, out := range []string{s.String(), fmt.Sprintf("%v %+v %#v %s", s, s, s, s)} {
		require.NotContains(t, out, testKey)
	}
}

func TestWithHTTPClient(t *testing.T) {
	f := newFakeAPI(t)
	var used atomic.Bool
	hc := httpclient.New(
		httpclient.WithBaseURL("http://ignored.invalid"),
		httpclient.WithTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
			used.Store(true)
			return http.DefaultTransport.RoundTrip(r)
		})),
	)
	s, err := New(testKey, WithBaseURL(f.srv.URL), WithHTTPClient(hc))
	require.NoError(t, err)
	_, err = s.Send(context.Background(), fullMessage())
	require.NoError(t, err)
	require.True(t, used.Load())
	require.EqualValues(t, 1, f.hits.Load())
}

func TestWithHTTPOptions(t *testing.T) {
	f := newFakeAPI(t)
	var used atomic.Bool
	s := newTestSender(t, f, WithHTTPOptions(httpclient.WithTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used.Store(true)
		require.True(t, strings.HasPrefix(r.Header.Get("User-Agent"), "switchboard-go/sendgridmail"))
		return http.DefaultTransport.RoundTrip(r)
	}))))
	_, err := s.Send(context.Background(), fullMessage())
	require.NoError(t, err)
	require.True(t, used.Load())
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
