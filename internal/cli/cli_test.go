package cli

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// runCLI runs the command line in-process and returns its exit code,
// standard output and standard error.
func runCLI(t *testing.T, ctx context.Context, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(ctx, args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// testSecrets holds a provider's signing secret and the matching
// verification secret (they differ only for SendGrid).
type testSecrets struct{ sign, verify string }

func secretsFor(t *testing.T, provider string) testSecrets {
	t.Helper()
	switch provider {
	case "sendgrid":
		priv, pub, err := webhookstest.GenerateSendGridKey()
		require.NoError(t, err)
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		require.NoError(t, err)
		return testSecrets{sign: base64.StdEncoding.EncodeToString(der), verify: pub}
	case "standardwebhooks", "svix":
		s := "whsec_" + base64.StdEncoding.EncodeToString([]byte("a test secret of 24 bytes"))
		return testSecrets{sign: s, verify: s}
	case "africastalking":
		s := "test-token-of-the-africastalking-callback-url"
		return testSecrets{sign: s, verify: s}
	}
	return testSecrets{sign: "test-secret-" + provider, verify: "test-secret-" + provider}
}

const hookURL = "https://hooks.example.com/webhooks/in?tenant=1"

// signed signs body for provider at ts and returns the headers file and
// the body to send.
func signedDelivery(t *testing.T, provider string, s testSecrets, ts int64, body []byte) (headersFile string, sent []byte) {
	t.Helper()
	dir := t.TempDir()
	headersFile = filepath.Join(dir, "headers.txt")
	bodyFile := filepath.Join(dir, "body")
	code, out, errOut := runCLI(t, context.Background(), string(body), "webhooks", "sign",
		"--provider", provider, "--secret", s.sign, "--url", hookURL,
		"--timestamp", strconv.FormatInt(ts, 10), "--id", "msg_fixed", "--body-out", bodyFile)
	require.Equal(t, ExitOK, code, errOut)
	require.NotEmpty(t, out)
	require.NoError(t, os.WriteFile(headersFile, []byte(out), 0o600))
	sent, err := os.ReadFile(bodyFile)
	require.NoError(t, err)
	return headersFile, sent
}

func verifyArgs(provider string, s testSecrets, headersFile string, now int64) []string {
	u := hookURL
	if provider == "africastalking" {
		// The token travels in the URL the notification is sent to.
		u = withToken(hookURL, s.sign)
	}
	return []string{"webhooks", "verify", "--provider", provider, "--secret", s.verify,
		"--url", u, "--now", strconv.FormatInt(now, 10), "--headers-file", headersFile}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	const ts = 1700000000
	for _, name := range providerNames() {
		t.Run(name, func(t *testing.T) {
			s := secretsFor(t, name)
			body, err := webhookstest.SampleEvent(name, "")
			require.NoError(t, err)
			headers, sent := signedDelivery(t, name, s, ts, body)

			code, out, errOut := runCLI(t, context.Background(), string(sent), verifyArgs(name, s, headers, ts+10)...)
			require.Equal(t, ExitOK, code, errOut)
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			require.Len(t, lines, 1)
			id, typ, ok := strings.Cut(lines[0], "\t")
			require.True(t, ok, out)
			require.NotEmpty(t, id)
			require.Equal(t, webhookstest.DefaultEventType(name), typ)
			switch name {
			case "github", "shopify", "standardwebhooks", "svix":
				require.Equal(t, "msg_fixed", id, "--id sets the header-borne ID")
			}
		})
	}
}

func TestVerifyHeaderFlags(t *testing.T) {
	const ts = 1700000000
	body := []byte(`{"id":"evt_flags","object":"event","type":"charge.refunded","data":{"object":{}}}`)
	code, out, errOut := runCLI(t, context.Background(), string(body), "webhooks", "sign",
		"-p", "stripe", "-s", "whsec_x", "--timestamp", strconv.Itoa(ts))
	require.Equal(t, ExitOK, code, errOut)
	var args []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		args = append(args, "--header", line)
	}
	args = append([]string{"webhooks", "verify", "-p", "stripe", "-s", "whsec_x", "--now", strconv.Itoa(ts)}, args...)
	code, out, errOut = runCLI(t, context.Background(), string(body), args...)
	require.Equal(t, ExitOK, code, errOut)
	require.Equal(t, "evt_flags\tcharge.refunded\n", out)
}

func TestSignTwilioJSON(t *testing.T) {
	body := `{"event":"message.delivered","sid":"SM123"}`
	code, out, errOut := runCLI(t, context.Background(), body, "webhooks", "sign",
		"-p", "twilio", "-s", "token", "--url", "https://example.com/twilio")
	require.Equal(t, ExitOK, code, errOut)
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	signedURL := lines[len(lines)-1]
	require.Contains(t, signedURL, "https://example.com/twilio?bodySHA256=")
	headers := filepath.Join(t.TempDir(), "h")
	require.NoError(t, os.WriteFile(headers, []byte(out), 0o600))

	code, out, errOut = runCLI(t, context.Background(), body, "webhooks", "verify",
		"-p", "twilio", "-s", "token", "--url", signedURL, "--headers-file", headers)
	require.Equal(t, ExitOK, code, errOut)
	require.NotEmpty(t, out)

	code, _, errOut = runCLI(t, context.Background(), body+" ", "webhooks", "verify",
		"-p", "twilio", "-s", "token", "--url", signedURL, "--headers-file", headers)
	require.Equal(t, ExitFailure, code)
	require.Contains(t, errOut, "bodySHA256")
}

// tamper changes one byte of the payload, keeping the body parseable.
func tamper(t *testing.T, body []byte) []byte {
	t.Helper()
	for _, pair := range [][2]string{{"example", "exbmple"}, {"Nano", "Nan0"}, {"octo", "octa"}, {"delivered", "delivereX"}, {"river", "rivet"}, {"paid", "pbid"}, {"2000", "2001"}, {"sample", "sampel"}, {"Success", "Failed"}} {
		if bytes.Contains(body, []byte(pair[0])) {
			return bytes.Replace(body, []byte(pair[0]), []byte(pair[1]), 1)
		}
	}
	t.Fatalf("nothing to tamper with in %s", body)
	return nil
}

func TestVerifyTamperedBody(t *testing.T) {
	const ts = 1700000000
	for _, name := range providerNames() {
		t.Run(name, func(t *testing.T) {
			s := secretsFor(t, name)
			body, err := webhookstest.SampleEvent(name, "")
			require.NoError(t, err)
			headers, sent := signedDelivery(t, name, s, ts, body)

			code, out, errOut := runCLI(t, context.Background(), string(tamper(t, sent)), verifyArgs(name, s, headers, ts)...)
			if name == "africastalking" {
				// Africa's Talking signs no body: whoever holds the
				// callback URL's token can send any, which is the
				// residual risk webhooks.AfricasTalkingVerifier documents.
				require.Equal(t, ExitOK, code, errOut)
				require.Contains(t, out, "Failed")
				return
			}
			require.Equal(t, ExitFailure, code)
			require.Empty(t, out)
			require.Contains(t, errOut, "not genuine")
			require.Contains(t, errOut, "invalid signature")
			require.NotContains(t, errOut, s.sign)
		})
	}
}

func TestVerifyWrongSecret(t *testing.T) {
	const ts = 1700000000
	s := secretsFor(t, "paystack")
	body, err := webhookstest.SampleEvent("paystack", "")
	require.NoError(t, err)
	headers, sent := signedDelivery(t, "paystack", s, ts, body)
	wrong := testSecrets{sign: s.sign, verify: "sk_test_other"}
	code, _, errOut := runCLI(t, context.Background(), string(sent), verifyArgs("paystack", wrong, headers, ts)...)
	require.Equal(t, ExitFailure, code)
	require.Contains(t, errOut, "invalid signature")
	require.NotContains(t, errOut, "sk_test_other")
}

func TestVerifyStaleTimestamp(t *testing.T) {
	const ts = 1700000000
	for _, name := range []string{"stripe", "slack", "standardwebhooks", "svix"} {
		for _, skew := range []int64{-3600, 3600} {
			t.Run(name+"/"+strconv.FormatInt(skew, 10), func(t *testing.T) {
				s := secretsFor(t, name)
				body, err := webhookstest.SampleEvent(name, "")
				require.NoError(t, err)
				headers, sent := signedDelivery(t, name, s, ts, body)

				code, _, errOut := runCLI(t, context.Background(), string(sent), verifyArgs(name, s, headers, ts+skew)...)
				require.Equal(t, ExitFailure, code)
				require.Contains(t, errOut, "timestamp out of range")

				// The same delivery verifies at the time it was signed.
				code, _, errOut = runCLI(t, context.Background(), string(sent), verifyArgs(name, s, headers, ts)...)
				require.Equal(t, ExitOK, code, errOut)
			})
		}
	}
}

func TestVerifyToleranceFlag(t *testing.T) {
	const ts = 1700000000
	s := secretsFor(t, "stripe")
	body, err := webhookstest.SampleEvent("stripe", "")
	require.NoError(t, err)
	headers, sent := signedDelivery(t, "stripe", s, ts, body)
	args := append(verifyArgs("stripe", s, headers, ts+3600), "--tolerance", "2h")
	code, _, errOut := runCLI(t, context.Background(), string(sent), args...)
	require.Equal(t, ExitOK, code, errOut)
}

// counter counts processed events and remembers their IDs.
type counter struct {
	mu  sync.Mutex
	ids []string
}

func (c *counter) fn(_ context.Context, e *webhooks.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids = append(c.ids, e.ID)
	return nil
}

func (c *counter) get() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.ids...)
}

