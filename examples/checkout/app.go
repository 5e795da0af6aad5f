package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/smtpmail"
	"github.com/switchboard-go/switchboard/examples/internal/demo"
	"github.com/switchboard-go/switchboard/httpclient"
	"github.com/switchboard-go/switchboard/idempotency"
	_ "github.com/switchboard-go/switchboard/idempotency/memstore"    // memory:// store URLs
	_ "github.com/switchboard-go/switchboard/idempotency/pgstore"     // postgres:// store URLs
	_ "github.com/switchboard-go/switchboard/idempotency/redisstore"  // redis:// store URLs
	_ "github.com/switchboard-go/switchboard/idempotency/sqlitestore" // sqlite:// store URLs
	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/paystackpay"
	"github.com/switchboard-go/switchboard/payments/sandboxpay"
	"github.com/switchboard-go/switchboard/payments/stripepay"
	"github.com/switchboard-go/switchboard/webhooks"
)

//go:embed templates
var templateFS embed.FS

// appDeps are what the app takes from its caller rather than from the
// environment: the logger, the URL the app is reachable at (the sandbox
// delivers its webhooks there, and the printed command lines use it),
// where command lines for a person go (nil: nowhere), and optionally an
// email sender that replaces the configured one (tests pass a recorder).
type appDeps struct {
	logger  *slog.Logger
	baseURL string
	console io.Writer
	mailer  email.Sender
}

// app is the checkout service: an http.Handler plus what it owns.
type app struct {
	cfg       config
	log       *slog.Logger
	console   io.Writer
	baseURL   string
	store     idempotency.Store
	orders    *orderDB
	mailer    email.Sender
	templates *email.Templates
	providers map[string]payments.Provider
	sandbox   *sandboxpay.Provider
	signin    *signIn // nil when no sign-in provider is configured (login.go)
	media     *mediaService
	// keyScope is added to every Idempotency-Key scope. The sandbox keeps
	// its payments in process memory while the store outlives the process:
	// a key answered before a restart would replay a payment the new
	// sandbox never had. With the sandbox taking payments, keys are scoped
	// to this run; a real provider keeps its payments, and keys are scoped
	// to the user alone.
	keyScope string
	queue    queueState  // QUEUE_URL (queue.go)
	sms      *smsService // receipt texts and their delivery reports: sms.go
	tel      *telemetry  // nil when telemetry is off (telemetry.go)
	// idem is the Idempotency-Key middleware of the payment endpoints.
	idem       func(http.Handler) http.Handler
	shop       *shopState   // the storefront's pages: shop.go
	deliveries *deliveryLog // recent webhook deliveries, for the deliveries page
	mux        *http.ServeMux
}

