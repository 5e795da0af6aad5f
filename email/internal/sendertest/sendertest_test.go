package sendertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/emailtest"
	"github.com/switchboard-go/switchboard/email/internal/httpsend"
	"github.com/switchboard-go/switchboard/httpclient"
)

const secret = "demo-secret-must-never-leak"

// demoSender is the smallest HTTP sender: it validates the message and
// posts it as JSON to /send with a Bearer token.
type demoSender struct {
	url string
	tr  httpsend.Transport
}

func demoClassify(status int, body []byte, cause error) *email.SendError {
	kind := email.ErrPermanent
	switch {
	case status == http.StatusUnauthorized:
		kind = email.ErrAuthentication
	case status == http.StatusTooManyRequests || status >= 500:
		kind = email.ErrTemporary
	case strings.Contains(string(body), "recipient"):
		kind = email.ErrRejectedRecipient
	}
	msg := httpsend.Sanitize(string(body))
	if msg == "" {
		msg = http.StatusText(status)
	}
	return &email.SendError{Kind: kind, Provider: "demo", StatusCode: status, Message: msg, Err: cause}
}

func newDemoSender(t testing.TB, srv *Server, logger *slog.Logger) *demoSender {
	cfg := httpsend.ClientConfig{Logger: logger}
	tr, err := cfg.Transport("demo", "demo", "demo-test", demoClassify)
	require.NoError(t, err)
	return &demoSender{url: srv.URL() + "/send", tr: tr}
}

func (s *demoSender) Send(ctx context.Context, m *email.Message) (*email.Receipt, error) {
	m, err := email.Prepare(m)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return s.tr.Send(ctx, httpsend.Request{URL: s.url, Body: body, ContentType: "application/json",
		AuthHeader: "Authorization", AuthValue: "Bearer " + secret},
		func(_ context.Context, resp *httpclient.Response) (string, *email.SendError) {
			return resp.Header.Get("X-Id"), nil
		})
}

var demoExpect = Expect{
	Method: http.MethodPost,
	Path:   "/send",
	Header: map[string]string{"Authorization": "Bearer " + secret, "Content-Type": "application/json"},
}

// demoReply gives every accepted request a distinct X-Id.
func demoReply(h http.Header, n, status int, body string) string {
	if status/100 == 2 {
		h.Set("X-Id", fmt.Sprintf("demo-%d", n))
	}
	return body
}

var demoSetup = Setup{
	Provider: "demo",
	Secret:   secret,
	Start: func(t *testing.T, logger *slog.Logger) (email.Sender, *Server) {
		srv := NewServer(t, http.StatusOK, demoExpect, demoReply)
		return newDemoSender(t, srv, logger), srv
	},
}

// recorder stands in for a testing.TB to see failures without failing.
type recorder struct {
	testing.TB
	failed []string
}

type stop struct{}

func (r *recorder) Errorf(format string, args ...any) {
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	panic(stop{})
}

func (r *recorder) FailNow() { panic(stop{}) }

// failures runs f with a recorder and returns what it reported.
func failures(t *testing.T, f func(tb testing.TB)) (failed []string) {
	r := &recorder{TB: t}
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(stop); !ok {
				panic(v)
			}
		}
		failed = r.failed
	}()
	f(r)
	return r.failed
}

func TestServerRecordsAndAnswers(t *testing.T) {
	srv := NewServer(t, http.StatusAccepted, demoExpect, func(h http.Header, n, status int, body string) string {
		h.Set("X-Id", fmt.Sprint(n))
		return body + "!"
	})
	post := func() *http.Response {
		req, err := http.NewRequest(http.MethodPost, srv.URL()+"/send", strings.NewReader(`{"a":1}`))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		t.Cleanup(func() { _ = resp.Body.Close() })
		return resp
	}

	resp := post()
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	require.Equal(t, "1", resp.Header.Get("X-Id"))
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, "!", string(b))

	restore := srv.Respond(http.StatusTooManyRequests, "slow down")
	resp = post()
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.Equal(t, "2", resp.Header.Get("X-Id"))
	b, err = io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, "slow down!", string(b))

	restore()
	require.Equal(t, http.StatusAccepted, post().StatusCode)
	require.Equal(t, 3, srv.Hits())
	reqs := srv.Requests()
	require.Len(t, reqs, 3)
	for _, r := range reqs {
		require.Equal(t, http.MethodPost, r.Method)
		require.Equal(t, "/send", r.Path)
		require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	}
	require.Equal(t, reqs[2], srv.Last())
	require.JSONEq(t, `{"a":1}`, string(srv.LastBody()))
}

