package postmarkmail

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/httpclient"
)

const okBody = `{"To":"\"Ada Lovelace\" <ada@example.com>, bob@example.com","SubmittedAt":"2026-11-29T02:42:00.1234567-05:00","MessageID":"b7bc2f4a-e38e-4336-af7d-e6c392c2f817","ErrorCode":0,"Message":"OK"}`

// fakeAPI is an httptest server that checks what POST /email requires of
// every request (method, path, server token, JSON) and answers with a
// canned status and body. With no canned body, an accepted request gets
// Postmark's answer with a fresh MessageID.
type fakeAPI struct {
	t    *testing.T
	srv  *httptest.Server
	hits atomic.Int32

	mu     sync.Mutex
	bodies [][]byte
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
	ok := r.Method == http.MethodPost && r.URL.Path == "/email" &&
		r.Header.Get("X-Postmark-Server-Token") == testKey &&
		r.Header.Get("Content-Type") == "application/json" &&
		r.Header.Get("Accept") == "application/json"
	if !ok {
		f.t.Errorf("unexpected request %s %s token set=%t ct=%q", r.Method, r.URL.Path, r.Header.Get("X-Postmark-Server-Token") != "", r.Header.Get("Content-Type"))
		w.WriteHeader(http.StatusTeapot)
		return
	}
	f.mu.Lock()
	f.bodies = append(f.bodies, body)
	status, respBody := f.status, f.body
	f.mu.Unlock()
	if respBody == "" && status == http.StatusOK {
		respBody = fmt.Sprintf(`{"To":"x@example.com","SubmittedAt":"2026-11-29T02:42:00Z","MessageID":"00000000-0000-4000-8000-%012d","ErrorCode":0,"Message":"OK"}`, n)
	}
	w.Header().Set("Content-Type", "application/json")
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
	f.respond(http.StatusOK, okBody)
	s := newTestSender(t, f, WithMessageStream("outbound"))
	rcpt, err := s.Send(context.Background(), fullMessage())
	require.NoError(t, err)
	require.Equal(t, &email.Receipt{Provider: "postmark", MessageID: "b7bc2f4a-e38e-4336-af7d-e6c392c2f817"}, rcpt)
	want, err := os.ReadFile("testdata/full_message.json")
	require.NoError(t, err)
	require.JSONEq(t, string(want), string(f.lastBody()))
}

func TestSendProviderErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		kind   error
		code   string
	}{
		{"missing token", 401, bodyNoToken, email.ErrAuthentication, "10"},
		{"invalid email request", 422, bodyInvalidRequest, email.ErrPermanent, "300"},
		{"sender signature not confirmed", 422, bodySenderUnconfirm, email.ErrPermanent, "401"},
		{"inactive recipient", 422, bodyInactive, email.ErrRejectedRecipient, "406"},
		{"rate limited", 429, bodyRateLimit, email.ErrTemporary, "429"},
		{"server error", 500, bodyServerError, email.ErrTemporary, ""},
		{"unavailable", 503, "", email.ErrTemporary, ""},
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
			require.Equal(t, tt.code, se.Code)
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

func TestSendErrorCodeOnSuccessStatus(t *testing.T) {
	f := newFakeAPI(t)
	f.respond(http.StatusOK, bodyInactive)
	_, err := newTestSender(t, f).Send(context.Background(), fullMessage())
	require.ErrorIs(t, err, email.ErrRejectedRecipient)
	var se *email.SendError
	require.ErrorAs(t, err, &se)
	require.Equal(t, "406", se.Code)
	require.Equal(t, http.StatusOK, se.StatusCode)
}

func TestSendRefusesInvalidMessageBeforeHTTP(t *testing.T) {
	tests := []struct {
		name string
		edit func(m *email.Message)
	}{
		{"CRLF in subject", func(m *email.Message) { m.Subject = "Hi\r\nBcc: victim@example.com" }},
		{"LF in subject", func(m *email.Message) { m.Subject = "Hi\nX-Evil: 1" }},
		{"bad to address", func(m *email.Message) { m.To = []string{"not an address"} }},
		{"comma-joined to address", func(m *email.Message) { m.To = []string{"a@example.com, b@example.com"} }},
		{"CRLF in to address", func(m *email.Message) { m.To = []string{"a@example.com\r\nBcc: x@example.com"} }},
		{"bad from", func(m *email.Message) { m.From = "Acme <acme>" }},
		{"CRLF in header value", func(m *email.Message) { m.Headers = map[string]string{"X-A": "1\r\nBcc: x@example.com"} }},
		{"CRLF in attachment name", func(m *email.Message) { m.Attachments[0].Filename = "a\r\n.pdf" }},
		{"no recipient", func(m *email.Message) { m.To, m.Cc, m.Bcc = nil, nil, nil }},
		{"bcc only: Postmark needs a To", func(m *email.Message) { m.To, m.Cc = nil, nil }},
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
	_, err := New("")
	require.Error(t, err)
	_, err = New("a\r\nb")
	require.Error(t, err)
	_, err = New(testKey, WithMessageStream("x\ny"))
	require.Error(t, err)
	for _, u := range []string{"", "api.postmarkapp.com", "ftp://x", "http://"} {
		_, err = New(testKey, WithBaseURL(u))
		require.Error(t, err, u)
	}
	s, err := New(testKey)
	require.NoError(t, err)
	require.Equal(t, "https://api.postmarkapp.com/email", s.endpoint)
	for _, out := range []string{s.String(), fmt.Sprintf("%v %+v %#v", s, s, s)} {
		require.NotContains(t, out, testKey)
	}
}

func TestWithHTTPClient(t *testing.T) {
	f := newFakeAPI(t)
	var used atomic.Bool
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used.Store(true)
		return http.DefaultTransport.RoundTrip(r)
	})
	_, err := newTestSender(t, f, WithHTTPClient(httpclient.New(httpclient.WithTransport(rt)))).Send(context.Background(), fullMessage())
	require.NoError(t, err)
	require.True(t, used.Load())

	used.Store(false)
	_, err = newTestSender(t, f, WithHTTPOptions(httpclient.WithTransport(rt))).Send(context.Background(), fullMessage())
	require.NoError(t, err)
	require.True(t, used.Load())
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
