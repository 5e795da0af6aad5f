package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/emailtest"
	"github.com/switchboard-go/switchboard/email/smtpmail"
	"github.com/switchboard-go/switchboard/internal/testenv"
)

// The browser tests drive the storefront in headless Chromium, as a buyer
// would: SWITCHBOARD_TEST_CHROMIUM names the executable (.ci/run installs
// Debian's chromium and sets it to /usr/bin/chromium). Each step takes a
// screenshot; they are written to a directory when a test fails, or always
// when SWITCHBOARD_SCREENSHOTS names one.

// envScreenshots names a directory that receives every step's screenshot.
const envScreenshots = "SWITCHBOARD_SCREENSHOTS"

// shopEnv is the environment of the storefront tests: a fixed sandbox
// secret (the CLI test signs with it) and a short settlement, so that the
// "processing" state is seen but not waited for long.
func shopEnv(extra map[string]string) map[string]string {
	env := map[string]string{
		"SANDBOX_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"SANDBOX_SETTLE":         "300ms",
		"STORE_URL":              "memory://",
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// shop is a running app with a browser pointed at it.
type shop struct {
	t       *testing.T
	app     *testApp
	mail    *emailtest.Recorder
	mailpit string // mailpit's API URL when the receipts also go there
	logs    *syncBuffer
	ctx     context.Context

	mu      sync.Mutex
	console []string // errors the pages wrote to the console
	shots   []screenshot
}

type screenshot struct {
	name string
	png  []byte
}

// teeSender sends through next and records what it sent.
type teeSender struct {
	rec  *emailtest.Recorder
	next email.Sender
}

func (s teeSender) Send(ctx context.Context, m *email.Message) (*email.Receipt, error) {
	r, err := s.next.Send(ctx, m)
	if err != nil {
		return nil, err
	}
	if _, err := s.rec.Send(ctx, m); err != nil {
		return nil, err
	}
	return r, nil
}

// openShop starts the app with env and a headless Chromium. The receipts
// go to a recorder, and to mailpit too when SWITCHBOARD_TEST_MAILPIT_URL
// is set.
func openShop(t *testing.T, env map[string]string) *shop {
	t.Helper()
	chromium := testenv.Chromium(t)
	s := &shop{t: t, mail: emailtest.NewRecorder(), logs: &syncBuffer{}}
	var sender email.Sender
	if os.Getenv(testenv.EnvMailpit) != "" {
		api, smtpAddr := testenv.Mailpit(t)
		smtp, err := smtpmail.NewFromURL("smtp://" + smtpAddr)
		require.NoError(t, err)
		sender, s.mailpit = teeSender{rec: s.mail, next: smtp}, api
	}
	s.app = startAppWith(t, shopEnv(env), s.mail, sender, slog.New(slog.NewJSONHandler(s.logs, nil)))

	profile, err := os.MkdirTemp("", "switchboard-chromium-")
	require.NoError(t, err)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox, // the tests may run as root, as in CI
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 960),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	require.NoError(t, chromedp.Do(ctx), "start Chromium at %s", chromium)
	s.ctx = ctx
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				s.mu.Lock()
				s.console = append(s.console, m.String())
				s.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		_ = chromedp.Cancel(cctx) // closes the browser gracefully
		ccancel()
		cancel()
		acancel()
		<-done
		_ = os.RemoveAll(profile)
		s.writeScreenshots()
	})
	return s
}

// writeScreenshots writes the steps' screenshots when the test failed, or
// always into SWITCHBOARD_SCREENSHOTS.
func (s *shop) writeScreenshots() {
	dir, err := saveScreenshots(s.t.Name(), s.t.Failed(), s.shots)
	switch {
	case err != nil:
		s.t.Logf("screenshots: %v", err)
	case dir != "":
		s.t.Logf("%d screenshots in %s", len(s.shots), dir)
	}
}

