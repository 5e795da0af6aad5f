package stripepay

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/paymentintent"
	"github.com/stripe/stripe-go/v76/refund"

	"github.com/switchboard-go/switchboard/payments"
)

// Name is the provider name reported by Provider.Name and in errors and
// events.
const Name = "stripe"

// MetadataReference is the metadata key under which CreatePayment stores
// CreatePaymentParams.Reference on the PaymentIntent; Payment.Reference and
// Event.Reference are read back from it.
const MetadataReference = "reference"

// DefaultMaxNetworkRetries is how many times stripe-go retries a request
// that failed in a way Stripe documents as safe to retry (see
// WithMaxNetworkRetries).
const DefaultMaxNetworkRetries = 2

// Stripe's documented metadata limits: 50 keys, keys up to 40 characters,
// values up to 500 characters, no square brackets in keys.
const (
	maxMetadataKeys     = 50
	maxMetadataKeyLen   = 40
	maxMetadataValueLen = 500
	maxIdempotencyKey   = 255
)

// Provider takes payments through Stripe PaymentIntents and Refunds. It is
// safe for concurrent use. Create it with New.
type Provider struct {
	// Only the two resource clients this package uses: stripe-go's
	// client.API would compile in every one of its resource packages.
	intents paymentintent.Client
	refunds refund.Client
	caps    payments.Capabilities
	obs     *payments.Observer
}

var (
	_ payments.Provider           = (*Provider)(nil)
	_ payments.CapabilityReporter = (*Provider)(nil)
	_ payments.EventParser        = (*Provider)(nil)
	_ payments.WebhookEventTyper  = (*Provider)(nil)
)

type config struct {
	apiURL     string
	httpClient *http.Client
	retries    int64
	logger     *slog.Logger
	rules      []payments.CurrencyRule
	obs        *payments.Observer
}

// Option configures a Provider. An option given a value it cannot use
// makes New fail with an error wrapping payments.ErrInvalidConfig.
type Option func(*config) error

// WithBaseURL sets the base URL of the Stripe API, for stripe-mock
// ("http://127.0.0.1:12111") or a proxy. A trailing "/v1" is accepted. The
// default is https://api.stripe.com. It must be an absolute http or https
// URL without credentials.
func WithBaseURL(u string) Option {
	return func(c *config) error {
		if err := payments.ValidateURL(Name, "WithBaseURL", u); err != nil {
			return err
		}
		c.apiURL = u
		return nil
	}
}

// WithHTTPClient sets the HTTP client requests go through. The default has
// an 80-second timeout, as stripe-go's own default does. A nil client is a
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

// WithMaxNetworkRetries sets how many times stripe-go retries a request
// (default DefaultMaxNetworkRetries; zero disables retries; a negative
// count is a configuration error). stripe-go retries connection errors,
// 409 Conflict, 429 only for lock_timeout, 503, other 5xx answers to GET
// requests, and whatever Stripe marks with Stripe-Should-Retry: true, with
// exponential backoff from 0.5 s up to 5 s. Every retry carries the same
// Idempotency-Key (the caller's, or one stripe-go generates for the call),
// so a retried create or refund never acts twice.
func WithMaxNetworkRetries(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return payments.ConfigError(Name, "WithMaxNetworkRetries", "retry count is negative")
		}
		c.retries = int64(n)
		return nil
	}
}

// WithLogger sends stripe-go's request log to l: its informational lines
// at debug level, warnings (retries) at warn and errors at error level.
// stripe-go redacts secrets from what it logs. Without it the provider
// logs nothing, since every failure is also returned as an error. A nil
// logger is a configuration error.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return payments.ConfigError(Name, "WithLogger", "logger is nil")
		}
		c.logger = l
		return nil
	}
}

// WithCurrencyRule adds a rule amounts must pass, on top of Stripe's
// zero- and three-decimal rules and its maximum amounts; for example the
// minimum charge amounts for the account's settlement currency:
//
//	stripepay.WithCurrencyRule(payments.MinimumAmounts(map[payments.Currency]int64{"USD": 50}))
//
// A nil rule is a configuration error.
func WithCurrencyRule(r payments.CurrencyRule) Option {
	return func(c *config) error {
		if r == nil {
			return payments.ConfigError(Name, "WithCurrencyRule", "rule is nil")
		}
		c.rules = append(c.rules, r)
		return nil
	}
}

