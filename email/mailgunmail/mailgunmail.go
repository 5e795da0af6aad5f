package mailgunmail

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/internal/httpsend"
	"github.com/switchboard-go/switchboard/httpclient"
)

// Base URLs of the Mailgun API, one per region; a domain lives in one.
const (
	// DefaultBaseURL is the US region.
	DefaultBaseURL = "https://api.mailgun.net"
	// EUBaseURL is the EU region.
	EUBaseURL = "https://api.eu.mailgun.net"
)

const (
	pkg       = "mailgunmail"
	userAgent = "switchboard-go/mailgunmail"
)

type config struct {
	httpsend.ClientConfig
	baseURL string
}

// Option configures a Sender. An invalid value makes New fail with an
// error wrapping email.ErrInvalidConfig.
type Option func(*config) error

// WithEU sends through the EU region (https://api.eu.mailgun.net), where
// domains created in the EU live.
func WithEU() Option {
	return func(c *config) error {
		c.baseURL = EUBaseURL
		return nil
	}
}

// WithBaseURL replaces the API host, for tests or a proxy. The path
// /v3/{domain}/messages is appended to it. It must be an absolute http(s)
// URL without user information, query or fragment.
func WithBaseURL(u string) Option {
	return func(c *config) error {
		c.baseURL = u
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
// timeouts, circuit breaker, transport. The Sender never retries (the
// messages API takes no idempotency key, so a retried request can deliver
// the message twice) and follows no redirect; httpclient.WithBaseURL does
// not apply (use WithBaseURL). Retries and automatic idempotency keys
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

// Sender sends email through Mailgun's messages API. It is safe for
// concurrent use.
type Sender struct {
	domain   string
	endpoint string
	auth     string
	http     httpsend.Transport
	// boundary fixes the multipart boundary in tests; empty is random.
	boundary string
}

var _ email.Sender = (*Sender)(nil)

// New returns a Sender for the sending domain (as registered in Mailgun,
// "mg.example.com") that authenticates with HTTP Basic auth, user "api"
// and password apiKey. An empty, blank or whitespace-padded key, a domain
// that is not a host name, a malformed base URL or an invalid option is an
// error wrapping email.ErrInvalidConfig that never quotes the key.
func New(domain, apiKey string, opts ...Option) (*Sender, error) {
	if err := httpsend.CheckCredential(pkg, "API key", apiKey); err != nil {
		return nil, err
	}
	if !validDomain(domain) {
		return nil, httpsend.ConfigError(pkg, "the domain must be a host name such as mg.example.com")
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
		domain:   domain,
		endpoint: base + "/v3/" + url.PathEscape(domain) + "/messages",
		auth:     "Basic " + base64.StdEncoding.EncodeToString([]byte("api:"+apiKey)),
		http:     tr,
	}, nil
}

// validDomain accepts host names: letters, digits, '-', '.' and '_'.
func validDomain(d string) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	for i := 0; i < len(d); i++ {
		c := d[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}

// String describes the Sender without its credentials.
func (s *Sender) String() string {
	return fmt.Sprintf("mailgunmail.Sender{domain: %s, endpoint: %s}", s.domain, s.endpoint)
}

// GoString is String, so %#v does not print the API key either.
func (s *Sender) GoString() string { return s.String() }

// sendResponse is the answer to a successful send:
// {"id":"<...@domain>","message":"Queued. Thank you."}.
type sendResponse struct {
	ID      string `json:"id"`
	Message string `json:"message"`
}

// Send validates m and posts it to /v3/{domain}/messages as
// multipart/form-data, with a text part derived from the HTML when m has
// none (see email.Prepare). The receipt carries the id Mailgun returns
// (angle brackets included, as Mailgun writes it). Failures are
// *email.SendError; the request is never retried here, since the API has
// no idempotency key.
func (s *Sender) Send(ctx context.Context, m *email.Message) (_ *email.Receipt, err error) {
	ctx, ob := email.StartObservation(ctx, s.http.Observer, Name, "send")
	defer func() { ob.End(err) }()
	m, err = email.Prepare(m)
	if err != nil {
		return nil, err
	}
	body, contentType, err := buildForm(m, s.boundary)
	if err != nil {
		return nil, err
	}
	return s.http.Send(ctx, httpsend.Request{
		URL:         s.endpoint,
		Body:        body,
		ContentType: contentType,
		AuthHeader:  "Authorization",
		AuthValue:   s.auth,
	}, s.acceptResponse)
}

// acceptResponse reads the id from a 2xx answer. An answer without one is
// logged but is not an error: Mailgun accepted the message, and retrying
// would send it again.
func (s *Sender) acceptResponse(ctx context.Context, resp *httpclient.Response) (string, *email.SendError) {
	var out sendResponse
	if err := resp.JSON(&out); err != nil || out.ID == "" {
		s.http.Logger.LogAttrs(ctx, slog.LevelWarn, "email sent, answer without id",
			slog.String("provider", Name),
			slog.Int("status", resp.StatusCode))
	}
	return out.ID, nil
}
