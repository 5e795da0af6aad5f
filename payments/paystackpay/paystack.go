package paystackpay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/httpclient"
	"github.com/switchboard-go/switchboard/payments"
)

// Name is the name the provider reports in payments, refunds,
// events and errors.
const Name = "paystack"

// DefaultBaseURL is Paystack's API address. Test and live mode are chosen
// by the secret key (sk_test_... or sk_live_...), not by the host.
const DefaultBaseURL = "https://api.paystack.co"

// RequestHashMetadataKey is the metadata key under which CreatePayment
// stores a hash of the request's parameters when it chooses the
// transaction reference. When Paystack reports the reference as a
// duplicate, the hash tells a retry of the same request (which returns the
// existing transaction) from a different request reusing the key (which
// fails with payments.ErrIdempotencyConflict). It is removed from
// Payment.Metadata.
const RequestHashMetadataKey = "switchboard_request_hash"

// acceptedCurrencies are the currencies Paystack's API takes
// (TransactionInitialize.currency: GHS, KES, NGN, ZAR, USD). All have two
// decimal places: kobo, pesewas and cents.
var acceptedCurrencies = []payments.Currency{"NGN", "GHS", "ZAR", "KES", "USD"}

// rawStatusNew is the raw status of a transaction just initialized:
// Paystack's verify reports "abandoned" until the customer pays.
const rawStatusNew = "abandoned"

// maxIdempotencyKeyLength bounds idempotency keys like the other
// providers do; keys are hashed into references, so any length would work.
const maxIdempotencyKeyLength = 255

// Option configures a Provider. An option given a value it cannot use
// makes New fail with an error wrapping payments.ErrInvalidConfig.
type Option func(*config) error

type config struct {
	baseURL    string
	clientOpts []httpclient.Option
	logger     *slog.Logger
	now        func() time.Time
	obs        *payments.Observer
}

// WithBaseURL sets the API address (default DefaultBaseURL), for test
// servers and proxies. It must be an absolute http or https URL without
// credentials.
func WithBaseURL(u string) Option {
	return func(c *config) error {
		if err := payments.ValidateURL(Name, "WithBaseURL", u); err != nil {
			return err
		}
		c.baseURL = strings.TrimRight(u, "/")
		return nil
	}
}

// WithHTTPClient sets the *http.Client the httpclient.Client sends
// requests through (for example an httptest server's client). A nil
// client is a configuration error.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return payments.ConfigError(Name, "WithHTTPClient", "client is nil")
		}
		c.clientOpts = append(c.clientOpts, httpclient.WithHTTPClient(hc))
		return nil
	}
}

// WithHTTPOptions passes options to the httpclient.Client the provider
// builds (timeouts, retries, backoff, circuit breaker, transport). Two are
// always overridden: the bearer token is the secret key, and automatic
// idempotency keys stay off, because Paystack has no idempotency header and
// a generated key would make POST /refund retryable (see Provider).
func WithHTTPOptions(opts ...httpclient.Option) Option {
	return func(c *config) error {
		for i, o := range opts {
			if o == nil {
				return payments.ConfigError(Name, "WithHTTPOptions", "option "+strconv.Itoa(i+1)+" is nil")
			}
		}
		c.clientOpts = append(c.clientOpts, opts...)
		return nil
	}
}

// WithLogger sets the logger for the provider and its HTTP client. Without
// it the provider logs nothing. The secret key is never logged. A nil
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

// WithClock sets the clock used for CreatedAt of newly initialized
// transactions. A nil clock is a configuration error.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return payments.ConfigError(Name, "WithClock", "clock is nil")
		}
		c.now = now
		return nil
	}
}

// Provider takes payments through Paystack's Transactions and Refunds APIs.
// It is safe for concurrent use.
//
// # Idempotency and retries
//
// Paystack has no idempotency header. Its idempotency handle is the
// transaction reference, which it refuses to reuse (400, code
// "duplicate_reference"). CreatePayment therefore sets the reference
// itself whenever it can: CreatePaymentParams.Reference when given,
// otherwise ReferenceForKey(IdempotencyKey). Such a POST
// /transaction/initialize is safe to repeat, so it is sent with an
// httpclient idempotency key (the reference) and the client retries it on
// connection errors and 5xx like a GET; a repeat that reaches Paystack
// after the first one succeeded is answered "duplicate_reference", which
// CreatePayment resolves by verifying the existing transaction and
// returning it. Without either a Reference or an IdempotencyKey, Paystack
// picks the reference and the POST is sent exactly once.
//
// POST /refund has no idempotency handle at all, so it is always sent
// exactly once and never retried; a failure without an answer is returned
// as payments.ErrProviderUnavailable and the refund may or may not exist.
// RefundParams.IdempotencyKey is honoured by marking the refund's merchant
// note and looking for the mark before refunding again (see Refund).
type Provider struct {
	hc   *httpclient.Client
	log  *slog.Logger
	now  func() time.Time
	caps payments.Capabilities
	obs  *payments.Observer
}