// New returns a Provider that authenticates with secretKey (sk_live_...,
// sk_test_... or a restricted rk_ key). The key is only ever sent as the
// Authorization header and never appears in errors or logs.
//
// New makes no network call. It fails with an error wrapping
// payments.ErrInvalidConfig, naming the argument or option at fault, when
// the key is missing or malformed (empty, padded with or holding
// whitespace, or not an sk_ or rk_ key: a publishable pk_ key cannot make
// these calls), when an option is nil, or when an option's value is
// invalid.
func New(secretKey string, opts ...Option) (*Provider, error) {
	if err := payments.ValidateSecret(Name, "secret key", secretKey, "sk_", "rk_"); err != nil {
		return nil, err
	}
	cfg := config{retries: DefaultMaxNetworkRetries}
	for i, o := range opts {
		if o == nil {
			return nil, payments.ConfigError(Name, "option "+strconv.Itoa(i+1), "is nil")
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	bc := &stripe.BackendConfig{
		MaxNetworkRetries: stripe.Int64(cfg.retries),
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
	}
	if cfg.logger != nil {
		bc.LeveledLogger = slogLogger{cfg.logger}
	}
	if cfg.apiURL != "" {
		bc.URL = stripe.String(cfg.apiURL)
	}
	hc := cfg.httpClient
	if hc == nil {
		hc = &http.Client{Timeout: 80 * time.Second}
	}
	bc.HTTPClient = hc
	backend := stripe.GetBackendWithConfig(stripe.APIBackend, bc)

	rules := payments.AllRules(append([]payments.CurrencyRule{currencyRule{}}, cfg.rules...)...)
	return &Provider{
		intents: paymentintent.Client{B: backend, Key: secretKey},
		refunds: refund.Client{B: backend, Key: secretKey},
		obs:     cfg.obs,
		caps: payments.Capabilities{
			Currencies:              rules,
			Cancel:                  true,
			PartialRefund:           true,
			MaxIdempotencyKeyLength: maxIdempotencyKey,
			NextActionOnGet:         true,
		},
	}, nil
}

// Name returns "stripe".
func (p *Provider) Name() string { return Name }

// Capabilities returns what Stripe accepts: every currency whose minor
// unit Stripe documents (see ToStripeAmount) up to Stripe's maximum (see
// MaxAmount), plus the rules given to WithCurrencyRule; cancellation,
// partial refunds, idempotency keys of up to 255 characters, and next
// actions in GetPayment's answers.
func (p *Provider) Capabilities() payments.Capabilities { return p.caps }

// CreatePayment creates a PaymentIntent with the amount, the currency in
// lower case, automatic payment methods enabled, the description, receipt
// email and metadata (plus the reference under MetadataReference), sending
// IdempotencyKey as Stripe's Idempotency-Key header. Stripe answers
// requires_payment_method, so the payment starts in
// payments.StatusRequiresAction with a NextAction of type
// NextActionConfirmWithClientSecret holding the client secret, for the
// browser to collect a payment method and confirm with Stripe.js: the same
// status and next action as the sandbox reports for a new payment.
//
// Stripe accepts return_url only together with confirm=true, which needs a
// payment method the server does not have, so ReturnURL is not sent here:
// pass it to stripe.confirmPayment in the browser.
func (p *Provider) CreatePayment(ctx context.Context, in payments.CreatePaymentParams) (got *payments.Payment, err error) {
	ctx, ob := payments.StartObservation(ctx, p.obs, Name, "create_payment")
	defer func() { ob.EndPayment(got, err) }()
	in.Amount = in.Amount.Normalize()
	if err := p.caps.ValidateCreatePayment(Name, in); err != nil {
		return nil, err
	}
	amount, err := ToStripeAmount(in.Amount)
	if err != nil {
		return nil, err
	}
	md, err := metadata(in.Metadata, in.Reference)
	if err != nil {
		return nil, err
	}
	params := &stripe.PaymentIntentParams{
		Amount:                  stripe.Int64(amount),
		Currency:                stripe.String(strings.ToLower(string(in.Amount.Currency))),
		AutomaticPaymentMethods: &stripe.PaymentIntentAutomaticPaymentMethodsParams{Enabled: stripe.Bool(true)},
	}
	params.Context = ctx
	params.Metadata = md
	if in.Description != "" {
		params.Description = stripe.String(in.Description)
	}
	if in.CustomerEmail != "" {
		params.ReceiptEmail = stripe.String(in.CustomerEmail)
	}
	if in.IdempotencyKey != "" {
		params.SetIdempotencyKey(in.IdempotencyKey)
	}
	pi, err := p.intents.New(params)
	if err != nil {
		return nil, mapError(err)
	}
	out := toPayment(pi)
	if out.Reference == "" {
		out.Reference = in.Reference
	}
	return out, nil
}

// GetPayment retrieves a PaymentIntent by id (pi_...), expanding its latest
// charge so that refunds show as refunded or partially_refunded.
func (p *Provider) GetPayment(ctx context.Context, id string) (got *payments.Payment, err error) {
	ctx, ob := payments.StartObservation(ctx, p.obs, Name, "get_payment")
	defer func() { ob.EndPayment(got, err) }()
	pi, err := p.getIntent(ctx, id)
	if err != nil {
		return nil, err
	}
	return toPayment(pi), nil
}

func (p *Provider) getIntent(ctx context.Context, id string) (*stripe.PaymentIntent, error) {
	if err := payments.ValidateID(Name, "payment", id); err != nil {
		return nil, err
	}
	params := &stripe.PaymentIntentParams{}
	params.Context = ctx
	params.AddExpand("latest_charge")
	pi, err := p.intents.Get(id, params)
	if err != nil {
		return nil, mapError(err)
	}
	return pi, nil
}

// CancelPayment cancels a PaymentIntent that has not succeeded. Canceling
// a succeeded payment fails with an error wrapping ErrInvalidRequest
// (Stripe's payment_intent_unexpected_state); refund it instead.
func (p *Provider) CancelPayment(ctx context.Context, id string) (got *payments.Payment, err error) {
	ctx, ob := payments.StartObservation(ctx, p.obs, Name, "cancel_payment")
	defer func() { ob.EndPayment(got, err) }()
	if err := payments.ValidateID(Name, "payment", id); err != nil {
		return nil, err
	}
	params := &stripe.PaymentIntentCancelParams{}
	params.Context = ctx
	pi, err := p.intents.Cancel(id, params)
	if err != nil {
		return nil, mapError(err)
	}
	return toPayment(pi), nil
}

// Refund refunds a PaymentIntent in full (zero Amount) or in part, sending
// IdempotencyKey as Stripe's Idempotency-Key. Reason is passed as Stripe's
// reason when it is one Stripe knows (duplicate, fraudulent,
// requested_by_customer) and stored in metadata under "reason" otherwise.
//
// A partial refund first retrieves the payment, to learn its currency (so
// that the amount is converted with the same rules as the charge) and to
// reject an amount above what is left before anything is refunded. With an
// idempotency key only the payment's amount bounds it, since a retry of a
// refund that already succeeded must reach Stripe to be replayed.
func (p *Provider) Refund(ctx context.Context, in payments.RefundParams) (got *payments.Refund, err error) {
	ctx, ob := payments.StartObservation(ctx, p.obs, Name, "refund")
	defer func() { ob.EndRefund(got, err) }()
	if err := p.caps.ValidateRefund(Name, in); err != nil {
		return nil, err
	}
	md, err := metadata(in.Metadata, "")
	if err != nil {
		return nil, err
	}
	params := &stripe.RefundParams{PaymentIntent: stripe.String(in.PaymentID)}
	params.Context = ctx
	if in.Amount > 0 {
		pi, err := p.getIntent(ctx, in.PaymentID)
		if err != nil {
			return nil, err
		}
		cur := payments.Currency(strings.ToUpper(string(pi.Currency)))
		left := pi.Amount
		if pi.LatestCharge != nil && in.IdempotencyKey == "" {
			// With an idempotency key this may be the retry of a refund
			// that already went through: what it refunded is no longer
			// "left", and Stripe must be asked so that it replays the
			// first answer. Only the payment's amount bounds it then.
			left -= pi.LatestCharge.AmountRefunded
		}
		amount, err := ToStripeAmount(payments.Money{Amount: in.Amount, Currency: cur})
		if err != nil {
			return nil, err
		}
		if pi.Status == stripe.PaymentIntentStatusSucceeded && amount > left {
			return nil, &payments.Error{Kind: payments.ErrInvalidAmount, Provider: Name, Code: "amount_too_large",
				Message: "refund amount is more than what is left to refund"}
		}
		params.Amount = stripe.Int64(amount)
	}
	switch in.Reason {
	case "":
	case string(stripe.RefundReasonDuplicate), string(stripe.RefundReasonFraudulent), string(stripe.RefundReasonRequestedByCustomer):
		params.Reason = stripe.String(in.Reason)
	default:
		if md == nil {
			md = map[string]string{}
		}
		if len(in.Reason) > maxMetadataValueLen {
			return nil, invalid("metadata_invalid", "refund reason is longer than 500 characters")
		}
		md["reason"] = in.Reason
	}
	params.Metadata = md
	if in.IdempotencyKey != "" {
		params.SetIdempotencyKey(in.IdempotencyKey)
	}
	r, err := p.refunds.New(params)
	if err != nil {
		return nil, mapError(err)
	}
	out := toRefund(r)
	if out.PaymentID == "" {
		out.PaymentID = in.PaymentID
	}
	if out.Reason == "" {
		out.Reason = in.Reason
	}
	return out, nil
}

// GetRefund retrieves a refund by id (re_...).
func (p *Provider) GetRefund(ctx context.Context, id string) (got *payments.Refund, err error) {
	ctx, ob := payments.StartObservation(ctx, p.obs, Name, "get_refund")
	defer func() { ob.EndRefund(got, err) }()
	if err := payments.ValidateID(Name, "refund", id); err != nil {
		return nil, err
	}
	params := &stripe.RefundParams{}
	params.Context = ctx
	r, err := p.refunds.Get(id, params)
	if err != nil {
		return nil, mapError(err)
	}
	return toRefund(r), nil
}

// metadata checks user metadata against Stripe's limits and adds the
// reference.
func metadata(in map[string]string, reference string) (map[string]string, error) {
	n := len(in)
	if reference != "" {
		n++
	}
	if n == 0 {
		return nil, nil
	}
	if n > maxMetadataKeys {
		return nil, invalid("metadata_invalid", "Stripe accepts at most 50 metadata keys")
	}
	out := make(map[string]string, n)
	for k, v := range in {
		if k == "" || len(k) > maxMetadataKeyLen || strings.ContainsAny(k, "[]") {
			return nil, invalid("metadata_invalid", "metadata keys must be 1 to 40 characters without square brackets")
		}
		if len(v) > maxMetadataValueLen {
			return nil, invalid("metadata_invalid", "metadata values must be at most 500 characters")
		}
		out[k] = v
	}
	if reference != "" {
		if len(reference) > maxMetadataValueLen {
			return nil, invalid("reference_invalid", "reference must be at most 500 characters")
		}
		out[MetadataReference] = reference
	}
	return out, nil
}

func invalid(code, msg string) error {
	return &payments.Error{Kind: payments.ErrInvalidRequest, Provider: Name, Code: code, Message: msg}
}

// slogLogger adapts a *slog.Logger to stripe-go's leveled logger.
type slogLogger struct{ l *slog.Logger }

// Debugf logs stripe-go's debug lines at debug level.
func (s slogLogger) Debugf(format string, v ...any) { s.log(slog.LevelDebug, format, v) }

// Infof logs stripe-go's informational lines (one per request) at debug
// level.
func (s slogLogger) Infof(format string, v ...any) { s.log(slog.LevelDebug, format, v) }

// Warnf logs stripe-go's warnings (retries) at warn level.
func (s slogLogger) Warnf(format string, v ...any) { s.log(slog.LevelWarn, format, v) }

// Errorf logs stripe-go's errors at error level.
func (s slogLogger) Errorf(format string, v ...any) { s.log(slog.LevelError, format, v) }

// log formats the line only when the level is enabled.
func (s slogLogger) log(level slog.Level, format string, v []any) {
	ctx := context.Background()
	if !s.l.Enabled(ctx, level) {
		return
	}
	s.l.LogAttrs(ctx, level, fmt.Sprintf(format, v...), slog.String("provider", Name))
}