// saveScreenshots writes shots as NN-name.png into a directory named after
// the test, under SWITCHBOARD_SCREENSHOTS when it is set, else under
// $TMPDIR/switchboard-screenshots when the test failed; it returns the
// directory, or "" when it wrote nothing.
func saveScreenshots(test string, failed bool, shots []screenshot) (string, error) {
	dir := os.Getenv(envScreenshots)
	if dir == "" {
		if !failed {
			return "", nil
		}
		dir = filepath.Join(os.TempDir(), "switchboard-screenshots")
	}
	dir = filepath.Join(dir, regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(test, "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	for i, sh := range shots {
		name := filepath.Join(dir, fmt.Sprintf("%02d-%s.png", i+1, sh.name))
		if err := os.WriteFile(name, sh.png, 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}

func TestScreenshotsOnFailure(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv(envScreenshots, "")
	shots := []screenshot{{"products", []byte("png1")}, {"paid", []byte("png2")}}

	dir, err := saveScreenshots("TestX/sub", false, shots)
	require.NoError(t, err)
	require.Empty(t, dir, "a passing test writes nothing")

	dir, err = saveScreenshots("TestX/sub", true, shots)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(tmp, "switchboard-screenshots", "TestX_sub"), dir)
	b, err := os.ReadFile(filepath.Join(dir, "02-paid.png"))
	require.NoError(t, err)
	require.Equal(t, "png2", string(b))

	always := t.TempDir()
	t.Setenv(envScreenshots, always)
	dir, err = saveScreenshots("TestY", false, shots)
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(always, "TestY", "01-products.png"))
	require.Equal(t, filepath.Join(always, "TestY"), dir)
}

// step runs actions in the page, then takes a screenshot named name. A
// failing step still takes its screenshot, then fails the test.
func (s *shop) step(name string, actions ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
	start := time.Now()
	err := chromedp.Do(ctx, actions...)
	cancel()
	if d := time.Since(start); d > 3*time.Second {
		s.t.Logf("step %q took %v", name, d.Round(time.Millisecond))
	}
	s.screenshot(name)
	require.NoError(s.t, err, "step %q", name)
}

func (s *shop) screenshot(name string) {
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		s.t.Logf("screenshot %s: %v", name, err)
		return
	}
	s.shots = append(s.shots, screenshot{name: name, png: png})
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](s *shop, expr string) T {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	require.NoError(s.t, err, "evaluate %s", expr)
	return v
}

// css is a CSS selector.
func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// until waits for a JavaScript condition in the current page.
func until(cond string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingInterval(50*time.Millisecond),
		chromedp.WithPollingTimeout(20*time.Second))
}

// open loads path and waits for the element sel.
func (s *shop) open(name, path, sel string) {
	s.t.Helper()
	s.step(name, chromedp.Navigate(s.app.url+path), chromedp.WaitVisible(css(sel)))
	s.checkPage()
}

// checkPage checks what every page must have: a label for each control,
// text for each button and link, the alt text and the bytes of each
// image, and no error in the console.
func (s *shop) checkPage() {
	s.t.Helper()
	s.step("images loaded", until(`Array.from(document.images).every(i => i.complete)`))
	problems := eval[[]string](s, `(() => {
		const bad = [];
		for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
			if (el.labels.length === 0 && !el.getAttribute("aria-label")) bad.push("no label: " + el.outerHTML);
		}
		for (const el of document.querySelectorAll("button, a[href]")) {
			if (!el.textContent.trim() && !el.getAttribute("aria-label")) bad.push("no text: " + el.outerHTML);
			if (el.tabIndex < 0) bad.push("not reachable by keyboard: " + el.outerHTML);
		}
		for (const el of document.images) {
			if (!el.alt) bad.push("no alt text: " + el.outerHTML);
			if (el.naturalWidth === 0) bad.push("image did not load: " + el.src);
		}
		return bad;
	})()`)
	require.Empty(s.t, problems, "page %s", eval[string](s, "location.pathname"))
	s.noConsoleErrors()
}

