package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/paystackpay"
	"github.com/switchboard-go/switchboard/payments/sandboxpay"
	"github.com/switchboard-go/switchboard/payments/stripepay"
)

// The storefront: pages for a person in a browser, on top of the same
// payments, webhooks, idempotency, email and media code as the API.
//
//	GET  /                              the products
//	GET  /shop/checkout/{product}       the checkout form
//	GET  /shop/authenticate?payment_id= the sandbox's 3-D Secure step
//	GET  /shop/return?payment_id=       "processing" until the webhook made the order
//	GET  /shop/orders                   the shopper's orders
//	GET  /shop/deliveries               recent webhook deliveries and their outcome
//	POST /shop/api/pay                  create the payment (Idempotency-Key required)
//	POST /shop/api/sandbox/confirm      pay a sandbox payment with a test card
//	POST /shop/api/sandbox/authenticate complete or fail the 3-D Secure step
//	GET  /shop/api/payments/{id}        where a payment is, for the return page
//	GET  /shop/api/deliveries           the deliveries page's data
//	POST /shop/logout                   sign out (a form)
//
// Who is buying: the signed-in shopper (login.go), or else a guest with a
// signed random id in a cookie. Every POST carries the page's CSRF token,
// derived from that id, and passes http.CrossOriginProtection. Pages are
// served with a Content-Security-Policy that allows scripts from the app
// alone, and from Stripe's origin only when Stripe takes the payments.

//go:embed web
var webFS embed.FS

// product is one item of the demo catalogue.
type product struct {
	ID          string
	Name        string
	Description string
	Price       payments.Money
	Image       string // URL of its picture
	hue         float64
}

// catalogue is the demo products: prices in US dollars and Ghanaian cedis.
func catalogue() []*product {
	return []*product{
		{ID: "tee", Name: "Switchboard T-shirt", Description: "Soft cotton, with the switchboard on the front.", Price: payments.NewMoney(2500, "USD"), hue: 210},
		{ID: "mug", Name: "Webhook mug", Description: "Holds exactly one coffee, delivered at least once.", Price: payments.NewMoney(1200, "USD"), hue: 20},
		{ID: "notebook", Name: "Kente notebook", Description: "A5, dotted pages, a kente-pattern cover woven in Bonwire.", Price: payments.NewMoney(15000, "GHS"), hue: 45},
		{ID: "shea", Name: "Shea butter set", Description: "Three tins of unrefined shea butter from Tamale.", Price: payments.NewMoney(8500, "GHS"), hue: 120},
	}
}

// Test cards of the sandbox, as the checkout page lists them. The numbers
// are those Stripe documents for the same outcomes.
const (
	cardSucceeds     = "4242424242424242"
	cardDeclined     = "4000000000000002"
	cardInsufficient = "4000000000009995"
	cardNeeds3DS     = "4000002760003184"
)

// testCard is a sandbox test card and what it does.
type testCard struct{ Number, Outcome string }

var testCards = []testCard{
	{"4242 4242 4242 4242", "succeeds"},
	{"4000 0000 0000 0002", "is declined"},
	{"4000 0000 0000 9995", "is declined for insufficient funds"},
	{"4000 0027 6000 3184", "asks for 3-D Secure authentication first"},
}

// shopState is the storefront's state.
type shopState struct {
	products  []*product
	byID      map[string]*product
	pages     map[string]*template.Template
	buyerKey  []byte // signs the guest cookie
	csrfKey   []byte // derives CSRF tokens
	secure    bool   // cookies are Secure (PUBLIC_URL is https)
	publicURL string
	csp       string
	origin    *http.CrossOriginProtection
	settle    time.Duration // how long a sandbox card payment takes to settle

	mu         sync.Mutex
	confirming map[string]bool // sandbox payments confirmed in the browser
	ctx        context.Context
	cancel     context.CancelFunc
	wg         sync.WaitGroup
}