func newApp(ctx context.Context, cfg config, deps appDeps) (_ *app, err error) {
	logger := deps.logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	a := &app{cfg: cfg, log: logger, console: deps.console, baseURL: strings.TrimRight(deps.baseURL, "/"),
		providers: map[string]payments.Provider{}, deliveries: &deliveryLog{}, mux: http.NewServeMux()}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()

	// Orders hold customers' email addresses: the data directory and the
	// databases are the owner's alone.
	if err := demo.MkdirPrivate(cfg.DataDir); err != nil {
		return nil, fmt.Errorf("DATA_DIR: %w", err)
	}
	if fi, err := os.Stat(cfg.DataDir); err == nil && fi.Mode().Perm()&0o077 != 0 {
		logger.Warn("DATA_DIR is open to other users; the databases in it are readable by the owner only",
			"data_dir", cfg.DataDir, "mode", fi.Mode().Perm().String())
	}
	if path, ok := sqlitePath(cfg.StoreURL); ok {
		if err := demo.PrivateSQLite(path); err != nil {
			return nil, fmt.Errorf("STORE_URL: %w", err)
		}
	}
	if a.tel, err = newTelemetry(ctx, cfg.Telemetry); err != nil {
		return nil, err
	}
	if a.store, err = idempotency.Open(ctx, cfg.StoreURL); err != nil {
		return nil, fmt.Errorf("idempotency store: %w", err)
	}
	a.store = a.tel.observeStore(a.store)
	if err := a.openQueue(ctx); err != nil { // queue.go
		return nil, err
	}
	ordersPath := filepath.Join(cfg.DataDir, "orders.db")
	if err := demo.PrivateSQLite(ordersPath); err != nil {
		return nil, fmt.Errorf("DATA_DIR: %w", err)
	}
	if a.orders, err = openOrders(ctx, ordersPath); err != nil {
		return nil, err
	}
	if a.templates, err = email.LoadTemplates(templateFS, "templates"); err != nil {
		return nil, fmt.Errorf("email templates: %w", err)
	}
	switch {
	case deps.mailer != nil:
		a.mailer = deps.mailer
	case cfg.SMTPURL != "":
		s, err := smtpmail.NewFromURL(cfg.SMTPURL, observed(a.tel, []smtpmail.Option{smtpmail.WithLogger(logger)}, smtpmail.WithObserver)...)
		if err != nil {
			return nil, fmt.Errorf("SMTP_URL: %w", err)
		}
		a.mailer = s
	default:
		a.mailer = logSender{log: logger}
	}

	// Payment providers and their webhook endpoints.
	if cfg.StripeSecretKey != "" {
		opts := []stripepay.Option{stripepay.WithLogger(logger)}
		if cfg.StripeAPIURL != "" {
			opts = append(opts, stripepay.WithBaseURL(cfg.StripeAPIURL))
		}
		opts = observed(a.tel, opts, stripepay.WithObserver)
		p, err := stripepay.New(cfg.StripeSecretKey, opts...)
		if err != nil {
			return nil, fmt.Errorf("stripe: %w", err)
		}
		v, err := webhooks.NewStripe(cfg.StripeWebhookSecret)
		if err != nil {
			return nil, fmt.Errorf("STRIPE_WEBHOOK_SECRET: %w", err)
		}
		if err := a.addProvider(stripepay.Name, p, v, p); err != nil {
			return nil, err
		}
	}
	if cfg.PaystackSecretKey != "" {
		opts := []paystackpay.Option{paystackpay.WithLogger(logger)}
		if cfg.PaystackAPIURL != "" {
			opts = append(opts, paystackpay.WithBaseURL(cfg.PaystackAPIURL))
		}
		opts = observedHTTP(a.tel, observed(a.tel, opts, paystackpay.WithObserver), paystackpay.WithHTTPOptions)
		p, err := paystackpay.New(cfg.PaystackSecretKey, opts...)
		if err != nil {
			return nil, fmt.Errorf("paystack: %w", err)
		}
		v, err := webhooks.NewPaystack(cfg.PaystackSecretKey)
		if err != nil {
			return nil, fmt.Errorf("paystack webhooks: %w", err)
		}
		if err := a.addProvider(paystackpay.Name, p, v, p); err != nil {
			return nil, err
		}
	}
	if !cfg.DisableSandbox {
		opts := []sandboxpay.Option{sandboxpay.WithLogger(logger), sandboxpay.WithWebhookURL(strings.TrimRight(deps.baseURL, "/") + "/webhooks/sandbox")}
		if cfg.SandboxWebhookSecret != "" {
			opts = append(opts, sandboxpay.WithWebhookSecret(cfg.SandboxWebhookSecret))
		}
		opts = observed(a.tel, opts, sandboxpay.WithObserver)
		p, err := sandboxpay.New(opts...)
		if err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		v, err := p.Verifier()
		if err != nil {
			return nil, fmt.Errorf("SANDBOX_WEBHOOK_SECRET: %w", err)
		}
		if cfg.SandboxWebhookSecret == "" {
			logger.Info("sandbox webhook secret generated; set SANDBOX_WEBHOOK_SECRET to keep it", "secret", p.WebhookSecret())
		}
		a.sandbox = p
		if err := a.addProvider(sandboxpay.Name, p, v, p); err != nil {
			return nil, err
		}
		a.mux.Handle("POST /sandbox/payments/{id}/succeed", a.auth(http.HandlerFunc(a.sandboxSucceed)))
		a.mux.Handle("POST /sandbox/payments/{id}/fail", a.auth(http.HandlerFunc(a.sandboxFail)))
	}
	if _, ok := a.providers[cfg.PaymentsProvider]; !ok {
		return nil, fmt.Errorf("PAYMENTS_PROVIDER %q is not enabled", cfg.PaymentsProvider)
	}
	if cfg.PaymentsProvider == sandboxpay.Name {
		a.keyScope = "sandbox-run-" + randomHex(8)
	}

	if err := a.setupLogin(ctx, deps.baseURL); err != nil { // sign-in: login.go
		return nil, err
	}
	if a.idem, err = idempotency.NewMiddleware(a.store, a.tel.idempotencyOptions(
		idempotency.WithScope(a.idempotencyScope),
		idempotency.WithLogger(logger))...); err != nil {
		return nil, fmt.Errorf("idempotency middleware: %w", err)
	}
	a.mux.Handle("POST /payments/create-intent", a.auth(a.idem(http.HandlerFunc(a.createIntent))))
	a.mux.Handle("GET /orders", a.auth(http.HandlerFunc(a.listOrders)))
	a.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	if err := a.setupMedia(ctx, deps.baseURL); err != nil {
		return nil, err
	}
	if err := a.setupSMS(ctx, deps.baseURL); err != nil {
		return nil, err
	}
	if err := a.setupShop(ctx, deps.baseURL); err != nil { // the storefront: shop.go
		return nil, err
	}
	if err := a.startWorkers(ctx); err != nil { // queue.go
		return nil, err
	}
	a.tel.mount(a.mux)
	return a, nil
}