// hookServer serves a real webhooks.Handler for provider, with an
// in-memory store, counting events of eventType.
func hookServer(t *testing.T, provider, verifySecret, eventType string) (*httptest.Server, *counter) {
	t.Helper()
	p, err := lookupProvider(provider)
	require.NoError(t, err)
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	var opts []webhooks.VerifierOption
	if p.needsURL {
		// The tests send to srv.URL + hookPath; that is the configured URL.
		opts = append(opts, webhooks.WithPublicURL(srv.URL+hookPath))
	}
	v, err := p.verifier(verifySecret, opts...)
	require.NoError(t, err)
	wh, err := webhooks.NewHandler(v, webhooks.WithLogger(discardLogger()))
	require.NoError(t, err)
	c := &counter{}
	wh.On(eventType, c.fn)
	h = wh
	return srv, c
}

// hookPath is the path the send tests post to.
const hookPath = "/hook"

func TestSendDeduplicatesAgainstHandler(t *testing.T) {
	for _, name := range providerNames() {
		t.Run(name, func(t *testing.T) {
			s := secretsFor(t, name)
			srv, c := hookServer(t, name, s.verify, webhookstest.DefaultEventType(name))
			code, out, errOut := runCLI(t, context.Background(), "", "webhooks", "send",
				"--provider", name, "--secret", s.sign, "--repeat", "20", "--concurrency", "5", srv.URL+hookPath)
			require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			require.NotContains(t, errOut, "warning")
			require.Len(t, c.get(), 1, "one event processed")
			require.Contains(t, out, "summary: 20 of 20 deliveries")
			require.Contains(t, out, "0 failed")
			require.Contains(t, out, "latency: p50=")
			require.Contains(t, out, "event "+c.get()[0]+" ")
			require.Equal(t, 20, strings.Count(out, "\n#"), "a line per delivery")
		})
	}
}

