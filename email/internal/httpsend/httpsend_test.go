package httpsend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/httpclient"
)

func TestSanitize(t *testing.T) {
	long := strings.Repeat("é", MaxMessage) // 2 bytes a rune: cut inside a rune
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"plain", "Invalid address", "Invalid address"},
		{"control characters", "x\r\ny\tz\x00", "x  y z"},
		{"trimmed", "  \n hello \t", "hello"},
		{"invalid UTF-8", "\xff", "\uFFFD"},
		{"invalid inside", "a\xfe\xffb", "a\uFFFDb"},
		{"exactly max", strings.Repeat("a", MaxMessage), strings.Repeat("a", MaxMessage)},
		{"over max", strings.Repeat("a", MaxMessage+1), strings.Repeat("a", MaxMessage) + "…"},
		{"over max in a rune", long, long[:MaxMessage] + "…"},
		{"over max after a one-byte rune", "a" + long, "a" + long[:MaxMessage-2] + "…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Sanitize(tc.in)
			require.Equal(t, tc.want, got)
			require.True(t, utf8.ValidString(got))
			require.LessOrEqual(t, len(got), MaxMessage+len("…"))
		})
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"", "x\r\ny", "\xff", strings.Repeat("é", MaxMessage), strings.Repeat("a", MaxMessage+3)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Sanitize(s)
		if !utf8.ValidString(got) || len(got) > MaxMessage+len("…") {
			t.Fatalf("bad result %q", got)
		}
		if strings.ContainsAny(got, "\r\n\x00") {
			t.Fatalf("control characters in %q", got)
		}
	})
}

// testClassify records its arguments in the SendError it returns.
func testClassify(status int, body []byte, cause error) *email.SendError {
	return &email.SendError{
		Kind:       email.ErrPermanent,
		Provider:   "test",
		StatusCode: status,
		Message:    string(body),
		Err:        cause,
	}
}

func TestFromHTTPError(t *testing.T) {
	st := &httpclient.StatusError{StatusCode: 422, Body: []byte("bad field")}
	wrapped := fmt.Errorf("post: %w", st)
	netErr := errors.New("connection refused")
	tests := []struct {
		name       string
		err        error
		wantKind   error
		wantStatus int
		wantMsg    string
	}{
		{"status error", st, email.ErrPermanent, 422, "bad field"},
		{"wrapped status error", wrapped, email.ErrPermanent, 422, "bad field"},
		{"network error", netErr, email.ErrTemporary, 0, "request failed"},
		{"context canceled", context.Canceled, email.ErrTemporary, 0, "request failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			se := FromHTTPError("test", tc.err, testClassify)
			require.Equal(t, "test", se.Provider)
			require.ErrorIs(t, se, tc.wantKind)
			require.Equal(t, tc.wantStatus, se.StatusCode)
			require.Equal(t, tc.wantMsg, se.Message)
			require.Same(t, tc.err, se.Err, "the original error is kept as the cause")
			require.ErrorIs(t, se, tc.err)
		})
	}
}

func TestClientConfigOptions(t *testing.T) {
	var c ClientConfig
	hc := &http.Client{}
	logger := slog.New(slog.DiscardHandler)
	require.NoError(t, c.SetHTTPClient("pkg", hc))
	c.AddHTTPOptions(httpclient.WithRetries(1))
	c.AddHTTPOptions(httpclient.WithUserAgent("x"), httpclient.WithRetries(2))
	require.NoError(t, c.SetLogger("pkg", logger))
	require.Same(t, hc, c.HTTPClient)
	require.Len(t, c.HTTPOptions, 3)
	require.Same(t, logger, c.Logger)

	tr, err := c.Transport("pkg", "test", "ua", testClassify)
	require.NoError(t, err)
	require.NotNil(t, tr.Client)
	require.Same(t, logger, tr.Logger)
	require.Equal(t, "test", tr.Provider)

	tr, err = ClientConfig{}.Transport("pkg", "test", "ua", testClassify)
	require.NoError(t, err)
	require.NotNil(t, tr.Client)
	require.NotNil(t, tr.Logger, "no logger discards the log")
}

func TestClientConfigErrors(t *testing.T) {
	var c ClientConfig
	for _, err := range []error{c.SetHTTPClient("pkg", nil), c.SetLogger("pkg", nil)} {
		require.ErrorIs(t, err, email.ErrInvalidConfig)
		require.ErrorContains(t, err, "pkg: With")
	}
	for name, opts := range map[string][]httpclient.Option{
		"invalid option": {httpclient.WithTimeout(0)},
		"base URL":       {httpclient.WithBaseURL("https://api.example.com")},
	} {
		_, err := ClientConfig{HTTPOptions: opts}.Transport("pkg", "test", "ua", testClassify)
		require.ErrorIs(t, err, email.ErrInvalidConfig, name)
		require.ErrorContains(t, err, "pkg: ", name)
	}
	_, err := ClientConfig{HTTPOptions: []httpclient.Option{httpclient.WithRetries(-1)}}.Transport("pkg", "test", "ua", testClassify)
	require.ErrorIs(t, err, httpclient.ErrInvalidConfig, "the httpclient error stays reachable")
}