func (s *shop) noConsoleErrors() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	require.Empty(s.t, s.console, "errors in the browser console")
}

// checkout opens the product's checkout page, fills it in and pays with
// card by pressing Enter in the card field, as a keyboard user does.
func (s *shop) checkout(productID, addr, card string) {
	s.t.Helper()
	s.open("products", "/", "#product-"+productID)
	s.step("checkout form", chromedp.Click(css("#product-"+productID+" a.button")), chromedp.WaitVisible(css("#checkout-form")))
	s.checkPage()
	s.step("filled in",
		chromedp.Clear(css("#email")), chromedp.SendKeys(css("#email"), addr),
		chromedp.SendKeys(css("#card"), card))
	s.step("paid with the keyboard", chromedp.SendKeys(css("#card"), "\r"))
}

// waitState waits on the return page for the payment's state (the
// data-state the page's script sets).
func (s *shop) waitState(name, state string) {
	s.t.Helper()
	s.step(name, chromedp.WaitVisible(css("#payment-status")),
		until(`document.getElementById("payment-status").dataset.state === "`+state+`"`))
}

// paymentsCreated counts the payments the app created.
func (s *shop) paymentsCreated() int {
	return strings.Count(s.logs.String(), `"msg":"payment created"`)
}

// receiptsTo returns the receipts recorded for addr.
func (s *shop) receiptsTo(addr string) (receipts, failures int) {
	for _, m := range s.mail.Messages() {
		if len(m.To) == 1 && m.To[0] == addr {
			switch {
			case strings.Contains(m.Subject, "receipt"):
				receipts++
			default:
				failures++
			}
		}
	}
	return receipts, failures
}

// inMailpit waits until mailpit holds a message to addr whose subject
// contains subject.
func (s *shop) inMailpit(addr, subject string) {
	s.t.Helper()
	if s.mailpit == "" {
		return
	}
	q := url.QueryEscape(`to:"` + addr + `"`)
	require.Eventually(s.t, func() bool {
		resp, err := http.Get(s.mailpit + "/api/v1/search?query=" + q)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var res struct {
			Messages []struct{ Subject string }
		}
		if json.NewDecoder(resp.Body).Decode(&res) != nil {
			return false
		}
		for _, m := range res.Messages {
			if strings.Contains(m.Subject, subject) {
				return true
			}
		}
		return false
	}, 15*time.Second, 100*time.Millisecond, "no %q email to %s in mailpit", subject, addr)
}

func uniqueEmail(*testing.T) string {
	return fmt.Sprintf("buyer-%d@example.com", time.Now().UnixNano())
}

func TestBrowserPurchase(t *testing.T) {
	s := openShop(t, nil)
	addr := uniqueEmail(t)
	s.checkout("tee", addr, "4242 4242 4242 4242")
	s.waitState("paid", "paid")
	s.checkPage()
	text := eval[string](s, `document.getElementById("state-paid").innerText`)
	require.Contains(t, text, "Paid.")
	require.Contains(t, text, "Receipt sent to "+addr)

	ord := s.oneOrderOneReceipt(addr)
	require.Equal(t, int64(2500), ord.Amount)
	require.Equal(t, "USD", ord.Currency)
	require.Equal(t, "tee", ord.Product)
	s.inMailpit(addr, "receipt")

	s.open("orders page", "/shop/orders", "table.orders")
	row := eval[string](s, `document.querySelector("table.orders tbody tr").innerText`)
	require.Contains(t, row, "$25.00")
	require.Contains(t, row, addr)
	require.Contains(t, row, "sent")
	require.Equal(t, 1, s.paymentsCreated())
}