func TestSendURLSigned(t *testing.T) {
	// The verifier checks against its configured public URL, as behind a
	// proxy; the signed URL is that public one, not the address called.
	const public = "https://public.example.com"
	for _, name := range []string{"twilio", "mandrill"} {
		t.Run(name, func(t *testing.T) {
			p, err := lookupProvider(name)
			require.NoError(t, err)
			v, err := p.verifier("key", webhooks.WithPublicURL(public+"/hook"))
			require.NoError(t, err)
			h, err := webhooks.NewHandler(v, webhooks.WithLogger(discardLogger()))
			require.NoError(t, err)
			c := &counter{}
			h.Fallback(c.fn)
			srv := httptest.NewServer(h)
			defer srv.Close()

			code, out, errOut := runCLI(t, context.Background(), "", "webhooks", "send",
				"-p", name, "-s", "key", "--url-signed", public+"/hook", srv.URL+"/hook")
			require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			require.Len(t, c.get(), 1)

			// Signed over the wrong URL, the endpoint rejects it.
			code, out, _ = runCLI(t, context.Background(), "", "webhooks", "send", "-p", name, "-s", "key", srv.URL+"/hook")
			require.Equal(t, ExitFailure, code)
			require.Contains(t, out, "400 Bad Request")
		})
	}
}

