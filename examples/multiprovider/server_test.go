package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// cmdURL is the base URL of the printed command lines under the default
// ADDR (the tests serve on httptest, ADDR stays the default).
const cmdURL = "http://127.0.0.1:8081"

// Secrets the tests configure.
const (
	testGitHubSecret = "gh-test-secret-7d1f"
	testSlackSecret  = "slack-test-secret-93ab"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lines returns the JSON log lines written so far.
func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), sc.Text())
		out = append(out, m)
	}
	require.NoError(t, sc.Err())
	return out
}

// testServer is the example running on httptest.
type testServer struct {
	*httptest.Server
	logs     *syncBuffer
	console  *syncBuffer
	sendgrid *ecdsa.PrivateKey
}

// env returns a getenv func over m.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// startServer starts the example with the given environment, plus a
// temporary DATA_DIR unless env sets one.
func startServer(t *testing.T, vars map[string]string) *testServer {
	t.Helper()
	if _, ok := vars["DATA_DIR"]; !ok {
		vars["DATA_DIR"] = t.TempDir()
	}
	cfg, err := configFromEnv(env(vars))
	require.NoError(t, err)
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	console := &syncBuffer{}
	h, cleanup, err := newServer(context.Background(), cfg, logger, console)
	require.NoError(t, err)
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		ts.Close()
		require.NoError(t, cleanup())
	})
	return &testServer{Server: ts, logs: logs, console: console}
}

// startConfigured starts the example with known secrets for all three
// providers.
func startConfigured(t *testing.T) *testServer {
	t.Helper()
	priv, pub, err := webhookstest.GenerateSendGridKey()
	require.NoError(t, err)
	s := startServer(t, map[string]string{
		"GITHUB_WEBHOOK_SECRET":       testGitHubSecret,
		"SLACK_SIGNING_SECRET":        testSlackSecret,
		"SENDGRID_WEBHOOK_PUBLIC_KEY": pub,
	})
	s.sendgrid = priv
	return s
}

// post sends body with headers h to path and returns the status and body.
func (s *testServer) post(t *testing.T, path string, body []byte, h http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+path, bytes.NewReader(body))
	require.NoError(t, err)
	for k, vs := range h {
		req.Header[k] = vs
	}
	return s.do(t, req)
}

func (s *testServer) get(t *testing.T, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	require.NoError(t, err)
	return s.do(t, req)
}

func (s *testServer) do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := s.Client().Do(req.WithContext(ctx))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// events returns GET /events.
func (s *testServer) events(t *testing.T) []eventRecord {
	t.Helper()
	status, body := s.get(t, "/events")
	require.Equal(t, http.StatusOK, status, body)
	var out []eventRecord
	require.NoError(t, json.Unmarshal([]byte(body), &out), body)
	return out
}

// countID counts the listed events of provider with the given id.
func countID(events []eventRecord, provider, id string) int {
	n := 0
	for _, e := range events {
		if e.Provider == provider && e.ID == id {
			n++
		}
	}
	return n
}

func sample(t *testing.T, provider, typ string) []byte {
	t.Helper()
	b, err := webhookstest.SampleEvent(provider, typ)
	require.NoError(t, err)
	return b
}

func TestGitHubDeliveries(t *testing.T) {
	s := startConfigured(t)

	tests := []struct {
		name, event string
	}{
		{"push", "push"},
		{"pull request", "pull_request"},
		{"ping", "ping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := sample(t, "github", tt.event)
			id := "delivery-" + tt.event
			status, resp := s.post(t, "/webhooks/github", body, webhookstest.SignGitHub(body, testGitHubSecret, tt.event, id))
			require.Equal(t, http.StatusOK, status, resp)

			events := s.events(t)
			require.Equal(t, 1, countID(events, "github", id), "%+v", events)
			require.Equal(t, "github", events[0].Provider, "newest first")
			require.Equal(t, id, events[0].ID)
			require.Equal(t, tt.event, events[0].Type)
			require.WithinDuration(t, time.Now(), events[0].Time, time.Minute)
		})
	}

	t.Run("push is logged with repository and ref", func(t *testing.T) {
		var found bool
		for _, l := range s.logs.lines(t) {
			if l["msg"] == "github push" {
				require.Equal(t, "octo-org/hello-world", l["repository"])
				require.Equal(t, "refs/heads/main", l["ref"])
				found = true
			}
		}
		require.True(t, found, "no github push log line in %s", s.logs.String())
	})
}