// addProvider enables a payment provider and mounts its webhook handler
// at /webhooks/NAME.
func (a *app) addProvider(name string, p payments.Provider, v webhooks.Verifier, parser payments.EventParser) error {
	a.providers[name] = p
	h, err := webhooks.NewHandler(v, a.observeWebhooks(a.webhookOptions()...)...)
	if err != nil {
		return fmt.Errorf("%s webhooks: %w", name, err)
	}
	a.queue.handlers = append(a.queue.handlers, h)
	payments.Handle(h, parser, a.onPaymentEvent)
	a.mux.Handle("/webhooks/"+name, h)
	return nil
}

// idempotencyScope is the Idempotency-Key scope of a request: the user,
// and while the sandbox takes the payments, this run (see keyScope).
func (a *app) idempotencyScope(r *http.Request) string {
	if a.keyScope == "" {
		return userFrom(r.Context())
	}
	return userFrom(r.Context()) + "/" + a.keyScope
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// ServeHTTP implements http.Handler.
func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// Close releases the store and the orders database.
func (a *app) Close() error {
	a.shop.close()                  // first: waiting sandbox settlements deliver webhooks
	errs := []error{a.closeQueue()} // then running jobs, which use the store
	if a.store != nil {
		errs = append(errs, a.store.Close())
	}
	if a.orders != nil {
		errs = append(errs, a.orders.close())
	}
	errs = append(errs, a.media.close(), a.sms.close(), a.tel.shutdown())
	return errors.Join(errs...)
}

// --- fulfilment --------------------------------------------------------------

// onPaymentEvent runs once per verified, de-duplicated payment event.
// Returning an error makes the webhook answer 500, so the provider delivers
// the event again later.
func (a *app) onPaymentEvent(ctx context.Context, e *payments.Event) error {
	switch e.Type {
	case payments.EventPaymentSucceeded:
		addr := customerEmail(e)
		ord, created, err := a.orders.create(ctx, Order{
			Provider: e.Provider, PaymentID: e.PaymentID, Amount: e.Amount.Amount,
			Currency: string(e.Amount.Currency), Email: addr, User: e.Metadata["user"], Status: "paid", CreatedAt: time.Now(),
			Product: e.Metadata["product"],
		})
		if err != nil {
			return err
		}
		a.log.Info("order created", "order_id", ord.ID, "payment_id", ord.PaymentID, "new", created)
		if err := a.sendReceiptSMS(ctx, ord, e); err != nil {
			return err
		}
		if addr == "" {
			a.log.Warn("payment has no customer email; no receipt sent", "payment_id", e.PaymentID)
			return nil
		}
		sender, err := a.sendTemplate(ctx, "receipt", addr, map[string]any{
			"Amount": e.Amount.String(), "OrderID": ord.ID, "PaymentID": e.PaymentID,
		})
		if err != nil {
			return err
		}
		if err := a.orders.setReceipt(ctx, ord.ID, sender); err != nil {
			// The receipt went out; failing now would send it again on
			// the provider's retry. The order page shows it as pending.
			a.log.Error("receipt sent but not recorded", "order_id", ord.ID, "err", err)
		}
		return nil
	case payments.EventPaymentFailed:
		addr := customerEmail(e)
		if addr == "" {
			return nil
		}
		_, err := a.sendTemplate(ctx, "payment_failed", addr, map[string]any{
			"Amount": e.Amount.String(), "PaymentID": e.PaymentID, "Reason": e.FailureMessage,
		})
		return err
	default:
		a.log.Info("payment event acknowledged", "type", e.Type, "payment_id", e.PaymentID)
		return nil
	}
}

func customerEmail(e *payments.Event) string {
	if e.CustomerEmail != "" {
		return e.CustomerEmail
	}
	return e.Metadata["email"]
}

// sendTemplate sends the email template name to one address and returns
// the name of the sender that took it ("log" for the log sender).
func (a *app) sendTemplate(ctx context.Context, name, to string, data any) (sender string, err error) {
	content, err := a.templates.Render(name, data)
	if err != nil {
		return "", err
	}
	msg := content.Apply(&email.Message{From: a.cfg.EmailFrom, To: []string{to}, Tags: []string{name}})
	rcpt, err := a.mailer.Send(ctx, msg)
	if err != nil {
		return "", fmt.Errorf("send %s email: %w", name, err)
	}
	if rcpt.Provider == logSenderName {
		return rcpt.Provider, nil // the log sender's own line says it was not sent
	}
	a.log.Info("email sent", "template", name, "provider", rcpt.Provider, "message_id", rcpt.MessageID)
	return rcpt.Provider, nil
}

// --- HTTP handlers -----------------------------------------------------------

type createIntentRequest struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	Email    string `json:"email"`
	Phone    string `json:"phone,omitempty"` // receipt by SMS too: sms.go
}