func TestSendTwilioJSONData(t *testing.T) {
	srv, c := hookServer(t, "twilio", "token", "delivered")
	code, out, errOut := runCLI(t, context.Background(), "", "webhooks", "send", "-p", "twilio", "-s", "token",
		"--data", `{"MessageSid":"SM1","MessageStatus":"delivered"}`, srv.URL+hookPath)
	require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	require.Contains(t, out, "bodySHA256=")
	require.Len(t, c.get(), 1)
}

func TestSendData(t *testing.T) {
	const custom = `{"id":"evt_custom_1","object":"event","type":"invoice.paid","created":1700000000,"data":{"object":{"id":"in_1"}}}`
	file := filepath.Join(t.TempDir(), "event.json")
	require.NoError(t, os.WriteFile(file, []byte(custom), 0o600))

	tests := []struct {
		name  string
		data  string
		stdin string
	}{
		{"file", "@" + file, ""},
		{"literal", custom, ""},
		{"stdin", "@-", custom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := hookServer(t, "stripe", "whsec_data", "invoice.paid")
			code, out, errOut := runCLI(t, context.Background(), tt.stdin, "webhooks", "send",
				"-p", "stripe", "-s", "whsec_data", "--data", tt.data, srv.URL)
			require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			require.Equal(t, []string{"evt_custom_1"}, c.get())
			require.Contains(t, out, "event evt_custom_1 invoice.paid")
		})
	}

	t.Run("missing file", func(t *testing.T) {
		code, _, errOut := runCLI(t, context.Background(), "", "webhooks", "send",
			"-p", "stripe", "-s", "whsec_data", "--data", "@"+filepath.Join(t.TempDir(), "nope.json"), "http://127.0.0.1:1/")
		require.Equal(t, ExitFailure, code)
		require.Contains(t, errOut, "reading --data")
	})
}

func TestSendReportsRejection(t *testing.T) {
	srv, c := hookServer(t, "stripe", "whsec_right", "payment_intent.succeeded")
	code, out, errOut := runCLI(t, context.Background(), "", "webhooks", "send",
		"-p", "stripe", "-s", "whsec_wrong", "--repeat", "3", srv.URL)
	require.Equal(t, ExitFailure, code)
	require.Empty(t, c.get())
	require.Contains(t, out, "400 Bad Request")
	require.Contains(t, out, "invalid signature")
	require.Contains(t, out, "400 Bad Request: 3")
	require.Contains(t, errOut, "3 of 3 deliveries failed")
	require.NotContains(t, out+errOut, "whsec_wrong")
}

func TestSendTimeoutAndInterrupt(t *testing.T) {
	release := make(chan struct{})
	var arrived atomic.Int64
	started := make(chan struct{}, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Add(1)
		started <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)

	t.Run("timeout", func(t *testing.T) {
		code, out, errOut := runCLI(t, context.Background(), "", "webhooks", "send",
			"-p", "stripe", "-s", "whsec_t", "--timeout", "50ms", "--repeat", "2", srv.URL)
		require.Equal(t, ExitFailure, code)
		require.Contains(t, out, "no answer")
		require.Contains(t, out, "no answer: 2")
		require.Contains(t, errOut, "2 of 2 deliveries failed")
	})

	t.Run("interrupt", func(t *testing.T) {
		for len(started) > 0 {
			<-started
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			<-started
			cancel()
		}()
		code, out, errOut := runCLI(t, ctx, "", "webhooks", "send",
			"-p", "stripe", "-s", "whsec_t", "--timeout", "1m", "--repeat", "1000", "--concurrency", "2", srv.URL)
		require.Equal(t, ExitInterrupted, code)
		require.Contains(t, errOut, "interrupted after")
		require.Contains(t, out, "summary: 0 of 1000 deliveries")
	})
}

func TestSendProgress(t *testing.T) {
	srv, c := hookServer(t, "paystack", "sk_test_p", "charge.success")
	code, out, errOut := runCLI(t, context.Background(), "", "webhooks", "send",
		"-p", "paystack", "-s", "sk_test_p", "--repeat", "200", "--concurrency", "4", "-q", srv.URL)
	require.Equal(t, ExitOK, code, errOut)
	require.Len(t, c.get(), 1)
	require.Contains(t, errOut, "progress: 200/200 (100%)")
	require.Contains(t, out, "summary: 200 of 200 deliveries")
	require.NotContains(t, out, "\n#", "--quiet drops the per-delivery lines")
}

