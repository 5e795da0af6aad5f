package postmarkmail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/internal/httpsend"
	"github.com/switchboard-go/switchboard/httpclient"
)

// DefaultBaseURL is the Postmark API host.
const DefaultBaseURL = "https://api.postmarkapp.com"

// TestServerToken is Postmark's test token: requests made with it are
// validated but nothing is delivered.
const TestServerToken = "POSTMARK_API_TEST"

const userAgent = "switchboard-go/postmarkmail"

type config struct {
	httpsend.ClientConfig
	baseURL string
	stream  string
}

// Option configures a Sender.
type Option func(*config)

// WithBaseURL replaces the API host, for tests or a proxy. The path /email
// is appended to it.
func WithBaseURL(u string) Option { return func(c *config) { c.baseURL = u } }

// WithMessageStream sends through the named message stream (MessageStream).
// Without it Postmark uses the server's default transactional stream,
// "outbound".
func WithMessageStream(id string) Option { return func(c *config) { c.stream = id } }

// WithHTTPClient sends through c instead of a client built by New. The
// Sender adds its own X-Postmark-Server-Token header and uses an absolute
// URL, so c must not carry Postmark credentials or rely on its base URL.
// Do not turn on automatic idempotency keys for c: Postmark ignores them,
// and a retried POST can deliver the message twice.
func WithHTTPClient(c *httpclient.Client) Option { return func(cfg *config) { cfg.SetClient(c) } }

// WithHTTPOptions passes options to the httpclient.Client that New builds
// (timeouts, circuit breaker, transport). It has no effect together with
// WithHTTPClient.
func WithHTTPOptions(opts ...httpclient.Option) Option {
	return func(c *config) { c.AddHTTPOptions(opts...) }
}

// WithLogger logs each send (outcome, status, message id, duration) to l.
// The server token is never logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.SetLogger(l) } }

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
func New(serverToken string, opts ...Option) (*Sender, error) {
	if err := httpsend.CheckCredential("postmarkmail", "server token", serverToken); err != nil {
		return nil, err
	}
	cfg := config{baseURL: DefaultBaseURL}
	for _, o := range opts {
		o(&cfg)
	}
	if strings.ContainsAny(cfg.stream, "\r\n") {
		return nil, errors.New("postmarkmail: message stream contains CR or LF")
	}
	base, err := httpsend.BaseURL("postmarkmail", cfg.baseURL)
	if err != nil {
		return nil, err
	}
	return &Sender{
		endpoint: base + "/email",
		token:    serverToken,
		stream:   cfg.stream,
		http:     cfg.Transport(Name, userAgent, classify),
	}, nil
}

// String describes the Sender without its credentials.
func (s *Sender) String() string {
	return fmt.Sprintf("postmarkmail.Sender{endpoint: %s, stream: %q}", s.endpoint, s.stream)
}

// GoString is String, so %#v does not print the token either.
func (s *Sender) GoString() string { return s.String() }

// Send validates m and posts it to /email. The receipt carries Postmark's
// MessageID. Failures are *email.SendError with Postmark's ErrorCode in
// Code; the request is never retried here, since the API has no
// idempotency key.
func (s *Sender) Send(ctx context.Context, m *email.Message) (*email.Receipt, error) {
	if err := email.Validate(m); err != nil {
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