type createIntentResponse struct {
	PaymentID        string `json:"payment_id"`
	Status           string `json:"status"`
	Provider         string `json:"provider"`
	ClientSecret     string `json:"client_secret,omitempty"`
	AuthorizationURL string `json:"authorization_url,omitempty"`
	AccessCode       string `json:"access_code,omitempty"`
	Reference        string `json:"reference,omitempty"`
}

// maxCreateIntentBody is the largest create-intent body read.
const maxCreateIntentBody = 64 << 10

func (a *app) createIntent(w http.ResponseWriter, r *http.Request) {
	var in createIntentRequest
	if status, detail := decodeBody(http.MaxBytesReader(w, r.Body, maxCreateIntentBody), &in); status != 0 {
		problem(w, status, "invalid JSON body", detail)
		return
	}
	if status, title, detail := a.checkBuyerContact(&in.Email, &in.Phone); status != 0 {
		problem(w, status, title, detail)
		return
	}
	money := payments.NewMoney(in.Amount, in.Currency)
	if err := money.Validate(); err != nil {
		problem(w, http.StatusBadRequest, "invalid amount", err.Error())
		return
	}
	name := a.cfg.PaymentsProvider
	p := a.providers[name]
	if limit, ok := maxAmount(p, money.Currency); ok && money.Amount > limit.Amount {
		problem(w, http.StatusBadRequest, "amount above the provider's maximum",
			fmt.Sprintf("amount must be at most %d minor units (%s): %s takes no more in one payment", limit.Amount, limit, name))
		return
	}
	params := payments.CreatePaymentParams{
		Amount:        money,
		CustomerEmail: in.Email,
		Description:   "Switchboard Checkout order",
		Metadata:      map[string]string{"email": in.Email, "user": userFrom(r.Context())},
	}
	if in.Phone != "" {
		params.Metadata["phone"] = in.Phone
	}
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		params.IdempotencyKey = userFrom(r.Context()) + ":" + key
	}
	pay, err := p.CreatePayment(r.Context(), params)
	if err != nil {
		status, title := paymentErrorStatus(err)
		a.log.Warn("create payment failed", "provider", name, "err", err)
		problem(w, status, title, err.Error())
		return
	}
	a.log.Info("payment created", "provider", name, "payment_id", pay.ID, "status", string(pay.Status))
	if name == sandboxpay.Name {
		a.printSandboxCommands(pay.ID)
	}
	out := createIntentResponse{PaymentID: pay.ID, Status: string(pay.Status), Provider: name, Reference: pay.Reference}
	if na := pay.NextAction; na != nil {
		out.ClientSecret = na.ClientSecret
		out.AuthorizationURL = na.RedirectURL
		out.AccessCode = na.AccessCode
	}
	writeJSON(w, http.StatusCreated, out)
}