func TestPercentile(t *testing.T) {
	ms := func(vs ...int) []time.Duration {
		out := make([]time.Duration, len(vs))
		for i, v := range vs {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one p50", ms(7), 50, 7 * time.Millisecond},
		{"one p99", ms(7), 99, 7 * time.Millisecond},
		{"two p50", ms(1, 2), 50, 1 * time.Millisecond},
		{"two p51", ms(1, 2), 51, 2 * time.Millisecond},
		{"ten p50", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 50, 5 * time.Millisecond},
		{"ten p90", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 90, 9 * time.Millisecond},
		{"ten p99", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
		{"hundred p50", ms(hundred...), 50, 50 * time.Millisecond},
		{"hundred p90", ms(hundred...), 90, 90 * time.Millisecond},
		{"hundred p99", ms(hundred...), 99, 99 * time.Millisecond},
		{"max", ms(1, 5, 9), 100, 9 * time.Millisecond},
		{"min", ms(1, 5, 9), 0, 1 * time.Millisecond},
		{"above 100", ms(1, 5, 9), 150, 9 * time.Millisecond},
		{"below 0", ms(1, 5, 9), -1, 1 * time.Millisecond},
		{"outlier", ms(1, 1, 1, 1, 1, 1, 1, 1, 1, 1000), 90, 1 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, percentile(tt.sorted, tt.p))
		})
	}
}

func TestSummary(t *testing.T) {
	tl := newTally(6)
	for _, r := range []result{
		{status: 200, latency: 1 * time.Millisecond},
		{status: 200, latency: 3 * time.Millisecond},
		{status: 409, latency: 2 * time.Millisecond},
		{status: 500, latency: 4 * time.Millisecond},
		{err: context.DeadlineExceeded, latency: 10 * time.Millisecond},
	} {
		tl.add(r)
	}
	s := tl.summary(time.Second)
	require.Equal(t, 5, s.done)
	require.Equal(t, 2, s.failures, "500 and no answer fail; 409 does not")
	var b bytes.Buffer
	s.write(&b)
	require.Equal(t, `summary: 5 of 6 deliveries in 1s (5.0/s), 2 failed
  200 OK: 2
  409 Conflict: 1
  500 Internal Server Error: 1
  no answer: 1 (first: context deadline exceeded)
  latency: p50=2.0ms p90=4.0ms p99=4.0ms max=4.0ms
`, b.String())
}

func TestProgressReporting(t *testing.T) {
	var now time.Time
	clock := func() time.Time { return now }
	var b bytes.Buffer
	p := newProgress(&b, 1000, clock)
	for i := 1; i <= 99; i++ {
		p.update(i, 0)
	}
	require.Empty(t, b.String(), "nothing before the first tenth or the first second")
	p.update(100, 0)
	require.Equal(t, "progress: 100/1000 (10%), 0 failed, 0s elapsed\n", b.String())
	p.update(101, 0)
	require.Equal(t, 1, p.printed)
	now = now.Add(1500 * time.Millisecond)
	p.tick(150, 2)
	require.Equal(t, 2, p.printed, "a second without a report")
	require.Contains(t, b.String(), "progress: 150/1000 (15%), 2 failed, 1.5s elapsed")
	p.tick(151, 2)
	require.Equal(t, 2, p.printed)
	p.update(1000, 2)
	require.Contains(t, b.String(), "progress: 1000/1000 (100%)")
}

