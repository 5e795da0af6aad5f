package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/internal/testenv"
)

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
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

// running is the app started by run, as main starts it.
type running struct {
	url     string
	logs    *syncBuffer // JSON log lines
	console *syncBuffer // what a person reads on the terminal besides the log
	cancel  context.CancelFunc
	done    chan error
}

// runApp starts the app through run with vars as its environment and
// stops it when the test ends.
func runApp(t *testing.T, vars map[string]string) *running {
	t.Helper()
	env := map[string]string{"ADDR": "127.0.0.1:0"}
	for k, v := range vars {
		env[k] = v
	}
	r := &running{logs: &syncBuffer{}, console: &syncBuffer{}, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	ready := make(chan string, 1)
	logger := slog.New(slog.NewJSONHandler(r.logs, nil))
	go func() {
		r.done <- run(ctx, func(k string) string { return env[k] }, logger, r.console, func(u string) { ready <- u })
	}()
	select {
	case r.url = <-ready:
	case err := <-r.done:
		t.Fatalf("the app did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the app did not start in 30s")
	}
	t.Cleanup(func() { r.stop(t) })
	return r
}

func (r *running) stop(t *testing.T) {
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("the app did not stop in 30s")
	}
}

// commandLines returns the printed command lines: the console's lines that
// start, after their indentation, with "curl ".
func (r *running) commandLines() []string {
	var out []string
	for _, l := range strings.Split(r.console.String(), "\n") {
		if c := strings.TrimSpace(l); strings.HasPrefix(c, "curl ") {
			out = append(out, c)
		}
	}
	return out
}

// line returns the last printed command line holding every part.
func (r *running) line(t *testing.T, parts ...string) string {
	t.Helper()
	lines := r.commandLines()
	for i := len(lines) - 1; i >= 0; i-- {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(lines[i], p)
		}
		if ok {
			return lines[i]
		}
	}
	t.Fatalf("no printed command line holds %q; the console shows:\n%s", parts, r.console.String())
	return ""
}

// logRecords returns the JSON log lines with the given message.
func (r *running) logRecords(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(r.logs.String()))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), sc.Text())
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	require.NoError(t, sc.Err())
	return out
}

// shell runs a printed command line as a person pasting it would: through
// sh, with curl. Without them the test is skipped, or fails when services
// are required.
func shell(t *testing.T, line string, env ...string) string {
	t.Helper()
	for _, tool := range []string{"sh", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			if testenv.Required() {
				t.Fatalf("%s is not on PATH but %s=1", tool, testenv.EnvRequire)
			}
			t.Skipf("skipping: %s is not on PATH to run the printed command lines", tool)
		}
	}
	cmd := exec.Command("sh", "-c", line)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		t.Fatalf("%s: %v\n%s", line, err, exit.Stderr)
	}
	require.NoError(t, err, line)
	return string(out)
}

// The quick start, twice on the same DATA_DIR: every printed command line
// is pasted as it is, and the second run works like the first. The
// sandbox keeps payments in memory while the Idempotency-Key store
// persists: the second run's "order-1" must make a new payment that this
// run's sandbox knows, not replay the first run's, which is gone.
func TestQuickStartTwiceOnTheSameDataDir(t *testing.T) {
	dir := t.TempDir()
	for run := 1; run <= 2; run++ {
		app := runApp(t, map[string]string{"DATA_DIR": dir})

		// The first thing printed is the storefront's address.
		require.Contains(t, app.console.String(), "Open "+app.url+"/ in a browser and buy something.")
		resp, err := http.Get(app.url + "/")
		require.NoError(t, err)
		page, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Contains(t, string(page), "Switchboard T-shirt")

		var intent createIntentResponse
		out := shell(t, app.line(t, "/payments/create-intent"))
		require.NoError(t, json.Unmarshal([]byte(out), &intent), out)
		require.Equal(t, "requires_action", intent.Status, out)

		// The app printed the lines for this payment; the sandbox knows it.
		out = shell(t, app.line(t, "/sandbox/payments/"+intent.PaymentID+"/succeed"))
		require.JSONEq(t, `{"payment_id":"`+intent.PaymentID+`","status":"succeeded","webhook":"delivered"}`, out, "run %d", run)

		var orders []Order
		out = shell(t, app.line(t, "/orders"))
		require.NoError(t, json.Unmarshal([]byte(out), &orders), out)
		require.Len(t, orders, run, "one order per run, kept across restarts")
		require.Equal(t, intent.PaymentID, orders[run-1].PaymentID)

		// Within one run the key still replays the same payment.
		var again createIntentResponse
		out = shell(t, app.line(t, "/payments/create-intent"))
		require.NoError(t, json.Unmarshal([]byte(out), &again), out)
		require.Equal(t, intent.PaymentID, again.PaymentID)
		app.stop(t)
	}
}

