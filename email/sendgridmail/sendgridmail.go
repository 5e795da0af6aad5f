package sendgridmail

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/internal/httpsend"
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
	httpsend.ClientConfig
	baseURL string
	sandbox bool
}

// Option configures a Sender.
type Option func(*config)

// WithEU sends through the EU host (https://api.eu.sendgrid.com),
// required for EU-pinned subusers.
func WithEU() Option { return func(c *config) { c.baseURL = EUBaseURL } }

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
func WithHTTPClient(c *httpclient.Client) Option { return func(cfg *config) { cfg.SetClient(c) } }

// WithHTTPOptions passes options to the httpclient.Client that New builds
// (timeouts, circuit breaker, transport). It has no effect together with
// WithHTTPClient.
func WithHTTPOptions(opts ...httpclient.Option) Option {
	return func(c *config) { c.AddHTTPOptions(opts...) }
}

// WithLogger logs each send (outcome, status, message id, duration) to l.
// The API key is never logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.SetLogger(l) } }

// Sender sends email through the SendGrid v3 Mail Send API. It is safe for
// concurrent use.
type Sender struct {
	endpoint string
	auth     string
	sandbox  bool
	http     httpsend.Transport
}

var _ email.Sender = (*Sender)(nil)

// New returns a Sender that authenticates with apiKey (Authorization:
// Bearer). The key needs the mail.send scope.
func New(apiKey string, opts ...Option) (*Sender, error) {
	if err := httpsend.CheckCredential("sendgridmail", "API key", apiKey); err != nil {
		return nil, err
	}
	cfg := config{baseURL: DefaultBaseURL}
	for _, o := range opts {
		o(&cfg)
	}
	endpoint, err := endpointURL(cfg.baseURL)
	if err != nil {
		return nil, err
	}
	return &Sender{
		endpoint: endpoint,
		auth:     "Bearer " + apiKey,
		sandbox:  cfg.sandbox,
		http:     cfg.Transport(Name, userAgent, classify),
	}, nil
}

func endpointURL(base string) (string, error) {
	u, err := httpsend.BaseURL("sendgridmail", base)
	if err != nil {
		return "", err
	}
	return u + sendPath, nil
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
		return nil, &email.SendError{Kind: email.ErrPermanent, Provider: Name, Message: "encoding request", Err: err}
	}
	return s.http.Send(ctx, httpsend.Request{
		URL:         s.endpoint,
		Body:        body,
		ContentType: "application/json",
		AuthHeader:  "Authorization",
		AuthValue:   s.auth,
	}, acceptResponse)
}

// acceptResponse reads a 202 Accepted answer: the message id is in the
// X-Message-Id header.
func acceptResponse(_ context.Context, resp *httpclient.Response) (string, *email.SendError) {
	return resp.Header.Get("X-Message-Id"), nil
}