func TestGitHubDuplicatesProcessedOnce(t *testing.T) {
	s := startConfigured(t)

	// deliverConcurrently sends the same signed delivery n times at once and
	// retries any 409 (a copy in progress elsewhere), as GitHub would.
	deliverConcurrently := func(t *testing.T, body []byte, h http.Header, n int) {
		t.Helper()
		var wg sync.WaitGroup
		statuses := make([]int, n)
		for i := range n {
			wg.Go(func() {
				for attempt := 0; ; attempt++ {
					req, err := http.NewRequest(http.MethodPost, s.URL+"/webhooks/github", bytes.NewReader(body))
					if err != nil {
						statuses[i] = -1
						return
					}
					req.Header = h.Clone()
					resp, err := s.Client().Do(req)
					if err != nil {
						statuses[i] = -1
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					statuses[i] = resp.StatusCode
					if resp.StatusCode != http.StatusConflict || attempt == 50 {
						return
					}
					time.Sleep(20 * time.Millisecond)
				}
			})
		}
		wg.Wait()
		for i, st := range statuses {
			require.Equal(t, http.StatusOK, st, "delivery %d", i)
		}
	}

	t.Run("redelivery of a processed event", func(t *testing.T) {
		body := sample(t, "github", "push")
		h := webhookstest.SignGitHub(body, testGitHubSecret, "push", "dup-after")
		status, resp := s.post(t, "/webhooks/github", body, h)
		require.Equal(t, http.StatusOK, status, resp)
		require.Equal(t, 1, countID(s.events(t), "github", "dup-after"))

		deliverConcurrently(t, body, h, 5)
		require.Equal(t, 1, countID(s.events(t), "github", "dup-after"))
	})

	t.Run("first delivery arriving five times at once", func(t *testing.T) {
		body := sample(t, "github", "push")
		h := webhookstest.SignGitHub(body, testGitHubSecret, "push", "dup-racing")
		deliverConcurrently(t, body, h, 5)
		require.Equal(t, 1, countID(s.events(t), "github", "dup-racing"))
	})
}

func TestRejectedDeliveries(t *testing.T) {
	s := startConfigured(t)
	body := sample(t, "github", "push")

	tampered := webhookstest.SignGitHub(body, testGitHubSecret, "push", "tampered")
	sig := tampered.Get("X-Hub-Signature-256")
	last := "0"
	if strings.HasSuffix(sig, "0") {
		last = "1"
	}
	tampered.Set("X-Hub-Signature-256", sig[:len(sig)-1]+last)

	tamperedBody := bytes.Replace(body, []byte("refs/heads/main"), []byte("refs/heads/evil"), 1)
	require.NotEqual(t, body, tamperedBody)

	slackBody := sample(t, "slack", "app_mention")
	old := time.Now().Add(-time.Hour)

	tests := []struct {
		name string
		path string
		body []byte
		h    http.Header
	}{
		{"github tampered signature", "/webhooks/github", body, tampered},
		{"github tampered body", "/webhooks/github", tamperedBody, webhookstest.SignGitHub(body, testGitHubSecret, "push", "tampered-body")},
		{"github wrong secret", "/webhooks/github", body, webhookstest.SignGitHub(body, "not-the-secret", "push", "wrong-secret")},
		{"github unsigned", "/webhooks/github", body, http.Header{"Content-Type": {"application/json"}, "X-Github-Event": {"push"}, "X-Github-Delivery": {"unsigned"}}},
		{"slack stale timestamp", "/webhooks/slack", slackBody, webhookstest.SignSlack(slackBody, testSlackSecret, old)},
		{"sendgrid signed by another key", "/webhooks/sendgrid", sample(t, "sendgrid", "delivered"), nil},
	}
	other, _, err := webhookstest.GenerateSendGridKey()
	require.NoError(t, err)
	tests[len(tests)-1].h, err = webhookstest.SignSendGrid(tests[len(tests)-1].body, other, time.Now())
	require.NoError(t, err)

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, resp := s.post(t, tt.path, tt.body, tt.h)
			require.Equal(t, http.StatusBadRequest, status, resp)
		})
	}
	require.Empty(t, s.events(t))
	require.NotContains(t, s.logs.String(), testGitHubSecret)
	require.NotContains(t, s.logs.String(), testSlackSecret)
}