// checkEmail accepts one RFC 5322 address on one line.
func checkEmail(addr string) error {
	if strings.ContainsAny(addr, "\r\n") {
		return errors.New("email holds a line break")
	}
	_, err := mail.ParseAddress(addr)
	return err
}

func paymentErrorStatus(err error) (int, string) {
	switch {
	case errors.Is(err, payments.ErrInvalidRequest), errors.Is(err, payments.ErrInvalidAmount),
		errors.Is(err, payments.ErrUnsupportedCurrency):
		return http.StatusBadRequest, "payment request rejected"
	case errors.Is(err, payments.ErrCardDeclined):
		return http.StatusPaymentRequired, "card declined"
	case errors.Is(err, payments.ErrIdempotencyConflict):
		return http.StatusUnprocessableEntity, "idempotency key reused"
	case errors.Is(err, payments.ErrRateLimited):
		return http.StatusTooManyRequests, "payment provider rate limited"
	case errors.Is(err, payments.ErrProviderUnavailable), errors.Is(err, payments.ErrAuthentication):
		return http.StatusBadGateway, "payment provider unavailable"
	default:
		return http.StatusInternalServerError, "payment failed"
	}
}

func (a *app) listOrders(w http.ResponseWriter, r *http.Request) {
	orders, err := a.orders.list(r.Context(), userFrom(r.Context()))
	if err == nil {
		err = a.attachSMS(r.Context(), orders)
	}
	if err != nil {
		a.log.Error("list orders", "err", err)
		problem(w, http.StatusInternalServerError, "cannot list orders", "")
		return
	}
	writeJSON(w, http.StatusOK, orders)
}

func (a *app) sandboxSucceed(w http.ResponseWriter, r *http.Request) {
	pay, err := a.sandbox.Succeed(r.Context(), r.PathValue("id"))
	a.sandboxAnswer(w, pay, err)
}

func (a *app) sandboxFail(w http.ResponseWriter, r *http.Request) {
	pay, err := a.sandbox.Decline(r.Context(), r.PathValue("id"), "card_declined", "Your card was declined.")
	a.sandboxAnswer(w, pay, err)
}

func (a *app) sandboxAnswer(w http.ResponseWriter, pay *payments.Payment, err error) {
	switch {
	case errors.Is(err, sandboxpay.ErrDeliveryFailed):
		// The state changed but the webhook was not accepted.
		writeJSON(w, http.StatusAccepted, map[string]string{"payment_id": pay.ID, "status": string(pay.Status), "webhook": "not delivered"})
	case errors.Is(err, payments.ErrNotFound):
		problem(w, http.StatusNotFound, "no such payment",
			"the sandbox keeps payments in memory: a payment created before the app restarted is gone")
	case err != nil:
		status, title := paymentErrorStatus(err)
		problem(w, status, title, err.Error())
	default:
		writeJSON(w, http.StatusOK, map[string]string{"payment_id": pay.ID, "status": string(pay.Status), "webhook": "delivered"})
	}
}

// --- auth, responses -----------------------------------------------------------