var (
	_ payments.Provider           = (*Provider)(nil)
	_ payments.CapabilityReporter = (*Provider)(nil)
	_ payments.EventParser        = (*Provider)(nil)
	_ payments.WebhookEventTyper  = (*Provider)(nil)
)

// New returns a Paystack provider that authenticates with secretKey
// (sk_test_... or sk_live_...). It makes no network call.
//
// New fails with an error wrapping payments.ErrInvalidConfig, naming the
// argument or option at fault but never the key, when the key is missing
// or malformed (empty, padded with or holding whitespace, or not an sk_
// key: the public pk_ key cannot make these calls), when an option is
// nil, or when an option's value is invalid.
func New(secretKey string, opts ...Option) (*Provider, error) {
	if err := payments.ValidateSecret(Name, "secret key", secretKey, "sk_"); err != nil {
		return nil, err
	}
	cfg := config{baseURL: DefaultBaseURL, now: time.Now}
	for i, o := range opts {
		if o == nil {
			return nil, payments.ConfigError(Name, "option "+strconv.Itoa(i+1), "is nil")
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	hopts := []httpclient.Option{
		httpclient.WithBaseURL(cfg.baseURL),
		httpclient.WithUserAgent("switchboard-paystackpay"),
	}
	if cfg.logger != nil {
		hopts = append(hopts, httpclient.WithLogger(cfg.logger))
	} else {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	hopts = append(hopts, cfg.clientOpts...)
	hopts = append(hopts,
		httpclient.WithBearerToken(secretKey),
		httpclient.WithAutoIdempotencyKeys(false),
	)
	hc, err := httpclient.New(hopts...)
	if err != nil {
		return nil, &payments.Error{Kind: payments.ErrInvalidConfig, Provider: Name, Message: "HTTP options", Err: err}
	}
	return &Provider{hc: hc, log: cfg.logger, now: cfg.now, obs: cfg.obs,
		caps: payments.Capabilities{
			Currencies:              payments.AcceptCurrencies(acceptedCurrencies...),
			RequiresEmail:           true,
			Cancel:                  false,
			PartialRefund:           true,
			MaxIdempotencyKeyLength: maxIdempotencyKeyLength,
			NextActionOnGet:         false,
		}}, nil
}

// Name returns "paystack".
func (p *Provider) Name() string { return Name }

// Capabilities reports Paystack's rules: NGN, GHS, ZAR, KES and USD only
// (Paystack documents no maximum amount, so none is checked), a customer
// email is required, no cancellation, partial refunds allowed. GetPayment
// cannot report a next action (NextActionOnGet is false): Paystack's
// verify answer holds no authorization URL, so keep the one CreatePayment
// returned.
func (p *Provider) Capabilities() payments.Capabilities { return p.caps }

// CreatePayment initializes a transaction (POST /transaction/initialize)
// and returns it in StatusRequiresAction with a NextAction that redirects
// the customer to Paystack's authorization URL (AccessCode is set for
// Paystack's inline popup). Payment.ID is the transaction reference.
//
// The reference is params.Reference when given (it must hold only letters,
// digits, '-', '.' and '='), else ReferenceForKey(params.IdempotencyKey),
// else Paystack's own. When Paystack reports the reference as a duplicate,
// the existing transaction is verified and returned, so a retried create
// never makes a second transaction; Paystack does not return the
// authorization URL of an existing transaction, so that Payment has no
// NextAction. A duplicate whose amount, currency or request hash differ
// fails with payments.ErrIdempotencyConflict.
//
// params.Description has no Paystack field and is not sent. Input is
// validated before any call: see Capabilities.
func (p *Provider) CreatePayment(ctx context.Context, params payments.CreatePaymentParams) (got *payments.Payment, err error) {
	ctx, ob := payments.StartObservation(ctx, p.obs, Name, "create_payment")
	defer func() { ob.EndPayment(got, err) }()
	params.Amount = params.Amount.Normalize()
	if err := p.caps.ValidateCreatePayment(Name, params); err != nil {
		return nil, err
	}
	reference := params.Reference
	if reference != "" && !validReference(reference) {
		return nil, &payments.Error{Kind: payments.ErrInvalidRequest, Provider: Name,
			Code: "reference_invalid", Message: "reference may hold only letters, digits, '-', '.' and '='"}
	}
	if reference == "" && params.IdempotencyKey != "" {
		reference = ReferenceForKey(params.IdempotencyKey)
	}
	req := initializeRequest{
		Email:       strings.TrimSpace(params.CustomerEmail),
		Amount:      params.Amount.Amount,
		Currency:    string(params.Amount.Currency),
		Reference:   reference,
		CallbackURL: params.ReturnURL,
	}
	hash := ""
	if len(params.Metadata) > 0 || reference != "" {
		req.Metadata = make(map[string]string, len(params.Metadata)+1)
		for k, v := range params.Metadata {
			req.Metadata[k] = v
		}
		if reference != "" {
			hash = requestHash(params, reference)
			req.Metadata[RequestHashMetadataKey] = hash
		}
	}
	var opts []httpclient.RequestOption
	if reference != "" {
		// Safe to repeat: a repeat is a duplicate reference, resolved below.
		opts = append(opts, httpclient.WithIdempotencyKey(reference))
	}
	var data initializeData
	err = p.call(ctx, http.MethodPost, "/transaction/initialize", req, &data, opts...)
	if err != nil {
		if reference != "" && isDuplicateReference(err) {
			return p.resolveDuplicate(ctx, reference, params, hash)
		}
		return nil, err
	}
	if data.Reference == "" {
		data.Reference = reference
	}
	pay := &payments.Payment{
		ID:            data.Reference,
		Provider:      Name,
		Reference:     data.Reference,
		Amount:        params.Amount,
		Status:        payments.StatusRequiresAction,
		RawStatus:     rawStatusNew,
		CustomerEmail: req.Email,
		Metadata:      copyMetadata(params.Metadata),
		CreatedAt:     p.now().UTC(),
	}
	if data.AuthorizationURL != "" || data.AccessCode != "" {
		pay.NextAction = &payments.NextAction{
			Type:        payments.NextActionRedirect,
			RedirectURL: data.AuthorizationURL,
			AccessCode:  data.AccessCode,
		}
	}
	return pay, nil
}

// requestHash identifies the parameters of a create request.
func requestHash(params payments.CreatePaymentParams, reference string) string {
	b, _ := json.Marshal(struct {
		Amount    payments.Money
		Email     string
		Reference string
		Desc      string
		Return    string
		Metadata  map[string]string
	}{params.Amount, strings.TrimSpace(params.CustomerEmail), reference, params.Description, params.ReturnURL, params.Metadata})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// resolveDuplicate answers a create whose reference already exists: the
// existing transaction when it was made by the same request, an
// idempotency conflict otherwise.
func (p *Provider) resolveDuplicate(ctx context.Context, reference string, params payments.CreatePaymentParams, hash string) (*payments.Payment, error) {
	p.log.LogAttrs(ctx, slog.LevelInfo, "paystackpay: duplicate reference, verifying the existing transaction",
		slog.String("reference", reference))
	tx, err := p.verify(ctx, reference)
	if err != nil {
		return nil, err
	}
	stored, hasHash := tx.Metadata[RequestHashMetadataKey]
	same := int64(tx.Amount) == params.Amount.Amount &&
		strings.EqualFold(tx.Currency, string(params.Amount.Currency))
	if hasHash {
		same = same && stored == hash
	}
	if !same {
		return nil, &payments.Error{Kind: payments.ErrIdempotencyConflict, Provider: Name,
			StatusCode: http.StatusBadRequest, Code: codeDuplicateReference,
			Message: "a different transaction already uses reference " + reference}
	}
	pay := p.toPayment(tx)
	p.addRefunds(ctx, pay)
	return pay, nil
}

// GetPayment verifies a transaction by reference
// (GET /transaction/verify/:reference) and returns its state. Paystack
// answers 200 for failed and abandoned transactions too; the status comes
// from data.status (see the mapping in the package documentation).
func (p *Provider) GetPayment(ctx context.Context, id string) (got *payments.Payment, err error) {
	ctx, ob := payments.StartObservation(ctx, p.obs, Name, "get_payment")
	defer func() { ob.EndPayment(got, err) }()
	if err := payments.ValidateID(Name, "payment", id); err != nil {
		return nil, err
	}
	tx, err := p.verify(ctx, id)
	if err != nil {
		return nil, err
	}
	pay := p.toPayment(tx)
	p.addRefunds(ctx, pay)
	return pay, nil
}

func (p *Provider) verify(ctx context.Context, reference string) (*transaction, error) {
	var tx transaction
	if err := p.call(ctx, http.MethodGet, "/transaction/verify/"+url.PathEscape(reference), nil, &tx); err != nil {
		return nil, err
	}
	return &tx, nil
}

func (p *Provider) toPayment(tx *transaction) *payments.Payment {
	pay := &payments.Payment{
		ID:        tx.Reference,
		Provider:  Name,
		Reference: tx.Reference,
		Amount:    payments.Money{Amount: int64(tx.Amount), Currency: payments.Currency(strings.ToUpper(tx.Currency))},
		Status:    paymentStatus(tx.Status),
		RawStatus: tx.Status,
		Metadata:  cleanMetadata(tx.Metadata),
		CreatedAt: parseTime(tx.CreatedAt, tx.CreatedAtAlt),
	}
	if tx.Customer != nil {
		pay.CustomerEmail = tx.Customer.Email
	}
	switch pay.Status {
	case payments.StatusRefunded:
		pay.AmountRefunded = pay.Amount.Amount
	case payments.StatusFailed:
		pay.FailureMessage = tx.GatewayResponse
		if pay.FailureMessage == "" {
			pay.FailureMessage = tx.Message
		}
	}
	return pay
}

// CancelPayment is not offered by Paystack: an initialized transaction
// that is never paid stays abandoned. It returns an error wrapping
// payments.ErrNotSupported without calling Paystack.
func (p *Provider) CancelPayment(ctx context.Context, id string) (got *payments.Payment, err error) {
	_, ob := payments.StartObservation(ctx, p.obs, Name, "cancel_payment")
	defer func() { ob.EndPayment(got, err) }()
	return nil, &payments.Error{Kind: payments.ErrNotSupported, Provider: Name,
		Code: "cancel_not_supported", Message: "Paystack transactions cannot be canceled"}
}

// GetRefund fetches a refund by its Paystack id (GET /refund/:id).
func (p *Provider) GetRefund(ctx context.Context, id string) (got *payments.Refund, err error) {
	ctx, ob := payments.StartObservation(ctx, p.obs, Name, "get_refund")
	defer func() { ob.EndRefund(got, err) }()
	if err := payments.ValidateID(Name, "refund", id); err != nil {
		return nil, err
	}
	var r refundObject
	if err := p.call(ctx, http.MethodGet, "/refund/"+url.PathEscape(id), nil, &r); err != nil {
		return nil, err
	}
	return toRefund(&r), nil
}

func toRefund(r *refundObject) *payments.Refund {
	return &payments.Refund{
		ID:        string(r.ID),
		Provider:  Name,
		PaymentID: r.transactionReference(),
		Amount:    payments.Money{Amount: int64(r.Amount), Currency: payments.Currency(strings.ToUpper(r.Currency))},
		Status:    refundStatus(r.Status),
		RawStatus: r.Status,
		Reason:    stripMarker(r.MerchantNote),
		CreatedAt: parseTime(r.CreatedAt, r.CreatedAtAlt),
	}
}

// call sends one request and decodes the envelope's data into out.
func (p *Provider) call(ctx context.Context, method, path string, body, out any, opts ...httpclient.RequestOption) error {
	resp, err := p.hc.Do(ctx, method, path, body, opts...)
	if err != nil {
		return apiError(ctx, err)
	}
	reqID := resp.Header.Get("X-Request-Id")
	var env envelope
	if err := json.Unmarshal(resp.Body, &env); err != nil {
		return envelopeError(resp.StatusCode, reqID, nil, err)
	}
	if !env.Status {
		return envelopeError(resp.StatusCode, reqID, &env, nil)
	}
	if out != nil {
		if err := json.Unmarshal(env.Data, out); err != nil {
			return envelopeError(resp.StatusCode, reqID, &env, err)
		}
	}
	return nil
}

// cleanMetadata returns the metadata without the request hash, or nil.
func cleanMetadata(m metadata) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if k != RequestHashMetadataKey {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func copyMetadata(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