// setupShop mounts the storefront. It runs after setupMedia (product
// pictures go to the media store) and setupLogin (sign-in buttons).
func (a *app) setupShop(ctx context.Context, baseURL string) error {
	key, err := sessionKey(a.cfg.Login.SessionKey)
	if err != nil {
		return err
	}
	publicURL := strings.TrimRight(a.cfg.Login.PublicURL, "/")
	if publicURL == "" {
		publicURL = strings.TrimRight(baseURL, "/")
	}
	s := &shopState{
		products:   catalogue(),
		byID:       map[string]*product{},
		buyerKey:   deriveKey(key, "checkout shopper cookie"),
		csrfKey:    deriveKey(key, "checkout csrf token"),
		secure:     strings.HasPrefix(publicURL, "https://"),
		publicURL:  publicURL,
		origin:     http.NewCrossOriginProtection(),
		settle:     a.cfg.SandboxSettle,
		confirming: map[string]bool{},
	}
	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	a.shop = s
	for _, p := range s.products {
		s.byID[p.ID] = p
	}
	if s.pages, err = parsePages(s.productName); err != nil {
		return err
	}
	imgOrigins := a.productImages(ctx, s.products) // productimg.go
	s.csp = contentSecurityPolicy(a.cfg.PaymentsProvider == stripepay.Name, imgOrigins)

	static, err := fs.Sub(webFS, "web/static")
	if err != nil {
		return err
	}
	staticFiles := http.FileServerFS(static)
	a.mux.Handle("GET /static/", http.StripPrefix("/static/", securityHeaders(s.csp, staticFiles)))
	a.mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/static/favicon.svg", http.StatusMovedPermanently)
	})
	a.mux.Handle("GET /{$}", a.page("products", a.productsPage))
	a.mux.Handle("GET /shop/checkout/{product}", a.page("checkout", a.checkoutPage))
	a.mux.Handle("GET /shop/authenticate", a.page("authenticate", a.authenticatePage))
	a.mux.Handle("GET /shop/return", a.page("return", a.returnPage))
	a.mux.Handle("GET /shop/orders", a.page("orders", a.ordersPage))
	a.mux.Handle("GET /shop/deliveries", a.page("deliveries", a.deliveriesPage))
	a.mux.Handle("POST /shop/api/pay", a.shopPost(requireKey(a.idem(http.HandlerFunc(a.shopPay)))))
	a.mux.Handle("GET /shop/api/payments/{id}", a.shopGet(http.HandlerFunc(a.shopPaymentStatus)))
	a.mux.Handle("GET /shop/api/deliveries", http.HandlerFunc(a.deliveriesJSON))
	if a.sandbox != nil && a.cfg.PaymentsProvider == sandboxpay.Name {
		a.mux.Handle("POST /shop/api/sandbox/confirm", a.shopPost(http.HandlerFunc(a.sandboxConfirm)))
		a.mux.Handle("POST /shop/api/sandbox/authenticate", a.shopPost(http.HandlerFunc(a.sandboxAuthenticate)))
	}
	a.mux.Handle("POST /shop/logout", a.shopPost(http.HandlerFunc(a.shopLogout)))
	return nil
}

// close stops the sandbox settlements still waiting.
func (s *shopState) close() {
	if s == nil {
		return
	}
	s.cancel()
	s.wg.Wait()
}

// contentSecurityPolicy allows scripts, styles and connections to the app
// alone, and to Stripe in Stripe mode (Stripe.js must be loaded from
// js.stripe.com, and it frames its Payment Element from there).
func contentSecurityPolicy(stripe bool, imgOrigins []string) string {
	script, frame, connect := "'self'", "'none'", "'self'"
	if stripe {
		script += " https://js.stripe.com"
		frame = "https://js.stripe.com https://hooks.stripe.com"
		connect += " https://api.stripe.com"
	}
	img := strings.Join(append([]string{"'self'", "data:"}, imgOrigins...), " ")
	return "default-src 'self'; script-src " + script + "; style-src 'self'; img-src " + img +
		"; connect-src " + connect + "; frame-src " + frame +
		"; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
}

