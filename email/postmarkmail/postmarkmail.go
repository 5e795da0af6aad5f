package postmarkmail

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"unicode"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/internal/httpsend"
	"github.com/switchboard-go/switchboard/httpclient"
)

// DefaultBaseURL is the Postmark API host.
const DefaultBaseURL = "https://api.postmarkapp.com"

// TestServerToken is Postmark's test token: requests made with it are
// validated but nothing is delivered.
const TestServerToken = "POSTMARK_API_TEST"

const (
	pkg       = "postmarkmail"
	userAgent = "switchboard-go/postmarkmail"
)

type config struct {
	httpsend.ClientConfig
	baseURL string
	stream  string
}

// Option configures a Sender. An invalid value makes New fail with an
// error wrapping email.ErrInvalidConfig.
type Option func(*config) error

// WithBaseURL replaces the API host, for tests or a proxy. The path /email
// is appended to it. It must be an absolute http(s) URL without user
// information, query or fragment.
func WithBaseURL(u string) Option {
	return func(c *config) error {
		c.baseURL = u
		return nil
	}
}

// WithMessageStream sends through the named message stream (MessageStream).
// Without it Postmark uses the server's default transactional stream,
// "outbound". An empty name or one holding control characters is a
// configuration error.
func WithMessageStream(id string) Option {
	return func(c *config) error {
		if strings.TrimSpace(id) == "" || strings.ContainsFunc(id, unicode.IsControl) {
			return httpsend.ConfigError(pkg, "WithMessageStream: the stream ID must be non-empty text without control characters")
		}
		c.stream = id
		return nil
	}
}

// WithHTTPClient sends the requests through hc, the standard library
// client (its transport, proxy settings, TLS configuration). The Sender
// still adds its timeouts, its X-Postmark-Server-Token header and its
// rules: no retry and no redirect. A nil hc is a configuration error.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error { return c.SetHTTPClient(pkg, hc) }
}

// WithHTTPOptions passes options to the httpclient.Client New builds:
// timeouts, circuit breaker, transport. The Sender never retries (the
// email API takes no idempotency key, so a retried request can deliver the
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
// Without it the Sender logs nowhere. The server token is never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { return c.SetLogger(pkg, l) }
}

// Sender sends email through Postmark's single-message API. It is safe for
// concurrent use.
type Sender struct {
	endpoint string
	token    string
	stream   string
	http     httpsend.Transport
}

var _ email.Sender = (*Sender)(nil)

// New returns a Sender that authenticates with a server API token
// (X-Postmark-Server-Token). TestServerToken validates without delivering.
// An empty, blank or whitespace-padded token, a malformed base URL or an
// invalid option is an error wrapping email.ErrInvalidConfig that never
// quotes the token.
func New(serverToken string, opts ...Option) (*Sender, error) {
	if err := httpsend.CheckCredential(pkg, "server token", serverToken); err != nil {
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
		endpoint: base + "/email",
		token:    serverToken,
		stream:   cfg.stream,
		http:     tr,
	}, nil
}

// String describes the Sender without its credentials.
func (s *Sender) String() string {
	return fmt.Sprintf("postmarkmail.Sender{endpoint: %s, stream: %q}", s.endpoint, s.stream)
}

// GoString is String, so %#v does not print the token either.
func (s *Sender) GoString() string { return s.String() }

// Send validates m and posts it to /email, with a TextBody derived from
// the HTML when m has no text (see email.Prepare). The receipt carries
// Postmark's MessageID. Failures are *email.SendError with Postmark's
// ErrorCode in Code; the request is never retried here, since the API has
// no idempotency key.
func (s *Sender) Send(ctx context.Context, m *email.Message) (_ *email.Receipt, err error) {
	ctx, ob := email.StartObservation(ctx, s.http.Observer, Name, "send")
	defer func() { ob.End(err) }()
	m, err = email.Prepare(m)
	if err != nil {
		return nil, err
	}
	req, err := buildRequest(m, s.stream)
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
		AuthHeader:  "X-Postmark-Server-Token",
		AuthValue:   s.token,
	}, acceptResponse)
}

// acceptResponse reads a 2xx answer: its MessageID, or a SendError when
// the answer carries a non-zero ErrorCode anyway.
func acceptResponse(_ context.Context, resp *httpclient.Response) (string, *email.SendError) {
	out := parseResponse(resp.Body)
	if out.ErrorCode != 0 {
		return "", classify(resp.StatusCode, resp.Body, nil)
	}
	return out.MessageID, nil
}
