package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/emailtest"
	"github.com/switchboard-go/switchboard/internal/testenv"
)

const testToken = "test-token"

type testApp struct {
	*app
	url    string
	mailer *emailtest.Recorder
	srv    *http.Server
	once   sync.Once
}

// stop shuts the app down; it runs at the end of the test, or earlier for
// tests that restart the app on the same DATA_DIR.
func (ta *testApp) stop(t *testing.T) {
	ta.once.Do(func() {
		// The tests' requests go through http.DefaultClient, whose
		// Transport may hold connections it dialed but never used: the
		// server counts those as new, not idle, and Shutdown would wait
		// for them.
		http.DefaultClient.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, ta.srv.Shutdown(ctx))
		require.NoError(t, ta.app.Close())
	})
}

// startApp runs the app on a free loopback port with the given environment
// on top of a fresh data directory, and stops it when the test ends.
func startApp(t *testing.T, env map[string]string, mailer *emailtest.Recorder) *testApp {
	t.Helper()
	return startAppLogging(t, env, mailer, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// startAppLogging is startApp with the app logging to logger.
func startAppLogging(t *testing.T, env map[string]string, mailer *emailtest.Recorder, logger *slog.Logger) *testApp {
	t.Helper()
	return startAppWith(t, env, mailer, nil, logger)
}

// startAppWith is startAppLogging with the app's email going to sender,
// which also hands each message to mailer (nil: to mailer alone).
func startAppWith(t *testing.T, env map[string]string, mailer *emailtest.Recorder, sender email.Sender, logger *slog.Logger) *testApp {
	t.Helper()
	base := map[string]string{"DATA_DIR": t.TempDir(), "DEMO_TOKEN": testToken}
	for k, v := range env {
		base[k] = v
	}
	cfg, err := configFromEnv(func(k string) string { return base[k] })
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	url := "http://" + ln.Addr().String()
	if mailer == nil {
		mailer = emailtest.NewRecorder()
	}
	if sender == nil {
		sender = mailer
	}
	a, err := newApp(context.Background(), cfg, appDeps{logger: logger, baseURL: url, mailer: sender})
	require.NoError(t, err)
	srv := &http.Server{Handler: a, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	ta := &testApp{app: a, url: url, mailer: mailer, srv: srv}
	t.Cleanup(func() { ta.stop(t) })
	return ta
}

func (ta *testApp) do(t *testing.T, method, path, body string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, ta.url+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func (ta *testApp) createIntent(t *testing.T, key string) createIntentResponse {
	t.Helper()
	resp, body := ta.do(t, "POST", "/payments/create-intent", `{"amount": 2999, "currency": "usd", "email": "a@b.co"}`,
		map[string]string{"Idempotency-Key": key})
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(body))
	var out createIntentResponse
	require.NoError(t, json.Unmarshal(body, &out))
	require.NotEmpty(t, out.PaymentID)
	return out
}

func (ta *testApp) listOrders(t *testing.T) []Order {
	t.Helper()
	resp, body := ta.do(t, "GET", "/orders", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	var orders []Order
	require.NoError(t, json.Unmarshal(body, &orders))
	return orders
}

// redeliver sends the sandbox's last delivery of type typ to the webhook
// endpoints n times concurrently, freshly signed, spread over the targets,
// and returns the status codes.
func redeliver(t *testing.T, signer *testApp, typ string, n int, targets ...string) []int {
	return deliverAs(t, signer, typ, "", n, targets...)
}

// deliverAs is redeliver with the webhook id replaced by id (when not
// empty), which makes the delivery a new event for the receiver.
func deliverAs(t *testing.T, signer *testApp, typ, newID string, n int, targets ...string) []int {
	t.Helper()
	var body []byte
	var id string
	for _, d := range signer.sandbox.Deliveries() {
		if d.Type == typ {
			body, id = d.Body, d.ID
		}
	}
	require.NotNil(t, body, "no %s delivery recorded", typ)
	if newID != "" {
		id = newID
	}
	header := signer.sandbox.SignedHeaders(id, time.Now(), body)
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := http.NewRequest("POST", targets[i%len(targets)]+"/webhooks/sandbox", bytes.NewReader(body))
			if err != nil {
				return
			}
			for k, vs := range header {
				req.Header[k] = vs
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	return codes
}

func TestCheckoutEndToEnd(t *testing.T) {
	ta := startApp(t, nil, nil)

	resp, body := ta.do(t, "GET", "/healthz", "", map[string]string{"Authorization": ""})
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))

	intent := ta.createIntent(t, "order-1")
	require.Equal(t, "requires_action", intent.Status)
	require.NotEmpty(t, intent.ClientSecret)

	// The same Idempotency-Key replays the first answer: no second payment.
	resp, body = ta.do(t, "POST", "/payments/create-intent", `{"amount": 2999, "currency": "usd", "email": "a@b.co"}`,
		map[string]string{"Idempotency-Key": "order-1"})
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.Equal(t, "true", resp.Header.Get("Idempotent-Replayed"))
	var replay createIntentResponse
	require.NoError(t, json.Unmarshal(body, &replay))
	require.Equal(t, intent.PaymentID, replay.PaymentID)

	// Succeed it: the sandbox delivers a signed webhook to the app.
	resp, body = ta.do(t, "POST", "/sandbox/payments/"+intent.PaymentID+"/succeed", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	require.Contains(t, string(body), `"delivered"`)

	// The provider delivers the same event 20 more times, concurrently.
	for _, code := range redeliver(t, ta, "payment.succeeded", 20, ta.url) {
		require.Equal(t, http.StatusOK, code)
	}

	orders := ta.listOrders(t)
	require.Len(t, orders, 1)
	require.Equal(t, intent.PaymentID, orders[0].PaymentID)
	require.EqualValues(t, 2999, orders[0].Amount)
	require.Equal(t, "USD", orders[0].Currency)
	require.Equal(t, "a@b.co", orders[0].Email)
	require.Equal(t, "paid", orders[0].Status)

	msgs := ta.mailer.Messages()
	require.Len(t, msgs, 1, "exactly one receipt")
	require.Equal(t, []string{"a@b.co"}, msgs[0].To)
	require.Contains(t, msgs[0].Subject, "29.99 USD")
	require.Contains(t, msgs[0].HTML, intent.PaymentID)
	require.NotEmpty(t, msgs[0].Text)
}

func TestCheckoutPaymentFailed(t *testing.T) {
	ta := startApp(t, nil, nil)
	intent := ta.createIntent(t, "order-f")
	resp, body := ta.do(t, "POST", "/sandbox/payments/"+intent.PaymentID+"/fail", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	for _, code := range redeliver(t, ta, "payment.failed", 5, ta.url) {
		require.Equal(t, http.StatusOK, code)
	}
	require.Empty(t, ta.listOrders(t))
	msgs := ta.mailer.Messages()
	require.Len(t, msgs, 1)
	require.Contains(t, msgs[0].Subject, "did not go through")
}

func TestCheckoutRejects(t *testing.T) {
	ta := startApp(t, nil, nil)
	cases := []struct {
		name   string
		method string
		path   string
		body   string
		header map[string]string
		status int
	}{
		{"no token", "POST", "/payments/create-intent", `{"amount":1,"currency":"usd","email":"a@b.co"}`, map[string]string{"Authorization": ""}, 401},
		{"wrong token", "GET", "/orders", "", map[string]string{"Authorization": "Bearer nope"}, 401},
		{"bad json", "POST", "/payments/create-intent", `{"amount":`, map[string]string{"Idempotency-Key": "k1"}, 400},
		{"unknown field", "POST", "/payments/create-intent", `{"amount":1,"currency":"usd","email":"a@b.co","x":1}`, map[string]string{"Idempotency-Key": "k2"}, 400},
		{"bad email", "POST", "/payments/create-intent", `{"amount":100,"currency":"usd","email":"not-an-email"}`, map[string]string{"Idempotency-Key": "k3"}, 400},
		{"header injection in email", "POST", "/payments/create-intent", `{"amount":100,"currency":"usd","email":"a@b.co\r\nBcc: x@y.z"}`, map[string]string{"Idempotency-Key": "k4"}, 400},
		{"zero amount", "POST", "/payments/create-intent", `{"amount":0,"currency":"usd","email":"a@b.co"}`, map[string]string{"Idempotency-Key": "k5"}, 400},
		{"unknown currency", "POST", "/payments/create-intent", `{"amount":100,"currency":"xyz","email":"a@b.co"}`, map[string]string{"Idempotency-Key": "k6"}, 400},
		{"unknown payment", "POST", "/sandbox/payments/pay_missing/succeed", "", nil, 404},
		{"unsigned webhook", "POST", "/webhooks/sandbox", `{"type":"payment.succeeded"}`, map[string]string{"Authorization": ""}, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.do(t, tc.method, tc.path, tc.body, tc.header)
			require.Equal(t, tc.status, resp.StatusCode, string(body))
			if tc.status != 400 || !strings.HasPrefix(tc.path, "/webhooks") {
				require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
			}
		})
	}
	require.Empty(t, ta.listOrders(t))
	require.Zero(t, ta.mailer.Len())
}

// Two replicas share one store (and one orders database): the same event
// delivered to both, concurrently, creates one order and one receipt.
func TestCheckoutTwoReplicas(t *testing.T) {
	stores := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite://" + t.TempDir() + "/shared.db" },
		"postgres": func(t *testing.T) string { return testenv.PostgresURL(t) },
		"redis":    func(t *testing.T) string { return testenv.RedisURL(t) },
	}
	for name, storeURL := range stores {
		t.Run(name, func(t *testing.T) {
			env := map[string]string{"STORE_URL": storeURL(t), "SANDBOX_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
			dir := t.TempDir()
			env["DATA_DIR"] = dir
			mailer := emailtest.NewRecorder()
			r1 := startApp(t, env, mailer)
			r2 := startApp(t, env, mailer)

			intent := r1.createIntent(t, fmt.Sprintf("two-replicas-%s-%d", name, time.Now().UnixNano()))
			resp, body := r1.do(t, "POST", "/sandbox/payments/"+intent.PaymentID+"/succeed", "", nil)
			require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
			require.Equal(t, 1, mailer.Len())
			// Redeliveries of the processed event, to both replicas: nothing runs.
			for _, code := range redeliver(t, r1, "payment.succeeded", 10, r1.url, r2.url) {
				require.Equal(t, http.StatusOK, code)
			}
			require.Equal(t, 1, mailer.Len())
			// A new event (fresh webhook id) delivered 20 times at once to both
			// replicas runs exactly once: one more receipt, still one order.
			codes := deliverAs(t, r1, "payment.succeeded", fmt.Sprintf("msg_race_%d", time.Now().UnixNano()), 20, r1.url, r2.url)
			ok := 0
			for _, code := range codes {
				if code == http.StatusOK {
					ok++
				}
			}
			require.Positive(t, ok)
			require.Eventually(t, func() bool { return mailer.Len() == 2 }, 10*time.Second, 20*time.Millisecond)
			require.Len(t, r2.listOrders(t), 1)
			time.Sleep(200 * time.Millisecond)
			require.Equal(t, 2, mailer.Len(), "the raced event ran more than once")
		})
	}
}

func TestQuickStartNeverPrintsAConfiguredToken(t *testing.T) {
	for _, tc := range []struct {
		token string
		shown bool
	}{{"", true}, {"s3cr3t-token", false}} {
		var logs, console bytes.Buffer
		vars := map[string]string{"DATA_DIR": t.TempDir(), "STORE_URL": "memory://", "DEMO_TOKEN": tc.token}
		cfg, err := configFromEnv(func(k string) string { return vars[k] })
		require.NoError(t, err)
		a, err := newApp(context.Background(), cfg, appDeps{logger: slog.New(slog.NewTextHandler(&logs, nil)),
			baseURL: "http://127.0.0.1:1", console: &console, mailer: emailtest.NewRecorder()})
		require.NoError(t, err)
		a.printQuickStart()
		a.printSandboxCommands("pay_1")
		require.NoError(t, a.Close())
		if tc.shown {
			require.Contains(t, console.String(), "'Authorization: Bearer demo'")
		} else {
			require.NotContains(t, console.String()+logs.String(), tc.token)
			// In double quotes, so that the shell expands it.
			require.Contains(t, console.String(), `"Authorization: Bearer $DEMO_TOKEN"`)
			require.NotContains(t, console.String(), "Bearer demo")
		}
	}
}

func TestRedactURL(t *testing.T) {
	for _, raw := range []string{
		"postgres://app:hunter2@db:5432/app",
		"postgres://db:5432/app?password=hunter2&sslmode=require",
		"redis://:hunter2@cache:6379/0",
	} {
		got := redactURL(raw)
		require.NotContains(t, got, "hunter2", raw)
		require.NotEmpty(t, got)
	}
}
