package sendgridmail

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

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

const (
	pkg       = "sendgridmail"
	userAgent = "switchboard-go/sendgridmail"
)

type config struct {
	httpsend.ClientConfig
	baseURL string
	sandbox bool
}

// Option configures a Sender. An invalid value makes New fail with an
// error wrapping email.ErrInvalidConfig.
type Option func(*config) error

// WithEU sends through the EU host (https://api.eu.sendgrid.com),
// required for EU-pinned subusers.
func WithEU() Option {
	return func(c *config) error {
		c.baseURL = EUBaseURL
		return nil
	}
}

// WithBaseURL replaces the API host, for tests or a proxy. The path
// /v3/mail/send is appended to it. It must be an absolute http(s) URL
// without user information, query or fragment.
func WithBaseURL(u string) Option {
	return func(c *config) error {
		c.baseURL = u
		return nil
	}
}

// WithSandboxMode sets mail_settings.sandbox_mode.enable: SendGrid
// validates the request and answers without delivering anything.
func WithSandboxMode(on bool) Option {
	return func(c *config) error {
		c.sandbox = on
		return nil
	}
}

// WithHTTPClient sends the requests through hc, the standard library
// client (its transport, proxy settings, TLS configuration). The Sender
// still adds its timeouts, its Authorization header and its rules: no
// retry and no redirect. A nil hc is a configuration error.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error { return c.SetHTTPClient(pkg, hc) }
}

// WithHTTPOptions passes options to the httpclient.Client New builds:
// timeouts, circuit breaker, transport. The Sender never retries (the Mail
// Send API takes no idempotency key, so a retried request can deliver the
// message twice) and follows no redirect; httpclient.WithBaseURL does not
// apply (use WithBaseURL). Retries and automatic idempotency keys
// stay off whatever these options say. An invalid option makes New fail.
func WithHTTPOptions(opts ...httpclient.Option) Option {
	return func(c *config) error {
		c.AddHTTPOptions(opts...)
		return nil
	}
}

// WithLogger logs each send (outcome, status, message id, duration) to l.
// Without it the Sender logs nowhere. The API key is never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { return c.SetLogger(pkg, l) }
}

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
// Bearer). The key needs the mail.send scope. An empty, blank or
// whitespace-padded key, a malformed base URL or an invalid option is an
// error wrapping email.ErrInvalidConfig that never quotes the key.
func New(apiKey string, opts ...Option) (*Sender, error) {
	if err := httpsend.CheckCredential(pkg, "API key", apiKey); err != nil {
		return nil, err
	}
	cfg := config{baseURL: DefaultBaseURL}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	base, err := httpsend.BaseURL(pkg, cfg.baseURL)
	if err != nil {
		return nil, err
	}
	tr, err := cfg.Transport(pkg, Name, userAgent, classify)
	if err != nil {
		return nil, err
	}
	return &Sender{
		endpoint: base + sendPath,
		auth:     "Bearer " + apiKey,
		sandbox:  cfg.sandbox,
		http:     tr,
	}, nil
}

// String describes the Sender without its credentials.
func (s *Sender) String() string {
	return fmt.Sprintf("sendgridmail.Sender{endpoint: %s, sandbox: %t}", s.endpoint, s.sandbox)
}

// GoString is String, so %#v does not print the API key either.
func (s *Sender) GoString() string { return s.String() }

// Send validates m and posts it to /v3/mail/send, with a text part derived
// from the HTML when m has none (see email.Prepare). On 202 Accepted the
// receipt carries the X-Message-Id header. Failures are *email.SendError;
// the request is never retried here, since the API has no idempotency key.
func (s *Sender) Send(ctx context.Context, m *email.Message) (_ *email.Receipt, err error) {
	ctx, ob := email.StartObservation(ctx, s.http.Observer, Name, "send")
	defer func() { ob.End(err) }()
	m, err = email.Prepare(m)
	if err != nil {
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
