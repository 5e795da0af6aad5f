package sendgridmail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/httpclient"
)

// Base URLs of the v3 API.
const (
	// DefaultBaseURL is the global v3 API host.
	DefaultBaseURL = "https://api.sendgrid.com"
	// EUBaseURL is the host for subusers whose data resides in the EU.
	EUBaseURL = "https://api.eu.sendgrid.com"
)

const sendPath = "/v3/mail/send"

const userAgent = "switchboard-go/sendgridmail"

type config struct {
	baseURL  string
	sandbox  bool
	client   *httpclient.Client
	httpOpts []httpclient.Option
	logger   *slog.Logger
}

// Option configures a Sender.
type Option func(*config)

// WithEUEndpoint sends through the EU host (https://api.eu.sendgrid.com),
// required for EU-pinned subusers.
func WithEUEndpoint() Option { return func(c *config) { c.baseURL = EUBaseURL } }

// WithBaseURL replaces the API host, for tests or a proxy. The path
// /v3/mail/send is appended to it.
func WithBaseURL(u string) Option { return func(c *config) { c.baseURL = u } }

// WithSandboxMode sets mail_settings.sandbox_mode.enable: SendGrid
// validates the request and answers without delivering anything.
func WithSandboxMode(on bool) Option { return func(c *config) { c.sandbox = on } }

// WithHTTPClient sends through c instead of a client built by New. The
// Sender adds its own Authorization header and uses an absolute URL, so c
// must not carry SendGrid credentials or rely on its base URL. Do not turn
// on automatic idempotency keys for c: SendGrid ignores them, and a
// retried POST can deliver the message twice.
func WithHTTPClient(c *httpclient.Client) Option { return func(cfg *config) { cfg.client = c } }

// WithHTTPOptions passes options to the httpclient.Client that New builds
// (timeouts, circuit breaker, transport). It has no effect together with
// WithHTTPClient.
func WithHTTPOptions(opts ...httpclient.Option) Option {
	return func(c *config) { c.httpOpts = append(c.httpOpts, opts...) }
}

// WithLogger logs each send (outcome, status, message id, duration) to l.
// The API key is never logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// Sender sends email through the SendGrid v3 Mail Send API. It is safe for
// concurrent use.
type Sender struct {
	endpoint string
	auth     string
	sandbox  bool
	client   *httpclient.Client
	logger   *slog.Logger
}

var _ email.Sender = (*Sender)(nil)

// New returns a Sender that authenticates with apiKey (Authorization:
// Bearer). The key needs the mail.send scope.
func New(apiKey string, opts ...Option) (*Sender, error) {
	if apiKey == "" {
		return nil, errors.New("sendgridmail: API key is empty")
	}
	if strings.ContainsAny(apiKey, "\r\n") {
		return nil, errors.New("sendgridmail: API key contains CR or LF")
	}
	cfg := config{baseURL: DefaultBaseURL}
	for _, o := range opts {
		o(&cfg)
	}
	endpoint, err := endpointURL(cfg.baseURL)
	if err != nil {
		return nil, err
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	if cfg.client == nil {
		base := []httpclient.Option{
			httpclient.WithRetries(0),
			httpclient.WithUserAgent(userAgent),
			httpclient.WithLogger(cfg.logger),
		}
		cfg.client = httpclient.New(append(base, cfg.httpOpts...)...)
	}
	return &Sender{
		endpoint: endpoint,
		auth:     "Bearer " + apiKey,
		sandbox:  cfg.sandbox,
		client:   cfg.client,
		logger:   cfg.logger,
	}, nil
}

func endpointURL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", errors.New("sendgridmail: base URL must be an absolute http(s) URL")
	}
	return strings.TrimRight(u.String(), "/") + sendPath, nil
}

// String describes the Sender without its credentials.
func (s *Sender) String() string {
	return fmt.Sprintf("sendgridmail.Sender{endpoint: %s, sandbox: %t}", s.endpoint, s.sandbox)
}

// GoString is String, so %#v does not print the API key either.
func (s *Sender) GoString() string { return s.String() }

// Send validates m and posts it to /v3/mail/send. On 202 Accepted the
// receipt carries the X-Message-Id header. Failures are *email.SendError;
// the request is never retried here, since the API has no idempotency key.
func (s *Sender) Send(ctx context.Context, m *email.Message) (*email.Receipt, error) {
	if err := email.Validate(m); err != nil {
		return nil, err
	}
	req, err := buildRequest(m, s.sandbox)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, &email.SendError{Kind: email.ErrPermanent, Provider: providerName, Message: "encoding request", Err: err}
	}
	start := time.Now()
	resp, err := s.client.Post(ctx, s.endpoint, body,
		httpclient.WithContentType("application/json"),
		httpclient.WithRequestHeader("Accept", "application/json"),
		httpclient.WithRequestHeader("Authorization", s.auth),
	)
	if err != nil {
		se := fromHTTPError(err)
		s.logger.LogAttrs(ctx, slog.LevelWarn, "email send failed",
			slog.String("provider", providerName),
			slog.Int("status", se.StatusCode),
			slog.String("error", se.Error()),
			slog.Duration("duration", time.Since(start)))
		return nil, se
	}
	id := resp.Header.Get("X-Message-Id")
	s.logger.LogAttrs(ctx, slog.LevelInfo, "email sent",
		slog.String("provider", providerName),
		slog.Int("status", resp.StatusCode),
		slog.String("message_id", id),
		slog.Duration("duration", time.Since(start)))
	return &email.Receipt{Provider: providerName, MessageID: id}, nil
}

// fromHTTPError maps an httpclient error to a SendError.
func fromHTTPError(err error) *email.SendError {
	var st *httpclient.StatusError
	if errors.As(err, &st) {
		return classify(st.StatusCode, st.Body, err)
	}
	return &email.SendError{
		Kind:     email.ErrTemporary,
		Provider: providerName,
		Message:  "request failed",
		Err:      err,
	}
}