// securityHeaders sets the headers every page and static file gets.
func securityHeaders(csp string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// --- who is buying -------------------------------------------------------------

// shopper is who is on the page: a signed-in shopper or a guest.
type shopper struct {
	ID       string // the orders' user and the idempotency scope
	Name     string // a signed-in shopper's name or email
	Email    string // a signed-in shopper's verified email, to fill in the form
	SignedIn bool
}

// guestCookie is the guest shopper's cookie name.
func (s *shopState) guestCookie() string {
	if s.secure {
		return "__Host-checkout-shopper"
	}
	return "checkout-shopper"
}

func (s *shopState) signGuest(id string) string {
	m := hmac.New(sha256.New, s.buyerKey)
	m.Write([]byte(id))
	return id + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// currentBuyer returns the shopper of r; ok is false when r has neither a
// session nor a valid guest cookie.
func (a *app) currentBuyer(r *http.Request) (shopper, bool) {
	if a.signin != nil {
		if u, ok := a.signin.sessions.get(r); ok {
			name := u.Name
			if name == "" {
				name = u.Email
			}
			if name == "" {
				name = u.Username
			}
			b := shopper{ID: u.ID, Name: name, SignedIn: true}
			if u.EmailVerified {
				b.Email = u.Email
			}
			return b, true
		}
	}
	ck, err := r.Cookie(a.shop.guestCookie())
	if err != nil || len(ck.Value) > 256 {
		return shopper{}, false
	}
	id, _, ok := strings.Cut(ck.Value, ".")
	if !ok || !strings.HasPrefix(id, "guest-") || !hmac.Equal([]byte(ck.Value), []byte(a.shop.signGuest(id))) {
		return shopper{}, false
	}
	return shopper{ID: id}, true
}

// ensureBuyer returns the shopper of r, making r's browser a guest first
// when it is neither signed in nor a guest yet.
func (a *app) ensureBuyer(w http.ResponseWriter, r *http.Request) shopper {
	if b, ok := a.currentBuyer(r); ok {
		return b
	}
	id := "guest-" + randomHex(16)
	http.SetCookie(w, &http.Cookie{
		Name: a.shop.guestCookie(), Value: a.shop.signGuest(id), Path: "/", MaxAge: 30 * 24 * 3600,
		HttpOnly: true, Secure: a.shop.secure, SameSite: http.SameSiteLaxMode,
	})
	return shopper{ID: id}
}

// csrfToken is the token the pages of shopper id put in their posts.
func (s *shopState) csrfToken(id string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// shopPost guards the storefront's POST endpoints: a cross-origin request
// is refused, the shopper must be known, and the CSRF token of the shopper's
// page must come with the request (the X-CSRF-Token header from scripts,
// the csrf field from forms). next runs as the shopper.
func (a *app) shopPost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := a.shop.origin.Check(r); err != nil {
			problem(w, http.StatusForbidden, "cross-origin request refused", "")
			return
		}
		b, ok := a.currentBuyer(r)
		if !ok {
			problem(w, http.StatusForbidden, "no checkout session", "load the page again: the checkout cookie is missing")
			return
		}
		token := r.Header.Get("X-CSRF-Token")
		if token == "" && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
			token = r.PostFormValue("csrf")
		}
		if !hmac.Equal([]byte(token), []byte(a.shop.csrfToken(b.ID))) {
			problem(w, http.StatusForbidden, "invalid CSRF token", "load the page again and resend the form")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, b.ID)))
	})
}

// shopGet runs next as the shopper of r, or answers 403 without one.
func (a *app) shopGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := a.currentBuyer(r)
		if !ok {
			problem(w, http.StatusForbidden, "no checkout session", "load the page again: the checkout cookie is missing")
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, b.ID)))
	})
}

