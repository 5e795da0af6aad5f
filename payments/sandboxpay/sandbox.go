package sandboxpay

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-go/switchboard/payments"
)

// Name is the name the sandbox reports in payments and events.
const Name = "sandbox"

// ErrDeliveryFailed is wrapped by the errors of Succeed, Decline,
// RequireAction, SucceedRefund, FailRefund and OpenDispute when a webhook
// could not be delivered after every retry. The state change itself has
// been applied.
var ErrDeliveryFailed = errors.New("sandboxpay: webhook delivery failed")

// maxIdempotencyKeyLength bounds idempotency keys, as real providers do
// (Stripe: 255 characters).
const maxIdempotencyKeyLength = 255

// Option configures a Provider. An option given a value it cannot use
// makes New fail with an error wrapping payments.ErrInvalidConfig.
type Option func(*config) error

type config struct {
	secret         string
	url            string
	httpClient     *http.Client
	now            func() time.Time
	logger         *slog.Logger
	retries        int
	backoff        time.Duration
	maxBackoff     time.Duration
	pendingStart   bool
	pendingRefunds bool
	currencies     []payments.Currency
	maxAmount      int64
	obs            *payments.Observer
}

// WithWebhookSecret sets the Standard Webhooks signing secret, in the form
// "whsec_" followed by the base64 encoding of the key (the prefix is
// optional). Without it New generates a random secret, readable through
// WebhookSecret. A secret that is empty, padded with whitespace or not
// base64 is a configuration error that never repeats the secret.
func WithWebhookSecret(secret string) Option {
	return func(c *config) error {
		if err := payments.ValidateSecret(Name, "WithWebhookSecret", secret); err != nil {
			return err
		}
		if _, err := decodeSecret(secret); err != nil {
			return err
		}
		c.secret = secret
		return nil
	}
}

// WithWebhookURL makes the sandbox POST every event to url, an absolute
// http or https URL: the application's webhook endpoint, as a real
// provider's dashboard would be told. SetWebhookHandler delivers to an
// http.Handler in the same process instead, or as well.
func WithWebhookURL(url string) Option {
	return func(c *config) error {
		if err := payments.ValidateURL(Name, "WithWebhookURL", url); err != nil {
			return err
		}
		c.url = url
		return nil
	}
}

// WithHTTPClient sets the client used for deliveries to the webhook URL.
// The default is a client with a 10-second timeout. A nil client is a
// configuration error.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return payments.ConfigError(Name, "WithHTTPClient", "client is nil")
		}
		c.httpClient = hc
		return nil
	}
}

// WithClock sets the clock used for creation times and webhook timestamps.
// A nil clock is a configuration error.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return payments.ConfigError(Name, "WithClock", "clock is nil")
		}
		c.now = now
		return nil
	}
}

// WithLogger sets the logger for deliveries. Without it the sandbox logs
// nothing. A nil logger is a configuration error.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return payments.ConfigError(Name, "WithLogger", "logger is nil")
		}
		c.logger = l
		return nil
	}
}

// DefaultDeliveryRetries and DefaultDeliveryBackoff are how often and how
// soon a failed delivery is retried without WithDeliveryRetries;
// MaxDeliveryBackoff caps the doubling backoff between retries.
const (
	DefaultDeliveryRetries = 3
	DefaultDeliveryBackoff = 100 * time.Millisecond
	MaxDeliveryBackoff     = 2 * time.Second
)

// WithDeliveryRetries sets how many times a failed delivery is retried
// (default DefaultDeliveryRetries; zero delivers once) and the first
// backoff (default DefaultDeliveryBackoff; zero retries at once), which
// doubles on each retry up to MaxDeliveryBackoff. Retries stop early when
// the caller's context ends. A negative count, or a backoff that is
// negative or above MaxDeliveryBackoff, is a configuration error.
func WithDeliveryRetries(retries int, backoff time.Duration) Option {
	return func(c *config) error {
		if retries < 0 {
			return payments.ConfigError(Name, "WithDeliveryRetries", "retry count is negative")
		}
		if backoff < 0 || backoff > MaxDeliveryBackoff {
			return payments.ConfigError(Name, "WithDeliveryRetries", "backoff must be between 0 and "+MaxDeliveryBackoff.String())
		}
		c.retries, c.backoff = retries, backoff
		return nil
	}
}

