package main

import (
	"context"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/smtpmail"
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
// delivers its webhooks there), and optionally an email sender that
// replaces the configured one (tests pass a recorder).
type appDeps struct {
	logger  *slog.Logger
	baseURL string
	mailer  email.Sender
}

// app is the checkout service: an http.Handler plus what it owns.
type app struct {
	cfg       config
	log       *slog.Logger
	store     idempotency.Store
	orders    *orderDB
	mailer    email.Sender
	templates *email.Templates
	providers map[string]payments.Provider
	sandbox   *sandboxpay.Provider
	signin    *signIn // nil when no sign-in provider is configured (login.go)
	media     *mediaService
	sms       *smsService // receipt texts and their delivery reports: sms.go
	mux       *http.ServeMux
}

func newApp(ctx context.Context, cfg config, deps appDeps) (_ *app, err error) {
	logger := deps.logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	a := &app{cfg: cfg, log: logger, providers: map[string]payments.Provider{}, mux: http.NewServeMux()}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()

	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	if a.store, err = idempotency.Open(ctx, cfg.StoreURL); err != nil {
		return nil, fmt.Errorf("idempotency store: %w", err)
	}
	if a.orders, err = openOrders(ctx, cfg.DataDir+string(os.PathSeparator)+"orders.db"); err != nil {
		return nil, err
	}
	if a.templates, err = email.LoadTemplates(templateFS, "templates"); err != nil {
		return nil, fmt.Errorf("email templates: %w", err)
	}
	switch {
	case deps.mailer != nil:
		a.mailer = deps.mailer
	case cfg.SMTPURL != "":
		s, err := smtpmail.NewFromURL(cfg.SMTPURL, smtpmail.WithLogger(logger))
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
		p, err := stripepay.New(cfg.StripeSecretKey, opts...)
		if err != nil {
			return nil, fmt.Errorf("stripe: %w", err)
		}
		v, err := webhooks.NewStripe(cfg.StripeWebhookSecret)
		if err != nil {
			return nil, fmt.Errorf("STRIPE_WEBHOOK_SECRET: %w", err)
		}
		if err := a.addProvider("stripe", p, v, p); err != nil {
			return nil, err
		}
	}
	if cfg.PaystackSecretKey != "" {
		opts := []paystackpay.Option{paystackpay.WithLogger(logger)}
		if cfg.PaystackAPIURL != "" {
			opts = append(opts, paystackpay.WithBaseURL(cfg.PaystackAPIURL))
		}
		p, err := paystackpay.New(cfg.PaystackSecretKey, opts...)
		if err != nil {
			return nil, fmt.Errorf("paystack: %w", err)
		}
		v, err := webhooks.NewPaystack(cfg.PaystackSecretKey)
		if err != nil {
			return nil, fmt.Errorf("paystack webhooks: %w", err)
		}
		if err := a.addProvider("paystack", p, v, p); err != nil {
			return nil, err
		}
	}
	if !cfg.DisableSandbox {
		opts := []sandboxpay.Option{sandboxpay.WithLogger(logger), sandboxpay.WithWebhookURL(strings.TrimRight(deps.baseURL, "/") + "/webhooks/sandbox")}
		if cfg.SandboxWebhookSecret != "" {
			opts = append(opts, sandboxpay.WithWebhookSecret(cfg.SandboxWebhookSecret))
		}
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
		if err := a.addProvider("sandbox", p, v, p); err != nil {
			return nil, err
		}
		a.mux.Handle("POST /sandbox/payments/{id}/succeed", a.auth(http.HandlerFunc(a.sandboxSucceed)))
		a.mux.Handle("POST /sandbox/payments/{id}/fail", a.auth(http.HandlerFunc(a.sandboxFail)))
	}
	if _, ok := a.providers[cfg.PaymentsProvider]; !ok {
		return nil, fmt.Errorf("PAYMENTS_PROVIDER %q is not enabled", cfg.PaymentsProvider)
	}

	if err := a.setupLogin(ctx, deps.baseURL); err != nil { // sign-in: login.go
		return nil, err
	}
	idem, err := idempotency.NewMiddleware(a.store,
		idempotency.WithScope(func(r *http.Request) string { return userFrom(r.Context()) }),
		idempotency.WithLogger(logger))
	if err != nil {
		return nil, fmt.Errorf("idempotency middleware: %w", err)
	}
	a.mux.Handle("POST /payments/create-intent", a.auth(idem(http.HandlerFunc(a.createIntent))))
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
	return a, nil
}

// addProvider enables a payment provider and mounts its webhook handler
// at /webhooks/NAME.
func (a *app) addProvider(name string, p payments.Provider, v webhooks.Verifier, parser payments.EventParser) error {
	a.providers[name] = p
	h, err := webhooks.NewHandler(v, webhooks.WithStore(a.store), webhooks.WithLogger(a.log))
	if err != nil {
		return fmt.Errorf("%s webhooks: %w", name, err)
	}
	payments.Handle(h, parser, a.onPaymentEvent)
	a.mux.Handle("/webhooks/"+name, h)
	return nil
}

// ServeHTTP implements http.Handler.
func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// Close releases the store and the orders database.
func (a *app) Close() error {
	var errs []error
	if a.store != nil {
		errs = append(errs, a.store.Close())
	}
	if a.orders != nil {
		errs = append(errs, a.orders.close())
	}
	errs = append(errs, a.media.close(), a.sms.close())
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
		return a.sendTemplate(ctx, "receipt", addr, map[string]any{
			"Amount": e.Amount.String(), "OrderID": ord.ID, "PaymentID": e.PaymentID,
		})
	case payments.EventPaymentFailed:
		addr := customerEmail(e)
		if addr == "" {
			return nil
		}
		return a.sendTemplate(ctx, "payment_failed", addr, map[string]any{
			"Amount": e.Amount.String(), "PaymentID": e.PaymentID, "Reason": e.FailureMessage,
		})
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

func (a *app) sendTemplate(ctx context.Context, name, to string, data any) error {
	content, err := a.templates.Render(name, data)
	if err != nil {
		return err
	}
	msg := content.Apply(&email.Message{From: a.cfg.EmailFrom, To: []string{to}, Tags: []string{name}})
	rcpt, err := a.mailer.Send(ctx, msg)
	if err != nil {
		return fmt.Errorf("send %s email: %w", name, err)
	}
	a.log.Info("email sent", "template", name, "message_id", rcpt.MessageID)
	return nil
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

func (a *app) createIntent(w http.ResponseWriter, r *http.Request) {
	var in createIntentRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		problem(w, http.StatusBadRequest, "invalid JSON body", err.Error())
		return
	}
	if _, err := mail.ParseAddress(in.Email); err != nil || strings.ContainsAny(in.Email, "\r\n") {
		problem(w, http.StatusBadRequest, "invalid email", "email must be an address such as a@b.co")
		return
	}
	if in.Phone != "" {
		phone, err := a.normalizePhone(in.Phone)
		if err != nil {
			problem(w, http.StatusBadRequest, "invalid phone", err.Error())
			return
		}
		in.Phone = phone
	}
	money := payments.NewMoney(in.Amount, in.Currency)
	if err := money.Validate(); err != nil {
		problem(w, http.StatusBadRequest, "invalid amount", err.Error())
		return
	}
	name := a.cfg.PaymentsProvider
	p := a.providers[name]
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
	out := createIntentResponse{PaymentID: pay.ID, Status: string(pay.Status), Provider: name, Reference: pay.Reference}
	if na := pay.NextAction; na != nil {
		out.ClientSecret = na.ClientSecret
		out.AuthorizationURL = na.RedirectURL
		out.AccessCode = na.AccessCode
	}
	writeJSON(w, http.StatusCreated, out)
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
		problem(w, http.StatusNotFound, "no such payment", "")
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

// logQuickStart prints the curl lines that walk through one payment.
func (a *app) logQuickStart(baseURL string) {
	if a.sandbox == nil || a.cfg.PaymentsProvider != "sandbox" {
		return
	}
	// The token is a credential: only the built-in demo token is printed.
	token := "$DEMO_TOKEN"
	if a.cfg.DemoToken == defaultDemoToken {
		token = defaultDemoToken
	}
	a.log.Info("try it: create a payment, succeed it, list the orders",
		"create", fmt.Sprintf(`curl -s -H 'Authorization: Bearer %s' -H 'Idempotency-Key: order-1' -d '{"amount":2999,"currency":"usd","email":"a@b.co"}' %s/payments/create-intent`, token, baseURL),
		"succeed", fmt.Sprintf(`curl -s -X POST -H 'Authorization: Bearer %s' %s/sandbox/payments/PAYMENT_ID/succeed`, token, baseURL),
		"orders", fmt.Sprintf(`curl -s -H 'Authorization: Bearer %s' %s/orders`, token, baseURL))
}

// logSender is the default email.Sender: it validates the message and
// writes it to the log instead of sending it. Set SMTP_URL to send.
type logSender struct{ log *slog.Logger }

func (s logSender) Send(ctx context.Context, m *email.Message) (*email.Receipt, error) {
	if err := email.Validate(m); err != nil {
		return nil, err
	}
	id := fmt.Sprintf("<%d@checkout.local>", time.Now().UnixNano())
	s.log.InfoContext(ctx, "email (logged, not sent: set SMTP_URL to send)",
		"message_id", id, "from", m.From, "to", strings.Join(m.To, ", "), "subject", m.Subject, "text", m.Text)
	return &email.Receipt{Provider: "log", MessageID: id}, nil
}