// TestTransportFollowsNoRedirect: a send is a POST with a credential and
// a body, so a redirect, even within the API's origin, is not followed.
func TestTransportFollowsNoRedirect(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	tr, err := ClientConfig{}.Transport("pkg", "test", "ua", testClassify)
	require.NoError(t, err)
	_, err = tr.Send(context.Background(), Request{URL: srv.URL + "/send", Body: []byte("x"), ContentType: "text/plain",
		AuthHeader: "X-Auth", AuthValue: "k"}, nil)
	require.ErrorIs(t, err, httpclient.ErrRedirectRefused)
	require.ErrorIs(t, err, email.ErrPermanent)
	require.ErrorContains(t, err, "redirect to "+srv.URL+"/elsewhere not followed")
	var se *email.SendError
	require.ErrorAs(t, err, &se)
	require.Equal(t, http.StatusTemporaryRedirect, se.StatusCode)
	require.EqualValues(t, 1, hits.Load())
}

func TestTransportSend(t *testing.T) {
	const secret = "secret-token-must-never-leak"
	tests := []struct {
		name     string
		status   int
		body     string
		accept   AcceptFunc
		wantID   string
		wantKind error
		wantLog  string
	}{
		{
			name: "sent", status: http.StatusAccepted, body: `{"id":"m-1"}`,
			accept: func(_ context.Context, r *httpclient.Response) (string, *email.SendError) {
				return r.Header.Get("X-Id"), nil
			},
			wantID: "m-1", wantLog: "email sent",
		},
		{
			name: "error status", status: http.StatusUnprocessableEntity, body: "bad field",
			accept: func(context.Context, *httpclient.Response) (string, *email.SendError) {
				t.Error("accept called for an error status")
				return "", nil
			},
			wantKind: email.ErrPermanent, wantLog: "email send failed",
		},
		{
			name: "failure in a 2xx answer", status: http.StatusOK, body: `{"ErrorCode":406}`,
			accept: func(_ context.Context, r *httpclient.Response) (string, *email.SendError) {
				return "", testClassify(r.StatusCode, r.Body, nil)
			},
			wantKind: email.ErrPermanent, wantLog: "email send failed",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost || r.Header.Get("X-Auth") != secret ||
					r.Header.Get("Content-Type") != "text/plain" || r.Header.Get("Accept") != "application/json" ||
					r.Header.Get("User-Agent") != "ua-test" {
					w.WriteHeader(http.StatusTeapot)
					return
				}
				w.Header().Set("X-Id", "m-1")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			var logs bytes.Buffer
			cfg := ClientConfig{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
			tr, err := cfg.Transport("pkg", "test", "ua-test", testClassify)
			require.NoError(t, err)
			rcpt, err := tr.Send(context.Background(), Request{
				URL: srv.URL + "/send", Body: []byte("hello"), ContentType: "text/plain",
				AuthHeader: "X-Auth", AuthValue: secret,
			}, tc.accept)
			if tc.wantKind != nil {
				require.Nil(t, rcpt)
				var se *email.SendError
				require.ErrorAs(t, err, &se)
				require.ErrorIs(t, err, tc.wantKind)
				require.Equal(t, tc.status, se.StatusCode)
				require.Equal(t, tc.body, se.Message)
			} else {
				require.NoError(t, err)
				require.Equal(t, &email.Receipt{Provider: "test", MessageID: tc.wantID}, rcpt)
			}
			out := logs.String()
			require.Contains(t, out, tc.wantLog)
			require.Contains(t, out, "provider=test")
			require.Contains(t, out, fmt.Sprintf("status=%d", tc.status))
			require.NotContains(t, out, secret)
		})
	}
}

func TestTransportSendNetworkError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens any more
	tr, err := ClientConfig{}.Transport("pkg", "test", "ua", testClassify)
	require.NoError(t, err)
	_, err = tr.Send(context.Background(), Request{URL: url, Body: []byte("x"), ContentType: "text/plain", AuthHeader: "X-Auth", AuthValue: "k"},
		func(context.Context, *httpclient.Response) (string, *email.SendError) {
			t.Error("accept called without an answer")
			return "", nil
		})
	var se *email.SendError
	require.ErrorAs(t, err, &se)
	require.ErrorIs(t, err, email.ErrTemporary)
	require.Equal(t, "request failed", se.Message)
}

// TestTransportNeverRetries: even with retries and automatic idempotency
// keys asked for in the HTTP options, a failed send reaches the API once.
func TestTransportNeverRetries(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	tr, err := ClientConfig{HTTPOptions: []httpclient.Option{httpclient.WithRetries(3),
		httpclient.WithAutoIdempotencyKeys(true), httpclient.WithBackoff(time.Millisecond, time.Millisecond)}}.
		Transport("pkg", "test", "ua", testClassify)
	require.NoError(t, err)
	_, err = tr.Send(context.Background(), Request{URL: srv.URL, Body: []byte("x"), ContentType: "text/plain",
		AuthHeader: "X-Auth", AuthValue: "k"}, nil)
	require.Error(t, err)
	require.EqualValues(t, 1, hits.Load())
}