func TestHelp(t *testing.T) {
	commands := [][]string{
		{}, {"version"}, {"webhooks"}, {"webhooks", "send"}, {"webhooks", "sign"},
		{"webhooks", "verify"}, {"webhooks", "keygen"},
	}
	for _, c := range commands {
		t.Run(strings.Join(append([]string{"switchboard"}, c...), " "), func(t *testing.T) {
			code, out, errOut := runCLI(t, context.Background(), "", append(c, "--help")...)
			require.Equal(t, ExitOK, code, errOut)
			require.Contains(t, out, "Usage:")
			use := "switchboard"
			if len(c) > 0 {
				use = "switchboard " + strings.Join(c, " ")
			}
			require.Contains(t, out, use)
		})
	}
	code, out, _ := runCLI(t, context.Background(), "", "webhooks")
	require.Equal(t, ExitOK, code)
	require.Contains(t, out, "Available Commands:")
	code, out, _ = runCLI(t, context.Background(), "", "webhooks", "send", "--help")
	require.Equal(t, ExitOK, code)
	for _, f := range []string{"--provider", "--secret", "--type", "--data", "--url-signed", "--repeat", "--concurrency", "--timeout", "--key-file"} {
		require.Contains(t, out, f)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		code  int
		inErr string
	}{
		{"unknown command", []string{"nope"}, ExitUsage, "unknown command"},
		{"unknown flag", []string{"webhooks", "sign", "--nope"}, ExitUsage, "unknown flag"},
		{"no provider", []string{"webhooks", "sign", "-s", "x"}, ExitUsage, "--provider is required"},
		{"unknown provider", []string{"webhooks", "sign", "-p", "acme", "-s", "x"}, ExitUsage, `unknown provider "acme"`},
		{"no secret", []string{"webhooks", "verify", "-p", "stripe"}, ExitUsage, "--secret"},
		{"both secrets", []string{"webhooks", "verify", "-p", "stripe", "-s", "x", "--secret-file", "f"}, ExitUsage, "not both"},
		{"send without URL", []string{"webhooks", "send", "-p", "stripe", "-s", "x"}, ExitUsage, "the URL argument is missing"},
		{"send with two URLs", []string{"webhooks", "send", "-p", "stripe", "-s", "x", "http://a", "http://b"}, ExitUsage, "one URL argument, got 2"},
		{"tolerance without timestamp", []string{"webhooks", "verify", "-p", "github", "-s", "x", "--tolerance", "1m"}, ExitUsage, "--tolerance does not apply"},
		{"send bad URL", []string{"webhooks", "send", "-p", "stripe", "-s", "x", "ftp://x"}, ExitUsage, "absolute http"},
		{"send repeat 0", []string{"webhooks", "send", "-p", "stripe", "-s", "x", "--repeat", "0", "http://x"}, ExitUsage, "--repeat"},
		{"send concurrency", []string{"webhooks", "send", "-p", "stripe", "-s", "x", "-c", "0", "http://x"}, ExitUsage, "--concurrency"},
		{"twilio without URL", []string{"webhooks", "verify", "-p", "twilio", "-s", "x"}, ExitUsage, "--url"},
		{"twilio sign without URL", []string{"webhooks", "sign", "-p", "twilio", "-s", "x"}, ExitUsage, "--url"},
		{"bad header", []string{"webhooks", "verify", "-p", "stripe", "-s", "x", "-H", "no colon"}, ExitUsage, "Name: value"},
		{"bad sendgrid public key", []string{"webhooks", "verify", "-p", "sendgrid", "-s", "bm90IGEga2V5"}, ExitUsage, "invalid public key"},
		{"bad sendgrid private key", []string{"webhooks", "sign", "-p", "sendgrid", "-s", "bm90IGEga2V5"}, ExitFailure, "keygen --provider sendgrid"},
		{"keygen stripe", []string{"webhooks", "keygen", "-p", "stripe"}, ExitUsage, "dashboard"},
		{"missing signature", []string{"webhooks", "verify", "-p", "github", "-s", "x"}, ExitFailure, "missing signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, context.Background(), "{}", tt.args...)
			require.Equal(t, tt.code, code, errOut)
			require.Contains(t, errOut, tt.inErr)
		})
	}
}

func TestSecretFile(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	require.NoError(t, os.WriteFile(secretFile, []byte("whsec_file\n"), 0o600))
	code, out, errOut := runCLI(t, context.Background(), "{}", "webhooks", "sign", "-p", "stripe", "--secret-file", secretFile, "--timestamp", "1")
	require.Equal(t, ExitOK, code, errOut)
	code, out2, errOut := runCLI(t, context.Background(), "{}", "webhooks", "sign", "-p", "stripe", "-s", "whsec_file", "--timestamp", "1")
	require.Equal(t, ExitOK, code, errOut)
	require.Equal(t, out2, out)
}