// requireKey refuses a request without an Idempotency-Key: each checkout
// attempt of the page sends one, so that a double click or a reload never
// pays twice.
func requireKey(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Idempotency-Key") == "" {
			problem(w, http.StatusBadRequest, "Idempotency-Key required", "send one key per checkout attempt")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (a *app) shopLogout(w http.ResponseWriter, r *http.Request) {
	if a.signin != nil {
		a.signin.sessions.clear(w)
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// --- pages ---------------------------------------------------------------------

// pageData is what every page template gets.
type pageData struct {
	Title     string
	Page      string // the body's data-page: which part of shop.js runs
	Buyer     shopper
	CSRF      string
	SignIn    []signInButton // when a sign-in provider is configured and the shopper is a guest
	CanSignIn bool
	Provider  string // the payments provider taking payments
	Content   any
}

type signInButton struct{ Name, Href string }

// errNotFound makes a page answer 404.
var errNotFound = errors.New("not found")

// page serves the page template name with the data build returns.
func (a *app) page(name string, build func(r *http.Request, b shopper) (title string, content any, err error)) http.Handler {
	return securityHeaders(a.shop.csp, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := a.ensureBuyer(w, r)
		w.Header().Set("Cache-Control", "no-store") // the pages hold the shopper's CSRF token
		title, content, err := build(r, b)
		if errors.Is(err, errNotFound) {
			a.renderStatus(w, http.StatusNotFound, b, "Not found", "There is nothing here. The products are on the home page.")
			return
		}
		if err != nil {
			a.log.Error("page", "page", name, "err", err)
			a.renderStatus(w, http.StatusInternalServerError, b, "Something went wrong", "The page could not be shown. Try again in a moment.")
			return
		}
		a.render(w, http.StatusOK, name, title, b, content)
	}))
}

func (a *app) render(w http.ResponseWriter, status int, name, title string, b shopper, content any) {
	d := pageData{Title: title, Page: name, Buyer: b, CSRF: a.shop.csrfToken(b.ID), Provider: a.cfg.PaymentsProvider, Content: content}
	if a.signin != nil {
		d.CanSignIn = true
		if !b.SignedIn {
			for _, p := range a.signin.handler.Providers() {
				d.SignIn = append(d.SignIn, signInButton{Name: p, Href: a.signin.handler.StartPath(p) + "?return_to=" + url.QueryEscape("/")})
			}
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := a.shop.pages[name].ExecuteTemplate(w, "layout", d); err != nil {
		a.log.Error("render page", "page", name, "err", err)
	}
}

func (a *app) renderStatus(w http.ResponseWriter, status int, b shopper, title, text string) {
	a.render(w, status, "status", title, b, text)
}

func (a *app) productsPage(r *http.Request, b shopper) (string, any, error) {
	return "Switchboard Shop", a.shop.products, nil
}

// checkoutContent is the checkout page's content.
type checkoutContent struct {
	Product   *product
	Email     string
	Cards     []testCard
	StripeKey string // the publishable key, in Stripe mode
}

func (a *app) checkoutPage(r *http.Request, b shopper) (string, any, error) {
	p, ok := a.shop.byID[r.PathValue("product")]
	if !ok {
		return "", nil, errNotFound
	}
	c := checkoutContent{Product: p, Email: b.Email}
	switch a.cfg.PaymentsProvider {
	case sandboxpay.Name:
		c.Cards = testCards
	case stripepay.Name:
		c.StripeKey = a.cfg.StripePublishableKey
	}
	return "Checkout: " + p.Name, c, nil
}

func (a *app) authenticatePage(r *http.Request, b shopper) (string, any, error) {
	pay, err := a.ownPayment(r.Context(), b.ID, r.URL.Query().Get("payment_id"))
	if err != nil {
		return "", nil, err
	}
	return "Confirm your payment", pay, nil
}

// returnContent is the return page's content.
type returnContent struct {
	PaymentID string
	Product   *product
}

// returnPage is where every payment flow lands: the sandbox's card form,
// Stripe's redirect (payment_intent=) and Paystack's (reference=).
func (a *app) returnPage(r *http.Request, b shopper) (string, any, error) {
	q := r.URL.Query()
	id := q.Get("payment_id")
	for _, k := range []string{"payment_intent", "reference", "trxref"} {
		if id == "" {
			id = q.Get(k)
		}
	}
	pay, err := a.ownPayment(r.Context(), b.ID, id)
	if err != nil {
		return "", nil, err
	}
	return "Your payment", returnContent{PaymentID: pay.ID, Product: a.shop.byID[pay.Metadata["product"]]}, nil
}

func (a *app) ordersPage(r *http.Request, b shopper) (string, any, error) {
	orders, err := a.orders.list(r.Context(), b.ID)
	if err != nil {
		return "", nil, err
	}
	if err := a.attachSMS(r.Context(), orders); err != nil {
		return "", nil, err
	}
	// Newest first.
	for i, j := 0, len(orders)-1; i < j; i, j = i+1, j-1 {
		orders[i], orders[j] = orders[j], orders[i]
	}
	return "Your orders", orders, nil
}

// deliveriesContent is the deliveries page's content.
type deliveriesContent struct {
	Deliveries []Delivery
	SandboxURL string // where the sandbox's webhooks go, for the resend command
}

func (a *app) deliveriesPage(r *http.Request, b shopper) (string, any, error) {
	c := deliveriesContent{Deliveries: a.deliveries.recent()}
	if a.sandbox != nil {
		c.SandboxURL = a.baseURL + "/webhooks/sandbox"
	}
	return "Webhook deliveries", c, nil
}

// ownPayment returns the payment id of the configured provider when shopper
// made it; any other payment, or none, is errNotFound, so that a page
// tells nobody whether another shopper's payment exists.
func (a *app) ownPayment(ctx context.Context, buyerID, id string) (*payments.Payment, error) {
	if id == "" || len(id) > 200 {
		return nil, errNotFound
	}
	pay, err := a.providers[a.cfg.PaymentsProvider].GetPayment(ctx, id)
	if errors.Is(err, payments.ErrNotFound) || errors.Is(err, payments.ErrInvalidRequest) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	if pay.Metadata["user"] != buyerID || buyerID == "" {
		return nil, errNotFound
	}
	return pay, nil
}

// --- the payment API of the pages -------------------------------------------------

// payRequest is what the checkout page posts.
type payRequest struct {
	Product string `json:"product"`
	Email   string `json:"email"`
	Phone   string `json:"phone,omitempty"`
}

// payResponse tells the page what to do next.
type payResponse struct {
	PaymentID        string `json:"payment_id"`
	Provider         string `json:"provider"`
	Status           string `json:"status"`
	ClientSecret     string `json:"client_secret,omitempty"`     // sandbox and Stripe: confirm with it
	AuthorizationURL string `json:"authorization_url,omitempty"` // Paystack: go there
	ReturnURL        string `json:"return_url"`
}

// shopPay creates the payment of one checkout attempt. It runs behind the
// Idempotency-Key middleware, scoped to the shopper: the same key gives the
// same answer, so a double click or a reload never creates a second
// payment.
func (a *app) shopPay(w http.ResponseWriter, r *http.Request) {
	var in payRequest
	if !decodeSmall(w, r, &in) {
		return
	}
	p, ok := a.shop.byID[in.Product]
	if !ok {
		problem(w, http.StatusBadRequest, "unknown product", "product must be one of the shop's products")
		return
	}
	if status, title, detail := a.checkBuyerContact(&in.Email, &in.Phone); status != 0 {
		problem(w, status, title, detail)
		return
	}
	user := userFrom(r.Context())
	name := a.cfg.PaymentsProvider
	params := payments.CreatePaymentParams{
		Amount:         p.Price,
		CustomerEmail:  in.Email,
		Description:    p.Name,
		Metadata:       map[string]string{"email": in.Email, "user": user, "product": p.ID},
		ReturnURL:      a.shop.publicURL + "/shop/return",
		IdempotencyKey: user + ":" + r.Header.Get("Idempotency-Key"),
	}
	if in.Phone != "" {
		params.Metadata["phone"] = in.Phone
	}
	pay, err := a.providers[name].CreatePayment(r.Context(), params)
	if err != nil {
		status, title := paymentErrorStatus(err)
		a.log.Warn("create payment failed", "provider", name, "err", err)
		problem(w, status, title, err.Error())
		return
	}
	a.log.Info("payment created", "provider", name, "payment_id", pay.ID, "product", p.ID)
	out := payResponse{PaymentID: pay.ID, Provider: name, Status: string(pay.Status),
		ReturnURL: "/shop/return?payment_id=" + url.QueryEscape(pay.ID)}
	if na := pay.NextAction; na != nil {
		out.ClientSecret = na.ClientSecret
		if name == paystackpay.Name {
			out.AuthorizationURL = na.RedirectURL
		}
	}
	writeJSON(w, http.StatusCreated, out)
}

// checkBuyerContact validates and normalizes the email and the optional
// phone of a payment; status is 0 when they are fine.
func (a *app) checkBuyerContact(addr, phone *string) (status int, title, detail string) {
	if err := checkEmail(*addr); err != nil {
		return http.StatusBadRequest, "invalid email", "email must be an address such as a@b.co"
	}
	if *phone != "" {
		n, err := a.normalizePhone(*phone)
		if err != nil {
			return http.StatusBadRequest, "invalid phone", err.Error()
		}
		*phone = n
	}
	return 0, "", ""
}

// paymentState is where a payment is, as the return page shows it.
type paymentState struct {
	PaymentID   string `json:"payment_id"`
	Product     string `json:"product,omitempty"`
	State       string `json:"state"` // processing, paid, declined, canceled
	Reason      string `json:"reason,omitempty"`
	Amount      string `json:"amount"`
	OrderID     int64  `json:"order_id,omitempty"`
	Receipt     string `json:"receipt,omitempty"` // "sent", "logged" (the log sender), "" not yet
	ReceiptTo   string `json:"receipt_to,omitempty"`
	RetryPath   string `json:"retry_path,omitempty"`
	OrdersPath  string `json:"orders_path,omitempty"`
	ProviderRaw string `json:"provider_status"`
}

// shopPaymentStatus answers where the shopper's payment is. "paid" means the
// webhook has created the order: the page never trusts the redirect alone.
func (a *app) shopPaymentStatus(w http.ResponseWriter, r *http.Request) {
	pay, err := a.ownPayment(r.Context(), userFrom(r.Context()), r.PathValue("id"))
	if errors.Is(err, errNotFound) {
		problem(w, http.StatusNotFound, "no such payment", "")
		return
	}
	if err != nil {
		a.log.Warn("payment status", "err", err)
		problem(w, http.StatusBadGateway, "payment provider unavailable", "")
		return
	}
	st := paymentState{PaymentID: pay.ID, Product: pay.Metadata["product"], State: "processing",
		Amount: pay.Amount.String(), ProviderRaw: string(pay.Status)}
	if st.Product != "" {
		st.RetryPath = "/shop/checkout/" + url.PathEscape(st.Product)
	}
	ord, found, err := a.orders.find(r.Context(), a.cfg.PaymentsProvider, pay.ID)
	if err != nil {
		a.log.Error("payment status", "err", err)
		problem(w, http.StatusInternalServerError, "cannot read orders", "")
		return
	}
	switch {
	case found:
		st.State, st.OrderID, st.ReceiptTo, st.OrdersPath = "paid", ord.ID, ord.Email, "/shop/orders"
		switch ord.Receipt {
		case "":
		case logSenderName:
			st.Receipt = "logged"
		default:
			st.Receipt = "sent"
		}
	case pay.Status == payments.StatusFailed:
		st.State, st.Reason = "declined", pay.FailureMessage
		if st.Reason == "" {
			st.Reason = "The payment was declined."
		}
	case pay.Status == payments.StatusCanceled:
		st.State, st.Reason = "canceled", "The payment was canceled."
	}
	writeJSON(w, http.StatusOK, st)
}

// --- the sandbox's card form ------------------------------------------------------------

type confirmRequest struct {
	PaymentID    string `json:"payment_id"`
	ClientSecret string `json:"client_secret"`
	Card         string `json:"card"`
}

type authenticateRequest struct {
	PaymentID string `json:"payment_id"`
	Result    string `json:"result"` // complete or fail
}

// nextStep tells the page where to go.
type nextStep struct {
	Next string `json:"next"`
}

// sandboxConfirm pays a sandbox payment with a test card, as Stripe.js
// confirms a payment with the client secret: the card decides the
// outcome, and the sandbox then delivers the signed webhook that fulfils
// the order. A successful card settles after SANDBOX_SETTLE (a second by
// default), so that the return page shows the wait a real payment has.
// Confirming a payment again changes nothing.
func (a *app) sandboxConfirm(w http.ResponseWriter, r *http.Request) {
	var in confirmRequest
	if !decodeSmall(w, r, &in) {
		return
	}
	pay, err := a.ownPayment(r.Context(), userFrom(r.Context()), in.PaymentID)
	if err != nil {
		problem(w, http.StatusNotFound, "no such payment", "the sandbox keeps payments in memory: start the checkout again")
		return
	}
	want := ""
	if pay.NextAction != nil {
		want = pay.NextAction.ClientSecret
	}
	returnTo := nextStep{Next: "/shop/return?payment_id=" + url.QueryEscape(pay.ID)}
	if a.shop.markConfirming(pay.ID) || pay.Status != payments.StatusRequiresAction {
		writeJSON(w, http.StatusOK, returnTo) // confirmed before: a double click, a reload
		return
	}
	if want == "" || !hmac.Equal([]byte(in.ClientSecret), []byte(want)) {
		a.shop.unmarkConfirming(pay.ID)
		problem(w, http.StatusForbidden, "invalid client secret", "")
		return
	}
	card := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, in.Card)
	switch card {
	case cardSucceeds:
		a.shop.settleLater(a, pay.ID)
	case cardDeclined:
		_, err = a.sandbox.Decline(r.Context(), pay.ID, "card_declined", "Your card was declined.")
	case cardInsufficient:
		_, err = a.sandbox.Decline(r.Context(), pay.ID, "insufficient_funds", "Your card has insufficient funds.")
	case cardNeeds3DS:
		a.shop.unmarkConfirming(pay.ID) // confirmed again after authentication
		if _, err = a.sandbox.RequireAction(r.Context(), pay.ID); err == nil {
			a.shop.mu.Lock()
			a.shop.confirming[pay.ID+"#3ds"] = true
			a.shop.mu.Unlock()
			returnTo.Next = "/shop/authenticate?payment_id=" + url.QueryEscape(pay.ID)
		}
	default:
		a.shop.unmarkConfirming(pay.ID)
		problem(w, http.StatusBadRequest, "unknown test card",
			"the sandbox takes the test cards listed on the page, such as 4242 4242 4242 4242")
		return
	}
	if err != nil && !errors.Is(err, sandboxpay.ErrDeliveryFailed) {
		a.log.Warn("sandbox confirm", "payment_id", pay.ID, "err", err)
		status, title := paymentErrorStatus(err)
		problem(w, status, title, "")
		return
	}
	writeJSON(w, http.StatusOK, returnTo)
}

// sandboxAuthenticate ends the 3-D Secure step of a payment that asked for
// it: "complete" pays it, "fail" declines it.
func (a *app) sandboxAuthenticate(w http.ResponseWriter, r *http.Request) {
	var in authenticateRequest
	if !decodeSmall(w, r, &in) {
		return
	}
	pay, err := a.ownPayment(r.Context(), userFrom(r.Context()), in.PaymentID)
	if err != nil {
		problem(w, http.StatusNotFound, "no such payment", "")
		return
	}
	returnTo := nextStep{Next: "/shop/return?payment_id=" + url.QueryEscape(pay.ID)}
	a.shop.mu.Lock()
	asked := a.shop.confirming[pay.ID+"#3ds"]
	delete(a.shop.confirming, pay.ID+"#3ds")
	a.shop.mu.Unlock()
	if !asked || pay.Status != payments.StatusRequiresAction {
		writeJSON(w, http.StatusOK, returnTo) // answered before
		return
	}
	switch in.Result {
	case "complete":
		a.shop.markConfirming(pay.ID)
		a.shop.settleLater(a, pay.ID)
	case "fail":
		if _, err := a.sandbox.Decline(r.Context(), pay.ID, "authentication_failed",
			"The card's 3-D Secure authentication failed."); err != nil && !errors.Is(err, sandboxpay.ErrDeliveryFailed) {
			status, title := paymentErrorStatus(err)
			problem(w, status, title, "")
			return
		}
	default:
		a.shop.mu.Lock()
		a.shop.confirming[pay.ID+"#3ds"] = true
		a.shop.mu.Unlock()
		problem(w, http.StatusBadRequest, "invalid result", `result must be "complete" or "fail"`)
		return
	}
	writeJSON(w, http.StatusOK, returnTo)
}

// markConfirming records that payment id was confirmed; it reports
// whether it had been already.
func (s *shopState) markConfirming(id string) (already bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	already = s.confirming[id]
	s.confirming[id] = true
	return already
}

func (s *shopState) unmarkConfirming(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.confirming, id)
}

// settleLater succeeds the sandbox payment id after the settle delay; the
// sandbox then delivers payment.succeeded to /webhooks/sandbox.
func (s *shopState) settleLater(a *app, id string) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTimer(s.settle)
		defer t.Stop()
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		if _, err := a.sandbox.Succeed(s.ctx, id); err != nil {
			a.log.Warn("sandbox settlement", "payment_id", id, "err", err)
		}
	}()
}