func TestServerRejectsUnexpectedRequests(t *testing.T) {
	tests := []struct {
		name, method, path, auth string
		check                    func(*http.Request, []byte) error
		want                     string
	}{
		{"method", http.MethodGet, "/send", "Bearer " + secret, nil, "method is not POST"},
		{"path", http.MethodPost, "/other", "Bearer " + secret, nil, "path is not /send"},
		{"credential", http.MethodPost, "/send", "Bearer wrong-" + secret, nil, "header Authorization is missing or wrong (set=true)"},
		{"no credential", http.MethodPost, "/send", "", nil, "header Authorization is missing or wrong (set=false)"},
		{"check", http.MethodPost, "/send", "Bearer " + secret, func(*http.Request, []byte) error { return errors.New("body refused") }, "body refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			e := demoExpect
			e.Check = tt.check
			inspected := false
			e.Inspect = func(Request) { inspected = true }
			srv := NewServer(rec, http.StatusOK, e, nil)
			req, err := http.NewRequest(tt.method, srv.URL()+tt.path, strings.NewReader("{}"))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			require.Equal(t, http.StatusTeapot, resp.StatusCode)
			require.Equal(t, 1, srv.Hits())
			require.Empty(t, srv.Requests())
			require.False(t, inspected)
			require.Len(t, rec.failed, 1)
			require.Contains(t, rec.failed[0], tt.want)
			require.NotContains(t, rec.failed[0], secret, "a mismatch report never quotes a credential")
		})
	}
}

func TestServerClose(t *testing.T) {
	srv := NewServer(t, http.StatusOK, demoExpect, nil)
	srv.Close()
	_, err := http.Post(srv.URL()+"/send", "application/json", strings.NewReader("{}"))
	require.Error(t, err)
	require.Empty(t, failures(t, func(tb testing.TB) { NewServer(tb, http.StatusOK, demoExpect, nil).Close() }))
	require.NotEmpty(t, failures(t, func(tb testing.TB) { NewServer(tb, http.StatusOK, demoExpect, nil).Last() }),
		"Last fails when nothing was accepted")
}

func TestRunners(t *testing.T) {
	t.Run("invalid", func(t *testing.T) { RunInvalidMessages(t, demoSetup, InvalidMessages()) })
	t.Run("transport", func(t *testing.T) { RunTransportFailure(t, demoSetup) })
	t.Run("canceled", func(t *testing.T) { RunContextCanceled(t, demoSetup) })
	t.Run("silent", func(t *testing.T) { RunSilentByDefault(t, demoSetup) })
	t.Run("send errors", func(t *testing.T) {
		RunSendErrors(t, demoSetup, []SendErrorCase{
			{Name: "auth", Status: 401, Body: "no", Kind: email.ErrAuthentication},
			{Name: "recipient", Status: 400, Body: "bad recipient", Kind: email.ErrRejectedRecipient},
			{Name: "temporary", Status: 503, Kind: email.ErrTemporary},
		})
	})
	t.Run("classify", func(t *testing.T) {
		RunClassify(t, "demo", demoClassify, []ClassifyCase{
			{Name: "auth", Status: 401, Kind: email.ErrAuthentication, Message: "Unauthorized"},
			{Name: "any message", Status: 500, Body: "boom", Kind: email.ErrTemporary},
		})
	})
}

func TestInvalidMessagesAreInvalid(t *testing.T) {
	require.NoError(t, email.Validate(FullMessage()))
	names := map[string]bool{}
	for _, c := range InvalidMessages() {
		require.False(t, names[c.Name], "duplicate case %q", c.Name)
		names[c.Name] = true
		var m *email.Message
		if c.Edit != nil {
			m = FullMessage()
			c.Edit(m)
		}
		require.ErrorIs(t, email.Validate(m), email.ErrInvalidMessage, c.Name)
	}
	require.True(t, names["nil message"])
}

