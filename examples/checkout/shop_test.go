package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email/emailtest"
	"github.com/switchboard-go/switchboard/internal/testenv"
	"github.com/switchboard-go/switchboard/login/logintest"
	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/webhooks"
)

// shopClient is a browser without JavaScript: a cookie jar, and the CSRF
// token of the last page it loaded.
type shopClient struct {
	t    *testing.T
	app  *testApp
	http *http.Client
	csrf string
}

var csrfAttr = regexp.MustCompile(`data-csrf="([^"]+)"`)

func newShopClient(t *testing.T, ta *testApp) *shopClient {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &shopClient{t: t, app: ta, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	c.page("/")
	return c
}

// page loads a page, keeps its CSRF token and returns the answer.
func (c *shopClient) page(path string) (*http.Response, string) {
	c.t.Helper()
	resp, body := c.do("GET", path, "", nil)
	if m := csrfAttr.FindStringSubmatch(body); m != nil {
		c.csrf = m[1]
	}
	return resp, body
}

func (c *shopClient) do(method, path, body string, header map[string]string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.app.url+path, strings.NewReader(body))
	require.NoError(c.t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp, string(b)
}

// pay posts a payment of product for addr with the Idempotency-Key key.
func (c *shopClient) pay(product, addr, key string) (int, payResponse) {
	c.t.Helper()
	resp, body := c.do("POST", "/shop/api/pay", fmt.Sprintf(`{"product":%q,"email":%q}`, product, addr),
		map[string]string{"X-CSRF-Token": c.csrf, "Idempotency-Key": key})
	var out payResponse
	if resp.StatusCode == http.StatusCreated {
		require.NoError(c.t, json.Unmarshal([]byte(body), &out), body)
	}
	return resp.StatusCode, out
}

func (c *shopClient) confirm(p payResponse, secret, card string) (int, string) {
	c.t.Helper()
	resp, body := c.do("POST", "/shop/api/sandbox/confirm",
		fmt.Sprintf(`{"payment_id":%q,"client_secret":%q,"card":%q}`, p.PaymentID, secret, card),
		map[string]string{"X-CSRF-Token": c.csrf})
	return resp.StatusCode, body
}

func (c *shopClient) state(id string) (int, paymentState) {
	c.t.Helper()
	resp, body := c.do("GET", "/shop/api/payments/"+id, "", nil)
	var st paymentState
	if resp.StatusCode == http.StatusOK {
		require.NoError(c.t, json.Unmarshal([]byte(body), &st), body)
	}
	return resp.StatusCode, st
}

func TestShopPagesAndTheirHeaders(t *testing.T) {
	ta := startApp(t, shopEnv(nil), nil)
	c := newShopClient(t, ta)
	for _, path := range []string{"/", "/shop/checkout/tee", "/shop/checkout/notebook", "/shop/orders", "/shop/deliveries"} {
		t.Run(path, func(t *testing.T) {
			resp, body := c.page(path)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			h := resp.Header
			require.Equal(t, "text/html; charset=utf-8", h.Get("Content-Type"))
			csp := h.Get("Content-Security-Policy")
			require.Contains(t, csp, "script-src 'self';")
			require.Contains(t, csp, "frame-ancestors 'none'")
			require.Contains(t, csp, "form-action 'self'")
			require.NotContains(t, csp, "unsafe-inline")
			require.NotContains(t, csp, "stripe")
			require.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
			require.Equal(t, "DENY", h.Get("X-Frame-Options"))
			require.Equal(t, "no-store", h.Get("Cache-Control"))
			for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(body, -1) {
				require.Contains(t, tag, `src="/static/`, "scripts come from the app's files, never inline")
			}
			require.NotContains(t, body, "whsec_", "no secret in a page")
			require.NotContains(t, body, testToken)
			require.NotContains(t, body, " style=", "no inline style: the policy forbids it")
		})
	}
	// Prices in two currencies, and a picture for each product.
	_, body := c.page("/")
	require.Contains(t, body, "$25.00")
	require.Contains(t, body, "GH₵150.00")
	imgs := regexp.MustCompile(`<img src="([^"]+)"`).FindAllStringSubmatch(body, -1)
	require.Len(t, imgs, 4)
	for _, src := range imgs {
		require.True(t, strings.HasPrefix(src[1], ta.url+"/media/public/catalogue/"), "pictures come from the media store: %s", src[1])
		resp, img := c.do("GET", strings.TrimPrefix(src[1], ta.url), "", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, src[1])
		require.Equal(t, "image/png", http.DetectContentType([]byte(img)))
	}
	// The app's own copy, served when the media store refuses a picture.
	resp, img := c.do("GET", "/shop/img/tee.png", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "image/png", http.DetectContentType([]byte(img)))
	resp, _ = c.do("GET", "/shop/img/nothing.png", "", nil)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = c.page("/shop/checkout/nothing")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, js := c.do("GET", "/static/shop.js", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Type"), "javascript")
	require.Contains(t, js, "Idempotency-Key")
}

func TestContentSecurityPolicy(t *testing.T) {
	for _, tc := range []struct {
		stripe  bool
		origins []string
		want    string
	}{
		{false, nil, "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'none'; " +
			"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"},
		{true, []string{"https://res.cloudinary.com"}, "default-src 'self'; script-src 'self' https://js.stripe.com; style-src 'self'; " +
			"img-src 'self' data: https://res.cloudinary.com; connect-src 'self' https://api.stripe.com; " +
			"frame-src https://js.stripe.com https://hooks.stripe.com; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"},
	} {
		require.Equal(t, tc.want, contentSecurityPolicy(tc.stripe, tc.origins))
	}
}

func TestShopPaymentPostsAreGuarded(t *testing.T) {
	ta := startApp(t, shopEnv(nil), nil)
	c := newShopClient(t, ta)
	other := newShopClient(t, ta)
	require.NotEqual(t, c.csrf, other.csrf, "each buyer has a token of their own")
	body := `{"product":"tee","email":"a@b.co"}`
	for _, tc := range []struct {
		name   string
		client *http.Client
		header map[string]string
		want   int
	}{
		{"no CSRF token", c.http, map[string]string{"Idempotency-Key": "k1"}, http.StatusForbidden},
		{"a wrong token", c.http, map[string]string{"Idempotency-Key": "k1", "X-CSRF-Token": "x"}, http.StatusForbidden},
		{"another buyer's token", c.http, map[string]string{"Idempotency-Key": "k1", "X-CSRF-Token": other.csrf}, http.StatusForbidden},
		{"cross-site", c.http, map[string]string{"Idempotency-Key": "k1", "X-CSRF-Token": c.csrf, "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"another origin", c.http, map[string]string{"Idempotency-Key": "k1", "X-CSRF-Token": c.csrf, "Origin": "https://evil.example"}, http.StatusForbidden},
		{"no cookie", http.DefaultClient, map[string]string{"Idempotency-Key": "k1", "X-CSRF-Token": c.csrf}, http.StatusForbidden},
		{"no Idempotency-Key", c.http, map[string]string{"X-CSRF-Token": c.csrf}, http.StatusBadRequest},
		{"all there", c.http, map[string]string{"Idempotency-Key": "k1", "X-CSRF-Token": c.csrf}, http.StatusCreated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest("POST", ta.url+"/shop/api/pay", strings.NewReader(body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := tc.client.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, tc.want, resp.StatusCode)
		})
	}

	// The sign-out form takes the token as a field.
	resp, _ := c.do("POST", "/shop/logout", "", map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	req, err := http.NewRequest("POST", ta.url+"/shop/logout", strings.NewReader("csrf="+c.csrf))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = c.http.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
}

func TestShopOneKeyOnePayment(t *testing.T) {
	logs := &syncBuffer{}
	ta := startAppLogging(t, shopEnv(nil), nil, slog.New(slog.NewJSONHandler(logs, nil)))
	c := newShopClient(t, ta)

	// Twenty clicks at once with the attempt's key: one payment.
	var wg sync.WaitGroup
	ids := make(chan string, 20)
	for range 20 {
		wg.Go(func() {
			for {
				status, p := c.pay("tee", "a@b.co", "attempt-1")
				if status == http.StatusConflict { // the first is still running: the page asks again
					time.Sleep(10 * time.Millisecond)
					continue
				}
				if status == http.StatusCreated {
					ids <- p.PaymentID
				}
				return
			}
		})
	}
	wg.Wait()
	close(ids)
	var got []string
	for id := range ids {
		got = append(got, id)
	}
	require.Len(t, got, 20)
	for _, id := range got {
		require.Equal(t, got[0], id)
	}
	require.Equal(t, 1, strings.Count(logs.String(), `"msg":"payment created"`))

	// Bodies the page never sends are refused, naming nothing internal.
	for _, body := range []string{`{"product":"tee","email":"a@b.co"} {}`, `{"product":"tee","email":"a@b.co","amount":1}`, `[]`, ``,
		`{"product":"tee","email":"` + strings.Repeat("a", 5000) + `@b.co"}`} {
		resp, out := c.do("POST", "/shop/api/pay", body, map[string]string{"X-CSRF-Token": c.csrf, "Idempotency-Key": "bad-" + fmt.Sprint(len(body))})
		require.Contains(t, []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge}, resp.StatusCode, body)
		require.Contains(t, out, `"title"`)
	}
	for i, tc := range []struct{ body, title string }{
		{`{"product":"hat","email":"a@b.co"}`, "unknown product"},
		{`{"product":"tee","email":"not an address"}`, "invalid email"},
		{`{"product":"tee","email":"a@b.co","phone":"12"}`, "invalid phone"},
	} {
		resp, out := c.do("POST", "/shop/api/pay", tc.body, map[string]string{"X-CSRF-Token": c.csrf, "Idempotency-Key": fmt.Sprint("bad-field-", i)})
		require.Equal(t, http.StatusBadRequest, resp.StatusCode)
		require.Contains(t, out, tc.title)
	}

	// The same key for other details is refused, not a second payment.
	status, _ := c.pay("mug", "a@b.co", "attempt-1")
	require.Equal(t, http.StatusUnprocessableEntity, status)
	// Another buyer's same key is theirs alone.
	other := newShopClient(t, ta)
	status, p := other.pay("tee", "a@b.co", "attempt-1")
	require.Equal(t, http.StatusCreated, status)
	require.NotEqual(t, got[0], p.PaymentID)
}

func TestShopPaymentsAreTheBuyers(t *testing.T) {
	ta := startApp(t, shopEnv(nil), nil)
	c := newShopClient(t, ta)
	status, p := c.pay("tee", "a@b.co", "k")
	require.Equal(t, http.StatusCreated, status)

	thief := newShopClient(t, ta)
	status, _ = thief.state(p.PaymentID)
	require.Equal(t, http.StatusNotFound, status)
	resp, _ := thief.page("/shop/return?payment_id=" + p.PaymentID)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = thief.page("/shop/authenticate?payment_id=" + p.PaymentID)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	status, _ = thief.confirm(p, p.ClientSecret, cardSucceeds)
	require.Equal(t, http.StatusNotFound, status, "even with the client secret")

	status, st := c.state(p.PaymentID)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "processing", st.State)
}

func TestShopSandboxConfirm(t *testing.T) {
	mail := emailtest.NewRecorder()
	ta := startApp(t, shopEnv(map[string]string{"SANDBOX_SETTLE": "0s"}), mail)
	c := newShopClient(t, ta)
	_, p := c.pay("tee", "a@b.co", "k")

	status, _ := c.confirm(p, "pay_x_secret_wrong", cardSucceeds)
	require.Equal(t, http.StatusForbidden, status)
	status, body := c.confirm(p, p.ClientSecret, "1234 5678 9012 3456")
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "4242 4242 4242 4242")

	// A good card, then the same confirmation again (a double click).
	for range 2 {
		status, body = c.confirm(p, p.ClientSecret, "4242-4242-4242-4242")
		require.Equal(t, http.StatusOK, status, body)
		require.JSONEq(t, `{"next":"/shop/return?payment_id=`+p.PaymentID+`"}`, body)
	}
	require.Eventually(t, func() bool { _, st := c.state(p.PaymentID); return st.State == "paid" && st.Receipt == "sent" },
		10*time.Second, 20*time.Millisecond)
	succeeded := 0
	for _, d := range ta.sandbox.Deliveries() {
		if d.Type == "payment.succeeded" {
			succeeded++
		}
	}
	require.Equal(t, 1, succeeded, "one settlement")
	require.Equal(t, 1, mail.Len())

	// Declined cards say why.
	for card, reason := range map[string]string{cardDeclined: "Your card was declined.", cardInsufficient: "Your card has insufficient funds."} {
		_, p := c.pay("mug", "b@b.co", "k-"+card)
		status, _ := c.confirm(p, p.ClientSecret, card)
		require.Equal(t, http.StatusOK, status)
		_, st := c.state(p.PaymentID)
		require.Equal(t, "declined", st.State)
		require.Equal(t, reason, st.Reason)
		require.Equal(t, "/shop/checkout/mug", st.RetryPath)
	}

	// 3-D Secure: authentication failed is declined.
	_, p = c.pay("shea", "c@b.co", "k-3ds")
	status, body = c.confirm(p, p.ClientSecret, cardNeeds3DS)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "/shop/authenticate?payment_id=")
	resp, _ := c.do("POST", "/shop/api/sandbox/authenticate", `{"payment_id":"`+p.PaymentID+`","result":"maybe"}`, map[string]string{"X-CSRF-Token": c.csrf})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp, _ = c.do("POST", "/shop/api/sandbox/authenticate", `{"payment_id":"`+p.PaymentID+`","result":"fail"}`, map[string]string{"X-CSRF-Token": c.csrf})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	_, st := c.state(p.PaymentID)
	require.Equal(t, "declined", st.State)
	require.Contains(t, st.Reason, "3-D Secure")
}

func TestShopDeliveriesRecordEveryOutcome(t *testing.T) {
	ta := startApp(t, shopEnv(map[string]string{"METRICS": "1"}), nil)
	// A forged delivery is rejected, with its reason.
	resp, err := http.Post(ta.url+"/webhooks/sandbox", "application/json", strings.NewReader(`{"type":"payment.succeeded"}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	c := newShopClient(t, ta)
	_, body := c.do("GET", "/shop/api/deliveries", "", nil)
	var ds []Delivery
	require.NoError(t, json.Unmarshal([]byte(body), &ds))
	require.Len(t, ds, 1)
	require.Equal(t, "sandbox", ds[0].Provider)
	require.Equal(t, webhooks.OutcomeRejected, ds[0].Outcome)
	require.NotEmpty(t, ds[0].Reason)
	require.Empty(t, ds[0].Events)
	// The telemetry saw it too: the observers are joined, not replaced.
	_, metrics := c.do("GET", "/metrics", "", nil)
	require.Contains(t, metrics, "rejected")
}

func TestDeliveryLogKeepsTheNewest(t *testing.T) {
	var l deliveryLog
	o := l.observer()
	for i := range maxDeliveries + 5 {
		ctx := o.DeliveryStart(context.Background(), webhooks.DeliveryInfo{Provider: "p"})
		o.EventEnd(ctx, webhooks.EventInfo{Provider: "p", ID: fmt.Sprint(i), Type: "t"}, webhooks.EventResult{Outcome: webhooks.OutcomeProcessed})
		o.DeliveryEnd(ctx, webhooks.DeliveryInfo{Provider: "p"}, webhooks.DeliveryResult{Outcome: webhooks.OutcomeAccepted, StatusCode: 200})
	}
	// A queue worker's event has no delivery of its own.
	o.EventEnd(context.Background(), webhooks.EventInfo{Provider: "p", ID: "w", Type: "t"}, webhooks.EventResult{Outcome: webhooks.OutcomeDuplicate})
	got := l.recent()
	require.Len(t, got, maxDeliveries)
	require.True(t, got[0].Worker)
	require.Equal(t, "w", got[0].Events[0].ID)
	require.Equal(t, fmt.Sprint(maxDeliveries+4), got[1].Events[0].ID)
	require.Equal(t, "6", got[maxDeliveries-1].Events[0].ID)
}

func TestShopSignInButtons(t *testing.T) {
	f, env := startFakes(t)
	ta := startApp(t, shopEnv(env), nil)
	c := newShopClient(t, ta)
	_, body := c.page("/")
	for _, p := range []string{"google", "github", "oidc"} {
		require.Contains(t, body, `href="/login/`+p+`?return_to=%2F">Sign in with `+p+`</a>`)
	}

	f.github.SignIn(logintest.User{Subject: "7", Username: "ada", Name: "Ada", Email: "ada@example.com", EmailVerified: true})
	b := logintest.NewBrowser()
	page := b.Get(t, ta.url+"/login/github?return_to=/")
	require.Equal(t, http.StatusOK, page.Status)
	require.Contains(t, page.Body, "Signed in as Ada")
	require.NotContains(t, page.Body, "Sign in with")
	_, checkout := c.page("/shop/checkout/tee")
	require.NotContains(t, checkout, "ada@example.com", "a guest's form is empty")
	page = b.Get(t, ta.url+"/shop/checkout/tee")
	require.Contains(t, page.Body, `value="ada@example.com"`, "a verified email fills the form")
}

func TestShopStripeMode(t *testing.T) {
	stripeMock := testenv.StripeMockURL(t)
	ta := startApp(t, shopEnv(map[string]string{
		"STRIPE_SECRET_KEY": "sk_test_123", "STRIPE_WEBHOOK_SECRET": "whsec_test", "STRIPE_API_URL": stripeMock,
		"STRIPE_PUBLISHABLE_KEY": "pk_test_123",
	}), nil)
	c := newShopClient(t, ta)
	resp, body := c.page("/shop/checkout/tee")
	csp := resp.Header.Get("Content-Security-Policy")
	require.Contains(t, csp, "script-src 'self' https://js.stripe.com;")
	require.Contains(t, csp, "frame-src https://js.stripe.com https://hooks.stripe.com;")
	require.Contains(t, body, `<script src="https://js.stripe.com/v3/"></script>`)
	require.Contains(t, body, `data-stripe-key="pk_test_123"`)
	require.NotContains(t, body, "sk_test_123")
	_, home := c.page("/")
	require.NotContains(t, home, "js.stripe.com", "Stripe.js loads on the checkout page only")

	status, p := c.pay("tee", "a@b.co", "k")
	require.Equal(t, http.StatusCreated, status)
	require.Equal(t, "stripe", p.Provider)
	require.NotEmpty(t, p.ClientSecret)

	_, err := configFromEnv(func(k string) string {
		return map[string]string{"STRIPE_PUBLISHABLE_KEY": "sk_test_123"}[k]
	})
	require.ErrorContains(t, err, "never the secret key")
}

func TestShopPaystackMode(t *testing.T) {
	var mu sync.Mutex
	initialized := map[string]map[string]any{}
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == "POST" && r.URL.Path == "/transaction/initialize":
			var in map[string]any
			_ = json.NewDecoder(r.Body).Decode(&in)
			ref, _ := in["reference"].(string)
			initialized[ref] = in
			_ = json.NewEncoder(w).Encode(map[string]any{"status": true, "message": "Authorization URL created",
				"data": map[string]any{"authorization_url": "https://checkout.paystack.com/" + ref, "access_code": "ac", "reference": ref}})
		case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/transaction/verify/"):
			ref := strings.TrimPrefix(r.URL.Path, "/transaction/verify/")
			in, ok := initialized[ref]
			if !ok {
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte(`{"status":false,"message":"Transaction reference not found"}`))
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"status": true, "message": "Verification successful",
				"data": map[string]any{"id": 1, "status": "abandoned", "reference": ref, "amount": in["amount"],
					"currency": in["currency"], "metadata": in["metadata"], "customer": map[string]any{"email": in["email"]}}})
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(fake.Close)
	ta := startApp(t, shopEnv(map[string]string{"PAYSTACK_SECRET_KEY": "sk_test_paystack", "PAYSTACK_API_URL": fake.URL,
		"PAYMENTS_PROVIDER": "paystack"}), nil)
	c := newShopClient(t, ta)
	_, body := c.page("/shop/checkout/notebook")
	require.Contains(t, body, "Paystack")
	require.NotContains(t, body, `id="card"`, "the card form is the sandbox's")

	status, p := c.pay("notebook", "a@b.co", "k")
	require.Equal(t, http.StatusCreated, status)
	require.Equal(t, "paystack", p.Provider)
	require.Equal(t, "https://checkout.paystack.com/"+p.PaymentID, p.AuthorizationURL)
	mu.Lock()
	sent := initialized[p.PaymentID]
	mu.Unlock()
	require.Equal(t, ta.url+"/shop/return", sent["callback_url"], "Paystack sends the buyer back to the return page")
	require.Equal(t, "GHS", sent["currency"])

	// Paystack comes back with ?trxref=&reference=.
	resp, page := c.page("/shop/return?trxref=" + p.PaymentID + "&reference=" + p.PaymentID)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, page, `data-payment-id="`+p.PaymentID+`"`)
	_, st := c.state(p.PaymentID)
	require.Equal(t, "processing", st.State)
}

// The order records the storefront's product and where its receipt went,
// which the return and orders pages show.
func TestOrderRecordsProductAndReceipt(t *testing.T) {
	mail := emailtest.NewRecorder()
	ta := startApp(t, shopEnv(nil), mail)
	ctx := context.Background()
	e := &payments.Event{Type: payments.EventPaymentSucceeded, Provider: "sandbox", PaymentID: "pay_1",
		Amount: payments.NewMoney(100, "USD"), CustomerEmail: "a@b.co", Metadata: map[string]string{"user": "u", "product": "mug"}}
	ord, found, err := ta.orders.find(ctx, "sandbox", "pay_1")
	require.NoError(t, err)
	require.False(t, found)
	require.NoError(t, ta.onPaymentEvent(ctx, e))
	require.Equal(t, 1, mail.Len())
	ord, found, err = ta.orders.find(ctx, "sandbox", "pay_1")
	require.NoError(t, err)
	require.True(t, found)
	require.NotEmpty(t, ord.Receipt)
	require.NotEqual(t, logSenderName, ord.Receipt)
	require.Equal(t, "mug", ord.Product)
}