// WithPendingPayments makes new payments start in StatusPending, with no
// next action, instead of StatusRequiresAction: a payment the provider is
// waiting on, not one the customer must act on.
func WithPendingPayments() Option {
	return func(c *config) error { c.pendingStart = true; return nil }
}

// WithPendingRefunds makes new refunds start in RefundPending; SucceedRefund
// and FailRefund then settle them. By default refunds succeed at once.
func WithPendingRefunds() Option {
	return func(c *config) error { c.pendingRefunds = true; return nil }
}

// WithCurrencies restricts the currencies the sandbox accepts, to mimic a
// real provider (for example NGN, GHS, ZAR, KES and USD for Paystack). By
// default every known ISO 4217 code is accepted. Codes may be in any case;
// an empty list or an unknown code is a configuration error.
func WithCurrencies(currencies ...payments.Currency) Option {
	return func(c *config) error {
		if len(currencies) == 0 {
			return payments.ConfigError(Name, "WithCurrencies", "no currency given")
		}
		out := make([]payments.Currency, len(currencies))
		for i, cur := range currencies {
			if !cur.Valid() {
				return payments.ConfigError(Name, "WithCurrencies", "unknown ISO 4217 currency "+strconv.Quote(string(cur)))
			}
			out[i] = cur.Normalize()
		}
		c.currencies = out
		return nil
	}
}

// DefaultMaxAmount is the largest amount the sandbox takes without
// WithMaxAmount, in minor units of any currency: Stripe's limit for
// nearly every currency (99999999, that is 999999.99 USD), so that an
// amount the sandbox accepts is one Stripe accepts too.
const DefaultMaxAmount = 99_999_999

// WithMaxAmount sets the largest amount CreatePayment accepts, in minor
// units of any currency (default DefaultMaxAmount). A larger amount fails
// before any other work with an error wrapping payments.ErrInvalidAmount,
// code "amount_too_large", that names the limit. A limit that is not
// positive is a configuration error.
func WithMaxAmount(max int64) Option {
	return func(c *config) error {
		if max <= 0 {
			return payments.ConfigError(Name, "WithMaxAmount", "maximum must be positive")
		}
		c.maxAmount = max
		return nil
	}
}

// Provider is the in-memory payments provider. It is safe for concurrent
// use. The zero value is not usable; call New.
type Provider struct {
	cfg     config
	caps    payments.Capabilities
	key     []byte
	mu      sync.Mutex
	pays    map[string]*payment
	refunds map[string]*refund
	idem    map[string]idemEntry
	failQ   []error
	failAll error
	calls   atomic.Int64
	log     []Delivery
	handler http.Handler
}

type payment struct {
	p           payments.Payment
	description string
	returnURL   string
	// reserved is the amount held by pending refunds.
	reserved int64
}

type refund struct {
	r              payments.Refund
	failureCode    string
	failureMessage string
}

type idemEntry struct {
	fingerprint string
	id          string
}

var (
	_ payments.Provider           = (*Provider)(nil)
	_ payments.CapabilityReporter = (*Provider)(nil)
	_ payments.EventParser        = (*Provider)(nil)
	_ payments.WebhookEventTyper  = (*Provider)(nil)
)