func TestConformanceHarness(t *testing.T) {
	srv := NewServer(t, http.StatusOK, demoExpect, demoReply)
	emailtest.Run(t, Conformance(srv,
		func(t *testing.T) email.Sender { return newDemoSender(t, srv, nil) },
		func(t *testing.T, last Request, _ *email.Message) *emailtest.Delivery {
			var m email.Message
			require.NoError(t, json.Unmarshal(last.Body, &m))
			d := &emailtest.Delivery{Subject: m.Subject, Text: m.Text, HTML: m.HTML, Headers: map[string][]string{}}
			for k, v := range m.Headers {
				d.Headers[k] = []string{v}
			}
			bare := func(list []string) []string {
				var out []string
				for _, s := range list {
					a, err := email.ParseAddress("x", s)
					require.NoError(t, err)
					out = append(out, a.Address)
				}
				return out
			}
			if from := bare([]string{m.From}); len(from) == 1 {
				d.From = from[0]
			}
			d.To, d.Cc, d.Bcc, d.ReplyTo = bare(m.To), bare(m.Cc), bare(m.Bcc), bare(m.ReplyTo)
			d.Attachments = m.Attachments
			return d
		},
		map[error]Answer{
			email.ErrTemporary:      {Status: 503},
			email.ErrAuthentication: {Status: 401, Body: "no"},
		},
		secret))
}

func TestSecretChecks(t *testing.T) {
	se := &email.SendError{Kind: email.ErrPermanent, Provider: "demo", Message: "rejected"}
	require.Empty(t, failures(t, func(tb testing.TB) { RequireErrorHides(tb, fmt.Errorf("wrapped: %w", se), secret) }))
	require.NotEmpty(t, failures(t, func(tb testing.TB) { RequireErrorHides(tb, errors.New("key "+secret), secret) }))
	leaky := &email.SendError{Kind: email.ErrPermanent, Provider: "demo", Code: secret}
	require.NotEmpty(t, failures(t, func(tb testing.TB) { RequireErrorHides(tb, fmt.Errorf("wrapped: %w", leaky), secret) }),
		"the SendError's fields are formatted too")
	require.NotEmpty(t, failures(t, func(tb testing.TB) { RequireErrorHides(tb, nil, secret) }), "a nil error is not accepted")

	require.Empty(t, failures(t, func(tb testing.TB) { RequireHidden(tb, hidden{secret}, secret) }))
	require.NotEmpty(t, failures(t, func(tb testing.TB) { RequireHidden(tb, struct{ K string }{secret}, secret) }))
}

// hidden keeps its credential out of every format.
type hidden struct{ key string }

func (hidden) String() string               { return "hidden{key:REDACTED}" }
func (h hidden) GoString() string           { return h.String() }
func (h hidden) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, h.String()) }
func (h hidden) LogValue() slog.Value       { return slog.StringValue(h.String()) }

func TestCheckFuzzedError(t *testing.T) {
	good := &email.SendError{Kind: email.ErrTemporary, Provider: "demo", Message: "fine"}
	require.Empty(t, failures(t, func(tb testing.TB) { CheckFuzzedError(tb, "demo", good) }))
	for name, se := range map[string]*email.SendError{
		"nil":            nil,
		"no kind":        {Provider: "demo"},
		"other provider": {Kind: email.ErrTemporary, Provider: "x"},
		"unknown kind":   {Kind: email.ErrInvalidMessage, Provider: "demo"},
		"bad utf8":       {Kind: email.ErrTemporary, Provider: "demo", Message: "\xff"},
		"too long":       {Kind: email.ErrTemporary, Provider: "demo", Message: strings.Repeat("x", httpsend.MaxMessage+10)},
		"newline":        {Kind: email.ErrTemporary, Provider: "demo", Message: "a\nb"},
	} {
		require.Len(t, failures(t, func(tb testing.TB) { CheckFuzzedError(tb, "demo", se) }), 1, name)
	}
}

func TestRoundTripFunc(t *testing.T) {
	called := false
	rt := RoundTripFunc(func(*http.Request) (*http.Response, error) {
		called = true
		return nil, errors.New("no network")
	})
	_, err := (&http.Client{Transport: rt}).Get("http://example.invalid/")
	require.ErrorContains(t, err, "no network")
	require.True(t, called)
}

func TestCaptureDefaultLogs(t *testing.T) {
	logs := CaptureDefaultLogs(t)
	slog.Info("through slog")
	fmt.Fprintln(os.Stderr, "on stderr")
	out := logs()
	require.Contains(t, out, "through slog")
	require.Contains(t, out, "on stderr")
}