// decodeSmall reads a small body holding one JSON object into v, refusing
// unknown fields and anything after the object; it answers 400 or 413
// itself when it cannot.
func decodeSmall(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, next := dec.Token(); !errors.Is(next, io.EOF) {
			err = errors.New("more than one JSON value")
		}
	}
	if err != nil {
		if tooLarge(err) {
			problem(w, http.StatusRequestEntityTooLarge, "body too large", "the body must be at most 4096 bytes")
			return false
		}
		problem(w, http.StatusBadRequest, "invalid JSON body", "send one JSON object with the fields the page sends")
		return false
	}
	return true
}

// pageNames are the storefront's page templates, each drawn inside
// web/templates/layout.html.
var pageNames = []string{"products", "checkout", "authenticate", "return", "orders", "deliveries", "status"}

// productName is the name of product id, or "" for an API payment.
func (s *shopState) productName(id string) string {
	if p, ok := s.byID[id]; ok {
		return p.Name
	}
	return id
}

// parsePages parses every page with the layout; productName names a
// product id.
func parsePages(productName func(string) string) (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"money":       func(amount int64, currency string) string { return formatPrice(payments.NewMoney(amount, currency)) },
		"when":        func(t time.Time) string { return t.Local().Format("2 Jan 15:04:05") },
		"price":       formatPrice,
		"productName": productName,
	}
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(webFS, "web/templates/layout.html", "web/templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("page %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// currencySymbols are the symbols the pages show prices with.
var currencySymbols = map[payments.Currency]string{"USD": "$", "GHS": "GH₵", "NGN": "₦", "EUR": "€", "GBP": "£", "KES": "KSh ", "ZAR": "R"}

// formatPrice writes m as a shopper reads it: "$25.00", "GH₵150.00".
func formatPrice(m payments.Money) string {
	sym, ok := currencySymbols[m.Currency]
	if !ok {
		return m.String()
	}
	s := m.String() // "25.00 USD"
	amount, _, _ := strings.Cut(s, " ")
	return sym + amount
}