func TestSlack(t *testing.T) {
	s := startConfigured(t)

	t.Run("url_verification challenge echoed", func(t *testing.T) {
		body := []byte(`{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
		status, resp := s.post(t, "/webhooks/slack", body, webhookstest.SignSlack(body, testSlackSecret, time.Now()))
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", resp)
		require.Empty(t, s.events(t), "the challenge is not an event")
	})

	t.Run("event_callback recorded once", func(t *testing.T) {
		for _, typ := range []string{"app_mention", "message"} {
			body := sample(t, "slack", typ)
			var cb struct {
				EventID string `json:"event_id"`
			}
			require.NoError(t, json.Unmarshal(body, &cb))
			for range 2 {
				status, resp := s.post(t, "/webhooks/slack", body, webhookstest.SignSlack(body, testSlackSecret, time.Now()))
				require.Equal(t, http.StatusOK, status, resp)
			}
			events := s.events(t)
			require.Equal(t, 1, countID(events, "slack", cb.EventID), "%+v", events)
			require.Equal(t, typ, events[0].Type)
		}
	})
}

func TestSendGridBatch(t *testing.T) {
	s := startConfigured(t)
	now := time.Now().Unix()
	body := fmt.Appendf(nil, `[
{"email":"a@example.com","timestamp":%[1]d,"event":"delivered","sg_event_id":"sg-delivered-1","sg_message_id":"m1","response":"250 OK"},
{"email":"b@example.com","timestamp":%[1]d,"event":"bounce","sg_event_id":"sg-bounce-1","sg_message_id":"m2","type":"bounce","status":"5.1.1","reason":"550 5.1.1 <b@example.com>: no such user"},
{"email":"c@example.com","timestamp":%[1]d,"event":"processed","sg_event_id":"sg-processed-1","sg_message_id":"m3"}
]`+"\r\n", now)

	for range 2 { // the first delivery, then SendGrid's redelivery
		h, err := webhookstest.SignSendGrid(body, s.sendgrid, time.Now())
		require.NoError(t, err)
		status, resp := s.post(t, "/webhooks/sendgrid", body, h)
		require.Equal(t, http.StatusOK, status, resp)

		events := s.events(t)
		require.Len(t, events, 3)
		types := map[string]string{}
		for _, e := range events {
			require.Equal(t, "sendgrid", e.Provider)
			require.Equal(t, time.Unix(now, 0).UTC(), e.Time)
			types[e.ID] = e.Type
		}
		require.Equal(t, map[string]string{
			"sg-delivered-1": "delivered", "sg-bounce-1": "bounce", "sg-processed-1": "processed",
		}, types)
	}
	require.NotContains(t, s.logs.String(), "example.com", "recipients stay out of the logs")
	require.NotContains(t, s.logs.String(), "no such user", "bounce reasons stay out of the logs")

	t.Run("open", func(t *testing.T) {
		body := sample(t, "sendgrid", "open")
		h, err := webhookstest.SignSendGrid(body, s.sendgrid, time.Now())
		require.NoError(t, err)
		status, resp := s.post(t, "/webhooks/sendgrid", body, h)
		require.Equal(t, http.StatusOK, status, resp)
		events := s.events(t)
		require.Len(t, events, 4)
		require.Equal(t, "open", events[0].Type)
	})
}

func TestRoutes(t *testing.T) {
	s := startConfigured(t)
	tests := []struct {
		name, method, path string
		want               int
		body               string
	}{
		{"unknown route", http.MethodGet, "/nope", http.StatusNotFound, `"not found"`},
		{"unknown webhook provider", http.MethodPost, "/webhooks/stripe", http.StatusNotFound, `"not found"`},
		{"health", http.MethodGet, "/healthz", http.StatusOK, `"ok"`},
		{"events", http.MethodGet, "/events", http.StatusOK, `[]`},
		{"webhook needs POST", http.MethodGet, "/webhooks/github", http.StatusMethodNotAllowed, `"method not allowed"`},
		{"events is read-only", http.MethodPost, "/events", http.StatusMethodNotAllowed, `"method not allowed"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, s.URL+tt.path, nil)
			require.NoError(t, err)
			status, body := s.do(t, req)
			require.Equal(t, tt.want, status, body)
			require.Contains(t, body, tt.body)
		})
	}

	t.Run("request logged with a request id", func(t *testing.T) {
		var found bool
		for _, l := range s.logs.lines(t) {
			if l["msg"] == "request" && l["path"] == "/nope" {
				require.EqualValues(t, http.StatusNotFound, l["status"])
				require.NotEmpty(t, l["request_id"])
				require.Equal(t, "127.0.0.1", l["client_ip"])
				found = true
			}
		}
		require.True(t, found, s.logs.String())
	})
}