// onlyBuyer returns the id of the one buyer who paid in this test.
func (s *shop) onlyBuyer(t *testing.T) string {
	t.Helper()
	var users []string
	for _, d := range s.app.sandbox.Deliveries() {
		var body struct {
			Type string
			Data struct{ Metadata map[string]string }
		}
		require.NoError(t, json.Unmarshal(d.Body, &body))
		if u := body.Data.Metadata["user"]; u != "" && (len(users) == 0 || users[len(users)-1] != u) {
			users = append(users, u)
		}
	}
	require.NotEmpty(t, users)
	for _, u := range users {
		require.Equal(t, users[0], u, "payments of more than one buyer")
	}
	return users[0]
}

// oneOrderOneReceipt checks that the test's buyer has one order and addr
// one receipt, and returns the order.
func (s *shop) oneOrderOneReceipt(addr string) Order {
	s.t.Helper()
	orders, err := s.app.orders.list(context.Background(), s.onlyBuyer(s.t))
	require.NoError(s.t, err)
	require.Len(s.t, orders, 1)
	receipts, _ := s.receiptsTo(addr)
	require.Equal(s.t, 1, receipts)
	return orders[0]
}

func TestBrowserDeclinedThenRetry(t *testing.T) {
	s := openShop(t, nil)
	addr := uniqueEmail(t)
	s.checkout("notebook", addr, "4000 0000 0000 0002")
	s.waitState("declined", "declined")
	s.checkPage()
	require.Contains(t, eval[string](s, `document.getElementById("state-declined").innerText`), "Your card was declined.")

	s.step("try again", chromedp.Click(css("#retry")), chromedp.WaitVisible(css("#checkout-form")))
	require.Equal(t, "/shop/checkout/notebook", eval[string](s, "location.pathname"))
	s.step("filled in again",
		chromedp.Clear(css("#email")), chromedp.SendKeys(css("#email"), addr),
		chromedp.SendKeys(css("#card"), "4242424242424242"))
	s.step("pay again", chromedp.Click(css("#pay")))
	s.waitState("paid after retry", "paid")
	s.checkPage()

	require.Equal(t, 2, s.paymentsCreated(), "the retry is a new payment: the declined one is final")
	require.Equal(t, "GHS", s.oneOrderOneReceipt(addr).Currency)
	_, failures := s.receiptsTo(addr)
	require.Equal(t, 1, failures, "the declined payment's email")
	s.inMailpit(addr, "receipt")
}

func TestBrowserDoubleClickPay(t *testing.T) {
	s := openShop(t, nil)
	addr := uniqueEmail(t)
	s.open("products", "/", "#product-mug")
	s.step("checkout form", chromedp.Click(css("#product-mug a.button")), chromedp.WaitVisible(css("#checkout-form")))
	s.step("filled in", chromedp.SendKeys(css("#email"), addr), chromedp.SendKeys(css("#card"), "4242 4242 4242 4242"))
	s.step("double click", chromedp.DoubleClick(css("#pay")))
	s.waitState("paid", "paid")
	s.checkPage()
	require.Equal(t, 1, s.paymentsCreated())
	s.oneOrderOneReceipt(addr)
}

// TestBrowserSubmitTwiceAcrossReload sends the checkout attempt's payment
// request, reloads the page and sends it again, as a buyer whose page
// reloaded mid-checkout does: the attempt's Idempotency-Key survives the
// reload, and the second request gets the first payment back.
func TestBrowserSubmitTwiceAcrossReload(t *testing.T) {
	s := openShop(t, nil)
	addr := uniqueEmail(t)
	s.open("checkout form", "/shop/checkout/shea", "#checkout-form")
	pay := `createPayment("shea", {product: "shea", email: "` + addr + `"}).then(r => r.body.payment_id)`
	first := eval[string](s, pay)
	second := eval[string](s, pay)
	s.step("reloaded", chromedp.Reload(), chromedp.WaitVisible(css("#checkout-form")))
	third := eval[string](s, pay)
	require.NotEmpty(t, first)
	require.Equal(t, first, second)
	require.Equal(t, first, third)
	require.Equal(t, 1, s.paymentsCreated())

	// Paying now finds the same payment.
	s.step("filled in", chromedp.SendKeys(css("#email"), addr), chromedp.SendKeys(css("#card"), "4242 4242 4242 4242"))
	s.step("pay", chromedp.Click(css("#pay")))
	s.waitState("paid", "paid")
	require.Equal(t, first, eval[string](s, `document.getElementById("payment-status").dataset.paymentId`))
	require.Equal(t, 1, s.paymentsCreated())
	s.noConsoleErrors()
}