func TestKeygen(t *testing.T) {
	t.Run("sendgrid", func(t *testing.T) {
		code, out, errOut := runCLI(t, context.Background(), "", "webhooks", "keygen", "--provider", "sendgrid")
		require.Equal(t, ExitOK, code, errOut)
		var priv, pub string
		for _, line := range strings.Split(out, "\n") {
			if v, ok := strings.CutPrefix(line, "private_key="); ok {
				priv = v
			}
			if v, ok := strings.CutPrefix(line, "public_key="); ok {
				pub = v
			}
		}
		k, err := parsePrivateKey(priv)
		require.NoError(t, err)
		derived, err := publicKeyBase64(k)
		require.NoError(t, err)
		require.Equal(t, pub, derived)
		_, err = webhooks.NewSendGrid(pub)
		require.NoError(t, err)
	})
	t.Run("sendgrid key file", func(t *testing.T) {
		keyFile := filepath.Join(t.TempDir(), "sg.pem")
		code, out, errOut := runCLI(t, context.Background(), "", "webhooks", "keygen", "-p", "sendgrid", "--key-out", keyFile)
		require.Equal(t, ExitOK, code, errOut)
		require.NotContains(t, out, "private_key=")
		st, err := os.Stat(keyFile)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
		pub := strings.TrimPrefix(out[strings.Index(out, "public_key="):], "public_key=")
		pub = strings.TrimSpace(pub)

		body, err := webhookstest.SampleEvent("sendgrid", "open")
		require.NoError(t, err)
		code, headers, errOut := runCLI(t, context.Background(), string(body), "webhooks", "sign", "-p", "sendgrid", "--key-file", keyFile)
		require.Equal(t, ExitOK, code, errOut)
		hf := filepath.Join(t.TempDir(), "h")
		require.NoError(t, os.WriteFile(hf, []byte(headers), 0o600))
		code, out, errOut = runCLI(t, context.Background(), string(body), "webhooks", "verify", "-p", "sendgrid", "-s", pub, "--headers-file", hf)
		require.Equal(t, ExitOK, code, errOut)
		require.Contains(t, out, "\topen\n")
	})
	for _, name := range []string{"standardwebhooks", "svix"} {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runCLI(t, context.Background(), "", "webhooks", "keygen", "-p", name)
			require.Equal(t, ExitOK, code, errOut)
			secret := strings.TrimSpace(out)
			require.True(t, strings.HasPrefix(secret, "whsec_"))
			_, err := webhooks.NewStandardWebhooks(secret)
			require.NoError(t, err)
		})
	}
}

func TestParsePrivateKeyForms(t *testing.T) {
	priv, _, err := webhookstest.GenerateSendGridKey()
	require.NoError(t, err)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(priv)
	require.NoError(t, err)
	sec1, err := x509.MarshalECPrivateKey(priv)
	require.NoError(t, err)
	tests := []struct {
		name string
		in   string
	}{
		{"pkcs8 base64", base64.StdEncoding.EncodeToString(pkcs8)},
		{"sec1 base64", base64.StdEncoding.EncodeToString(sec1)},
		{"pkcs8 pem", "-----BEGIN PRIVATE KEY-----\n" + base64.StdEncoding.EncodeToString(pkcs8) + "\n-----END PRIVATE KEY-----\n"},
		{"sec1 pem", "-----BEGIN EC PRIVATE KEY-----\n" + base64.StdEncoding.EncodeToString(sec1) + "\n-----END EC PRIVATE KEY-----\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := parsePrivateKey(tt.in)
			require.NoError(t, err)
			require.True(t, k.Equal(priv))
		})
	}
	for _, bad := range []string{"", "!!!", base64.StdEncoding.EncodeToString([]byte("junk")), "-----BEGIN PRIVATE KEY-----\nxx"} {
		_, err := parsePrivateKey(bad)
		require.ErrorIs(t, err, errPrivateKey)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, context.Background(), "", "version")
	require.Equal(t, ExitOK, code)
	require.Equal(t, "switchboard "+Version()+" ("+runtime.Version()+")\n", out)
	require.NotEmpty(t, Version())
	code, out2, _ := runCLI(t, context.Background(), "", "--version")
	require.Equal(t, ExitOK, code)
	require.Equal(t, out, out2)
}

func TestWithBodyHash(t *testing.T) {
	const sum = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
	require.Equal(t, "https://x/a?bodySHA256="+sum, withBodyHash("https://x/a", []byte("hello world")))
	require.Equal(t, "https://x/a?b=1&bodySHA256="+sum+"#f", withBodyHash("https://x/a?b=1#f", []byte("hello world")))
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{1500 * time.Nanosecond, "2µs"},
		{250 * time.Microsecond, "250µs"},
		{1500 * time.Microsecond, "1.5ms"},
		{999 * time.Millisecond, "999.0ms"},
		{1234 * time.Millisecond, "1.234s"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, formatDuration(tt.d))
	}
}