func TestZeroConfigGeneratesSecretsAndPrintsTheirCommands(t *testing.T) {
	s := startServer(t, map[string]string{}) // only the temporary DATA_DIR

	var generated []string
	for _, l := range s.logs.lines(t) {
		if env, ok := l["env"].(string); ok && l["level"] == "WARN" {
			generated = append(generated, env)
			require.NotContains(t, l, "secret", "the log holds no secret")
			require.NotContains(t, l, "private_key", "the log holds no secret")
		}
	}
	require.Equal(t, []string{"GITHUB_WEBHOOK_SECRET", "SLACK_SIGNING_SECRET", "SENDGRID_WEBHOOK_PUBLIC_KEY"}, generated, s.logs.String())

	lines := commandLines(s.console.String())
	require.Len(t, lines, 4, s.console.String())
	require.Contains(t, s.console.String(), "Demo secrets were generated for GITHUB_WEBHOOK_SECRET, SLACK_SIGNING_SECRET, SENDGRID_WEBHOOK_PUBLIC_KEY")
	require.Regexp(t, `^go run ./cmd/switchboard webhooks send --provider github --secret [0-9a-f]{32} http://127\.0\.0\.1:8081/webhooks/github$`, lines[0])
	require.Regexp(t, `^go run ./cmd/switchboard webhooks send --provider slack --secret [0-9a-f]{32} http://127\.0\.0\.1:8081/webhooks/slack$`, lines[1])
	require.Regexp(t, `^go run ./cmd/switchboard webhooks send --provider sendgrid --secret [A-Za-z0-9+/=]+ http://127\.0\.0\.1:8081/webhooks/sendgrid$`, lines[2])
	require.Equal(t, "curl -s http://127.0.0.1:8081/events", lines[3])
	githubSecret := strings.Fields(lines[0])[8]
	slackSecret := strings.Fields(lines[1])[8]
	require.NotEqual(t, githubSecret, slackSecret)

	// Each printed secret signs deliveries the server accepts.
	body := sample(t, "github", "ping")
	status, resp := s.post(t, "/webhooks/github", body, webhookstest.SignGitHub(body, githubSecret, "ping", "zero-config"))
	require.Equal(t, http.StatusOK, status, resp)

	body = sample(t, "slack", "app_mention")
	status, resp = s.post(t, "/webhooks/slack", body, webhookstest.SignSlack(body, slackSecret, time.Now()))
	require.Equal(t, http.StatusOK, status, resp)

	der, err := base64.StdEncoding.DecodeString(strings.Fields(lines[2])[8])
	require.NoError(t, err)
	key, err := x509.ParsePKCS8PrivateKey(der)
	require.NoError(t, err)
	priv, ok := key.(*ecdsa.PrivateKey)
	require.True(t, ok)
	body = sample(t, "sendgrid", "delivered")
	h, err := webhookstest.SignSendGrid(body, priv, time.Now())
	require.NoError(t, err)
	status, resp = s.post(t, "/webhooks/sendgrid", body, h)
	require.Equal(t, http.StatusOK, status, resp)

	require.Len(t, s.events(t), 3)
}