type userKey struct{}

func userFrom(ctx context.Context) string {
	u, _ := ctx.Value(userKey{}).(string)
	return u
}

// auth accepts "Authorization: Bearer <DEMO_TOKEN>" and answers 401
// otherwise. A real service plugs its own authentication in here; the
// user it finds scopes idempotency keys.
func (a *app) auth(next http.Handler) http.Handler {
	want := []byte(a.cfg.DemoToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.sessionAuth(w, r, next) { // a signed-in buyer: login.go
			return
		}
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(token), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="checkout"`)
			problem(w, http.StatusUnauthorized, "authentication required", "send Authorization: Bearer <token>")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, "demo-user")))
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// problem writes an RFC 9457 problem+json body.
func problem(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	body := map[string]any{"type": "about:blank", "title": title, "status": status}
	if detail != "" {
		body["detail"] = detail
	}
	_ = json.NewEncoder(w).Encode(body)
}

// redactURL hides the password of a store URL for logs, in the userinfo
// and in query parameters such as ?password=.
func redactURL(raw string) string { return httpclient.RedactURLString(raw) }

// printQuickStart prints the storefront's address, and the command lines
// that walk through one payment with the sandbox over the API, to paste
// into another terminal.
func (a *app) printQuickStart() {
	if a.console != nil {
		fmt.Fprintf(a.console, "\nOpen %s/ in a browser and buy something.\n", a.shop.publicURL)
	}
	if a.sandbox == nil || a.cfg.PaymentsProvider != sandboxpay.Name {
		return
	}
	demo.PrintCommands(a.console, "Or over the API, from another terminal: create a payment, succeed it, list the orders.",
		a.curl("", "/payments/create-intent", "-H "+demo.ShellQuote("Idempotency-Key: order-1")+
			" -d "+demo.ShellQuote(`{"amount":2999,"currency":"usd","email":"a@b.co"}`)),
		a.curl("POST", "/sandbox/payments/PAYMENT_ID/succeed", ""),
		a.curl("", "/orders", ""))
}

// printSandboxCommands prints the command lines that succeed or fail the
// sandbox payment id, which deliver its webhook.
func (a *app) printSandboxCommands(id string) {
	demo.PrintCommands(a.console, "Payment "+id+" created. Succeed it (or fail it); the sandbox delivers a signed webhook to /webhooks/sandbox:",
		a.curl("POST", "/sandbox/payments/"+id+"/succeed", ""),
		a.curl("POST", "/sandbox/payments/"+id+"/fail", ""))
}

// curl returns a command line calling path with the demo token, method
// (empty: curl's own choice) and further arguments args. The token
// is a credential: only the built-in demo token is printed; a configured
// one is left to the shell, as "$DEMO_TOKEN" in double quotes.
func (a *app) curl(method, path, args string) string {
	auth := demo.ShellQuote("Authorization: Bearer " + defaultDemoToken)
	if a.cfg.DemoToken != defaultDemoToken {
		auth = `"Authorization: Bearer $DEMO_TOKEN"`
	}
	line := "curl -s"
	if method != "" {
		line += " -X " + method
	}
	line += " -H " + auth
	if args != "" {
		line += " " + args
	}
	return line + " " + demo.ShellQuote(a.baseURL+path)
}

// logSenderName is the Provider of logSender's receipts.
const logSenderName = "log"

// logSender is the default email.Sender: it validates the message and
// writes it to the log instead of sending it. Set SMTP_URL to send.
type logSender struct{ log *slog.Logger }

func (s logSender) Send(ctx context.Context, m *email.Message) (*email.Receipt, error) {
	if err := email.Validate(m); err != nil {
		return nil, err
	}
	id := fmt.Sprintf("<%d@checkout.local>", time.Now().UnixNano())
	s.log.InfoContext(ctx, "email not sent, written to the log instead (set SMTP_URL to send)",
		"message_id", id, "from", m.From, "to", strings.Join(m.To, ", "), "subject", m.Subject, "text", m.Text)
	return &email.Receipt{Provider: logSenderName, MessageID: id}, nil
}