// The console shows command lines exactly as they are typed: no escaped
// quotes, the real address, and the demo token only when it is the
// built-in one.
func TestPrintedCommandLinesPasteAsTheyAre(t *testing.T) {
	app := runApp(t, map[string]string{"DATA_DIR": t.TempDir()})
	require.Equal(t, []string{
		`curl -s -H 'Authorization: Bearer demo' -H 'Idempotency-Key: order-1' -d '{"amount":2999,"currency":"usd","email":"a@b.co"}' ` + app.url + `/payments/create-intent`,
		`curl -s -X POST -H 'Authorization: Bearer demo' ` + app.url + `/sandbox/payments/PAYMENT_ID/succeed`,
		`curl -s -H 'Authorization: Bearer demo' ` + app.url + `/orders`,
	}, app.commandLines())
	require.NotContains(t, app.console.String(), `\"`)

	// A configured token stays out of the output; the shell supplies it.
	const token = "a-token-of-my-own"
	app = runApp(t, map[string]string{"DATA_DIR": t.TempDir(), "DEMO_TOKEN": token})
	create := app.line(t, "/payments/create-intent")
	require.Contains(t, create, `-H "Authorization: Bearer $DEMO_TOKEN"`)
	require.NotContains(t, app.console.String()+app.logs.String(), token)
	var intent createIntentResponse
	out := shell(t, create, "DEMO_TOKEN="+token)
	require.NoError(t, json.Unmarshal([]byte(out), &intent), out)
	require.NotEmpty(t, intent.PaymentID)
}

// The log tells one story: the store URL as written, the sandbox's events
// under the sandbox's name, and an email written to the log is not also
// reported as sent.
func TestLogLinesSayWhatHappened(t *testing.T) {
	app := runApp(t, map[string]string{"DATA_DIR": t.TempDir(), "STORE_URL": "memory://"})
	listening := app.logRecords(t, "checkout listening")
	require.Len(t, listening, 1)
	require.Equal(t, "memory://", listening[0]["store"])
	require.Equal(t, app.url, listening[0]["url"])

	var intent createIntentResponse
	out := shell(t, app.line(t, "/payments/create-intent"))
	require.NoError(t, json.Unmarshal([]byte(out), &intent), out)
	shell(t, app.line(t, "/sandbox/payments/"+intent.PaymentID+"/succeed"))

	created := app.logRecords(t, "payment created")
	require.Len(t, created, 1)
	require.Equal(t, "sandbox", created[0]["provider"])
	require.Equal(t, intent.PaymentID, created[0]["payment_id"])

	events := app.logRecords(t, "webhook event")
	require.Len(t, events, 1)
	require.Equal(t, "sandbox", events[0]["provider"], "the sandbox's events carry its name")
	require.Equal(t, "payment.succeeded", events[0]["type"])
	require.Equal(t, "processed", events[0]["outcome"])

	logged := app.logRecords(t, "email not sent, written to the log instead (set SMTP_URL to send)")
	require.Len(t, logged, 1)
	require.Equal(t, "a@b.co", logged[0]["to"])
	require.Empty(t, app.logRecords(t, "email sent"), "an email written to the log was not sent")
	require.NotContains(t, app.logs.String(), "standardwebhooks")
}

// Through a real sender the log says the email was sent, by whom.
func TestLogSaysEmailSentThroughARealSender(t *testing.T) {
	logs := &syncBuffer{}
	ta := startAppLogging(t, nil, nil, slog.New(slog.NewJSONHandler(logs, nil)))
	intent := ta.createIntent(t, "sent-1")
	resp, body := ta.do(t, "POST", "/sandbox/payments/"+intent.PaymentID+"/succeed", "", nil)
	require.Equal(t, 200, resp.StatusCode, string(body))
	r := &running{logs: logs}
	sent := r.logRecords(t, "email sent")
	require.Len(t, sent, 1)
	require.Equal(t, "recorder", sent[0]["provider"])
	require.Equal(t, "receipt", sent[0]["template"])
}