// commandLines returns the printed command lines: the indented lines.
func commandLines(console string) []string {
	var out []string
	for _, l := range strings.Split(console, "\n") {
		if strings.HasPrefix(l, "  ") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}

func TestSecretsFromEnvironmentAreNotLogged(t *testing.T) {
	s := startConfigured(t)
	logs := s.logs.String()
	require.NotContains(t, logs, testGitHubSecret)
	require.NotContains(t, logs, testSlackSecret)
	for _, l := range s.logs.lines(t) {
		require.NotContains(t, l, "env", "no demo secret when all are configured: %v", l)
	}

	// A configured secret is left to the shell; SendGrid's configured
	// public key cannot sign, so it has no line.
	require.Equal(t, []string{
		`go run ./cmd/switchboard webhooks send --provider github --secret "$GITHUB_WEBHOOK_SECRET" ` + cmdURL + `/webhooks/github`,
		`go run ./cmd/switchboard webhooks send --provider slack --secret "$SLACK_SIGNING_SECRET" ` + cmdURL + `/webhooks/slack`,
		`curl -s ` + cmdURL + `/events`,
	}, commandLines(s.console.String()))
	require.NotContains(t, s.console.String(), testGitHubSecret)
	require.NotContains(t, s.console.String(), testSlackSecret)
	require.NotContains(t, s.console.String(), "Demo secrets")

	t.Run("only the missing one is generated", func(t *testing.T) {
		s := startServer(t, map[string]string{"GITHUB_WEBHOOK_SECRET": testGitHubSecret})
		var envs []string
		for _, l := range s.logs.lines(t) {
			if env, ok := l["env"].(string); ok {
				envs = append(envs, env)
			}
		}
		require.ElementsMatch(t, []string{"SLACK_SIGNING_SECRET", "SENDGRID_WEBHOOK_PUBLIC_KEY"}, envs)
		require.NotContains(t, s.logs.String()+s.console.String(), testGitHubSecret)
		require.Contains(t, s.console.String(), "Demo secrets were generated for SLACK_SIGNING_SECRET, SENDGRID_WEBHOOK_PUBLIC_KEY")
		require.Contains(t, s.console.String(), `--secret "$GITHUB_WEBHOOK_SECRET"`)
	})
}

func TestNewServerErrors(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"sendgrid key not base64", map[string]string{"SENDGRID_WEBHOOK_PUBLIC_KEY": "not a key!"}, "SENDGRID_WEBHOOK_PUBLIC_KEY"},
		{"sendgrid key not a public key", map[string]string{"SENDGRID_WEBHOOK_PUBLIC_KEY": base64.StdEncoding.EncodeToString([]byte("nope"))}, "SENDGRID_WEBHOOK_PUBLIC_KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.env["DATA_DIR"] = t.TempDir()
			cfg, err := configFromEnv(env(tt.env))
			require.NoError(t, err)
			_, _, err = newServer(context.Background(), cfg, logger, nil)
			require.ErrorContains(t, err, tt.want)
			require.NotContains(t, err.Error(), tt.env["SENDGRID_WEBHOOK_PUBLIC_KEY"])
		})
	}
}