func TestBrowserReloadWhileProcessing(t *testing.T) {
	s := openShop(t, map[string]string{"SANDBOX_SETTLE": "6s"})
	addr := uniqueEmail(t)
	s.checkout("tee", addr, "4242 4242 4242 4242")
	s.waitState("processing", "processing")
	require.Contains(t, eval[string](s, `document.getElementById("state-processing").innerText`), "Processing your payment")
	s.step("reloaded while processing", chromedp.Reload())
	s.waitState("still processing", "processing")
	s.waitState("paid", "paid")
	s.checkPage()
	require.Equal(t, 1, s.paymentsCreated())
	s.oneOrderOneReceipt(addr)
}

func TestBrowser3DSecure(t *testing.T) {
	s := openShop(t, nil)
	addr := uniqueEmail(t)
	s.checkout("mug", addr, "4000 0027 6000 3184")
	s.step("authentication page", chromedp.WaitVisible(css("#authenticate")))
	s.checkPage()
	s.step("complete with the keyboard", chromedp.Focus(css("#auth-complete")), chromedp.KeyEvent("\r"))
	s.waitState("paid", "paid")
	require.Equal(t, 1, s.paymentsCreated())
	receipts, _ := s.receiptsTo(addr)
	require.Equal(t, 1, receipts)
}

func TestBrowserDeliveriesShowDuplicate(t *testing.T) {
	s := openShop(t, nil)
	addr := uniqueEmail(t)
	s.checkout("tee", addr, "4242 4242 4242 4242")
	s.waitState("paid", "paid")

	s.open("deliveries", "/shop/deliveries", "#deliveries .event")
	command := eval[string](s, `(() => {
		for (const ev of document.querySelectorAll("#deliveries .event")) {
			if (ev.textContent.includes("payment.succeeded") && ev.querySelector(".outcome.processed")) {
				return ev.querySelector("pre.command").textContent;
			}
		}
		return "";
	})()`)
	require.Contains(t, command, "go run ./cmd/switchboard webhooks send -p standardwebhooks")
	id := regexp.MustCompile(`--id (\S+)`).FindStringSubmatch(command)
	require.Len(t, id, 2, command)

	// Run the command the page shows, with the CLI built from this tree.
	cli := filepath.Join(t.TempDir(), "switchboard")
	build := exec.Command("go", "build", "-o", cli, "github.com/switchboard-go/switchboard/cmd/switchboard")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))
	line := strings.Replace(command, "go run ./cmd/switchboard", shellQuote(cli), 1)
	run := exec.Command("sh", "-c", line)
	run.Env = append(os.Environ(), "SANDBOX_WEBHOOK_SECRET="+shopEnv(nil)["SANDBOX_WEBHOOK_SECRET"])
	out, err = run.CombinedOutput()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), "200 OK: 3")

	s.step("duplicates shown", until(`Array.from(document.querySelectorAll("#deliveries .event")).filter(e =>
		e.dataset.eventId === "`+id[1]+`" && e.querySelector(".outcome.duplicate")).length === 3`))
	s.checkPage()
	require.Equal(t, 1, s.paymentsCreated())
	receipts, _ := s.receiptsTo(addr)
	require.Equal(t, 1, receipts, "the resent event sent no second receipt")
}

// shellQuote quotes s for sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