// New returns a sandbox provider. It never panics: a nil option or an
// option given a value it cannot use (see each option) makes it fail with
// an error wrapping payments.ErrInvalidConfig that names the option.
//
// The sandbox's webhook secret, and so its Verifier, exist as soon as New
// returns, before any webhook handler: build the handler from Verifier,
// then attach it with SetWebhookHandler (or point WithWebhookURL at it).
func New(opts ...Option) (*Provider, error) {
	cfg := config{
		httpClient: &http.Client{Timeout: 10 * time.Second},
		now:        time.Now,
		logger:     slog.New(slog.DiscardHandler),
		retries:    DefaultDeliveryRetries,
		backoff:    DefaultDeliveryBackoff,
		maxBackoff: MaxDeliveryBackoff,
		maxAmount:  DefaultMaxAmount,
	}
	for i, o := range opts {
		if o == nil {
			return nil, payments.ConfigError(Name, "option "+strconv.Itoa(i+1), "is nil")
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.secret == "" {
		cfg.secret = "whsec_" + base64.StdEncoding.EncodeToString(randomBytes(24))
	}
	key, err := decodeSecret(cfg.secret)
	if err != nil {
		return nil, err
	}
	return &Provider{
		cfg:     cfg,
		caps:    capabilities(cfg),
		key:     key,
		pays:    make(map[string]*payment),
		refunds: make(map[string]*refund),
		idem:    make(map[string]idemEntry),
	}, nil
}

func decodeSecret(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || len(key) == 0 {
		return nil, payments.ConfigError(Name, "WithWebhookSecret", "must be \"whsec_\" followed by the base64 of a key")
	}
	return key, nil
}

// WebhookSecret returns the Standard Webhooks secret deliveries are signed
// with ("whsec_..."), for configuring the receiving verifier.
func (p *Provider) WebhookSecret() string { return p.cfg.secret }

// Name returns "sandbox".
func (p *Provider) Name() string { return Name }

// FailNext makes the next call to one of the payments.Provider methods
// (CreatePayment, GetPayment, CancelPayment, Refund, GetRefund) that passes
// input validation return err without doing anything, as if the provider
// had answered with it; use a *payments.Error to look like a real
// provider. Failures queue: each is used once, in order. A nil err is
// ignored.
func (p *Provider) FailNext(err error) {
	if err == nil {
		return
	}
	p.mu.Lock()
	p.failQ = append(p.failQ, err)
	p.mu.Unlock()
}

// FailCalls makes every following payments.Provider call that passes input
// validation return err, as during a provider outage, until FailCalls(nil).
// Failures queued with FailNext are used first.
func (p *Provider) FailCalls(err error) {
	p.mu.Lock()
	p.failAll = err
	p.mu.Unlock()
}

// Calls returns how many payments.Provider calls have reached the sandbox's
// backend: those that passed input validation. Tests use it to prove that
// invalid input fails before any call to a provider.
func (p *Provider) Calls() int { return int(p.calls.Load()) }

// begin is what every payments.Provider call does once its input is valid:
// count the call, apply an injected failure, honour the context.
func (p *Provider) begin(ctx context.Context) error {
	p.calls.Add(1)
	p.mu.Lock()
	var err error
	switch {
	case len(p.failQ) > 0:
		err = p.failQ[0]
		p.failQ = p.failQ[1:]
	case p.failAll != nil:
		err = p.failAll
	}
	p.mu.Unlock()
	if err != nil {
		return err
	}
	return ctx.Err()
}

// Capabilities reports what the sandbox accepts: every known currency (or
// those given to WithCurrencies) up to the maximum amount (WithMaxAmount),
// cancellation, partial refunds, idempotency keys of up to 255 bytes, and
// next actions in GetPayment's answers. No customer email is required.
func (p *Provider) Capabilities() payments.Capabilities { return p.caps }

func capabilities(cfg config) payments.Capabilities {
	max := make(map[payments.Currency]int64)
	for _, c := range payments.Currencies() {
		max[c] = cfg.maxAmount
	}
	var accept payments.CurrencyRule
	if cfg.currencies != nil {
		accept = payments.AcceptCurrencies(cfg.currencies...)
	}
	return payments.Capabilities{
		Currencies:              payments.AllRules(accept, payments.MaximumAmounts(max)),
		Cancel:                  true,
		PartialRefund:           true,
		MaxIdempotencyKeyLength: maxIdempotencyKeyLength,
		NextActionOnGet:         true,
	}
}

// fingerprint identifies a request's parameters, so that a reused
// idempotency key with different parameters is detected.
func fingerprint(v any) string {
	b, _ := json.Marshal(v) // plain structs and string maps: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// CreatePayment creates a payment in StatusRequiresAction (or StatusPending
// with WithPendingPayments). With an IdempotencyKey, a repeated call with
// the same parameters returns the same payment; with different parameters
// it fails with payments.ErrIdempotencyConflict.
func (p *Provider) CreatePayment(ctx context.Context, params payments.CreatePaymentParams) (got *payments.Payment, err error) {
	ctx, ob := payments.StartObservation(ctx, p.cfg.obs, Name, "create_payment")
	defer func() { ob.EndPayment(got, err) }()
	params.Amount = params.Amount.Normalize()
	if err := p.caps.ValidateCreatePayment(Name, params); err != nil {
		return nil, err
	}
	if err := p.begin(ctx); err != nil {
		return nil, err
	}
	fp := fingerprint(struct {
		Amount                   payments.Money
		Email, Ref, Desc, Return string
		Metadata                 map[string]string
	}{params.Amount, params.CustomerEmail, params.Reference, params.Description, params.ReturnURL, params.Metadata})

	p.mu.Lock()
	defer p.mu.Unlock()
	if params.IdempotencyKey != "" {
		if e, ok := p.idem["payment:"+params.IdempotencyKey]; ok {
			if e.fingerprint != fp {
				return nil, newError(payments.ErrIdempotencyConflict, 400, "idempotency_key_reused",
					"idempotency key was used with different parameters")
			}
			return clonePayment(&p.pays[e.id].p), nil
		}
	}
	id := "pay_" + randomHex(12)
	pay := &payment{
		p: payments.Payment{
			ID:            id,
			Provider:      Name,
			Reference:     params.Reference,
			Amount:        params.Amount,
			CustomerEmail: params.CustomerEmail,
			Metadata:      cloneMap(params.Metadata),
			CreatedAt:     p.cfg.now().UTC(),
		},
		description: params.Description,
		returnURL:   params.ReturnURL,
	}
	if p.cfg.pendingStart {
		setStatus(&pay.p, payments.StatusPending)
	} else {
		setStatus(&pay.p, payments.StatusRequiresAction)
		pay.p.NextAction = &payments.NextAction{
			Type:         payments.NextActionConfirmWithClientSecret,
			ClientSecret: id + "_secret_" + randomHex(12),
		}
	}
	p.pays[id] = pay
	if params.IdempotencyKey != "" {
		p.idem["payment:"+params.IdempotencyKey] = idemEntry{fingerprint: fp, id: id}
	}
	return clonePayment(&pay.p), nil
}

// GetPayment returns a payment by id, or an error wrapping
// payments.ErrNotFound.
func (p *Provider) GetPayment(ctx context.Context, id string) (got *payments.Payment, err error) {
	ctx, ob := payments.StartObservation(ctx, p.cfg.obs, Name, "get_payment")
	defer func() { ob.EndPayment(got, err) }()
	if err := payments.ValidateID(Name, "payment", id); err != nil {
		return nil, err
	}
	if err := p.begin(ctx); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pay, err := p.lookup(id)
	if err != nil {
		return nil, err
	}
	return clonePayment(&pay.p), nil
}

// CancelPayment cancels a payment that has not succeeded, failed or been
// canceled, and delivers a payment.canceled event. Canceling a canceled
// payment returns it unchanged, without an event.
func (p *Provider) CancelPayment(ctx context.Context, id string) (got *payments.Payment, err error) {
	ctx, ob := payments.StartObservation(ctx, p.cfg.obs, Name, "cancel_payment")
	defer func() { ob.EndPayment(got, err) }()
	if err := payments.ValidateID(Name, "payment", id); err != nil {
		return nil, err
	}
	if err := p.begin(ctx); err != nil {
		return nil, err
	}
	p.mu.Lock()
	pay, err := p.lookup(id)
	if err != nil {
		p.mu.Unlock()
		return nil, err
	}
	if pay.p.Status == payments.StatusCanceled {
		out := clonePayment(&pay.p)
		p.mu.Unlock()
		return out, nil
	}
	if !cancelable(pay.p.Status) {
		p.mu.Unlock()
		return nil, invalidState(pay.p.Status, "cancel")
	}
	setStatus(&pay.p, payments.StatusCanceled)
	pay.p.NextAction = nil
	out := clonePayment(&pay.p)
	msg := p.newMessage("payment.canceled", paymentData(&pay.p))
	p.mu.Unlock()
	p.deliverQuietly(ctx, msg)
	return out, nil
}

// Refund refunds a succeeded payment in full (zero Amount: whatever has not
// been refunded yet) or in part. With an IdempotencyKey, a repeated call
// with the same parameters returns the same refund and never refunds twice.
func (p *Provider) Refund(ctx context.Context, params payments.RefundParams) (got *payments.Refund, err error) {
	ctx, ob := payments.StartObservation(ctx, p.cfg.obs, Name, "refund")
	defer func() { ob.EndRefund(got, err) }()
	if err := p.caps.ValidateRefund(Name, params); err != nil {
		return nil, err
	}
	if err := p.begin(ctx); err != nil {
		return nil, err
	}
	fp := fingerprint(struct {
		ID, Reason string
		Amount     int64
		Metadata   map[string]string
	}{params.PaymentID, params.Reason, params.Amount, params.Metadata})

	p.mu.Lock()
	if params.IdempotencyKey != "" {
		if e, ok := p.idem["refund:"+params.IdempotencyKey]; ok {
			defer p.mu.Unlock()
			if e.fingerprint != fp {
				return nil, newError(payments.ErrIdempotencyConflict, 400, "idempotency_key_reused",
					"idempotency key was used with different parameters")
			}
			r := p.refunds[e.id].r
			return &r, nil
		}
	}
	pay, err := p.lookup(params.PaymentID)
	if err != nil {
		p.mu.Unlock()
		return nil, err
	}
	if pay.p.Status != payments.StatusSucceeded && pay.p.Status != payments.StatusPartiallyRefunded {
		p.mu.Unlock()
		return nil, newError(payments.ErrInvalidRequest, 400, "charge_not_refundable",
			fmt.Sprintf("payment in status %s cannot be refunded", pay.p.Status))
	}
	remaining := pay.p.Amount.Amount - pay.p.AmountRefunded - pay.reserved
	amount := params.Amount
	if amount == 0 {
		amount = remaining
	}
	if amount <= 0 || amount > remaining {
		p.mu.Unlock()
		return nil, newError(payments.ErrInvalidAmount, 400, "amount_too_large",
			fmt.Sprintf("refund of %d exceeds the %d left to refund", amount, remaining))
	}
	ref := &refund{r: payments.Refund{
		ID:        "re_" + randomHex(12),
		Provider:  Name,
		PaymentID: pay.p.ID,
		Amount:    payments.Money{Amount: amount, Currency: pay.p.Amount.Currency},
		Reason:    params.Reason,
		CreatedAt: p.cfg.now().UTC(),
	}}
	eventType := "refund.succeeded"
	if p.cfg.pendingRefunds {
		setRefundStatus(&ref.r, payments.RefundPending)
		pay.reserved += amount
		eventType = "refund.pending"
	} else {
		setRefundStatus(&ref.r, payments.RefundSucceeded)
		applyRefund(&pay.p, amount)
	}
	p.refunds[ref.r.ID] = ref
	if params.IdempotencyKey != "" {
		p.idem["refund:"+params.IdempotencyKey] = idemEntry{fingerprint: fp, id: ref.r.ID}
	}
	out := ref.r
	msg := p.newMessage(eventType, refundData(ref, &pay.p))
	p.mu.Unlock()
	p.deliverQuietly(ctx, msg)
	return &out, nil
}

// GetRefund returns a refund by id, or an error wrapping
// payments.ErrNotFound.
func (p *Provider) GetRefund(ctx context.Context, id string) (got *payments.Refund, err error) {
	ctx, ob := payments.StartObservation(ctx, p.cfg.obs, Name, "get_refund")
	defer func() { ob.EndRefund(got, err) }()
	if err := payments.ValidateID(Name, "refund", id); err != nil {
		return nil, err
	}
	if err := p.begin(ctx); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.refunds[id]
	if !ok {
		return nil, newError(payments.ErrNotFound, 404, "resource_missing", "no such refund")
	}
	out := r.r
	return &out, nil
}

func (p *Provider) lookup(id string) (*payment, error) {
	pay, ok := p.pays[id]
	if !ok {
		return nil, newError(payments.ErrNotFound, 404, "resource_missing", "no such payment")
	}
	return pay, nil
}

func setStatus(p *payments.Payment, s payments.Status) {
	p.Status = s
	p.RawStatus = string(s)
}

func setRefundStatus(r *payments.Refund, s payments.RefundStatus) {
	r.Status = s
	r.RawStatus = string(s)
}

func applyRefund(p *payments.Payment, amount int64) {
	p.AmountRefunded += amount
	if p.AmountRefunded >= p.Amount.Amount {
		setStatus(p, payments.StatusRefunded)
	} else {
		setStatus(p, payments.StatusPartiallyRefunded)
	}
}

func cancelable(s payments.Status) bool {
	switch s {
	case payments.StatusPending, payments.StatusRequiresAction, payments.StatusProcessing:
		return true
	}
	return false
}

func invalidState(s payments.Status, action string) error {
	return newError(payments.ErrInvalidRequest, 400, "invalid_state",
		fmt.Sprintf("cannot %s a payment in status %s", action, s))
}

func clonePayment(p *payments.Payment) *payments.Payment {
	out := *p
	out.Metadata = cloneMap(p.Metadata)
	if p.NextAction != nil {
		na := *p.NextAction
		out.NextAction = &na
	}
	return &out
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }

func newError(kind error, status int, code, msg string) *payments.Error {
	return &payments.Error{Kind: kind, Provider: Name, StatusCode: status, Code: code, Message: msg}
}
