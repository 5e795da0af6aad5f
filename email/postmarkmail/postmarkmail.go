package postmarkmail

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

// DefaultBaseURL is the Postmark API host.
const DefaultBaseURL = "https://api.postmarkapp.com"

// TestServerToken is Postmark's test token: requests made with it are
// validated but nothing is delivered.
const TestServerToken = "POSTMARK_API_TEST"

const userAgent = "switchboard-go/postmarkmail"

type config struct {
	baseURL  string
	stream   string
	client   *httpclient.Client
	httpOpts []httpclient.Option
	logger   *slog.Logger
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
func WithHTTPClient(c *httpclient.Client) Option { return func(cfg *config) { cfg.client = c } }

// WithHTTPOptions passes options to the httpclient.Client that New builds
// (timeouts, circuit breaker, transport). It has no effect together with
// WithHTTPClient.
func WithHTTPOptions(opts ...httpclient.Option) Option {
	return func(c *config) { c.httpOpts = append(c.httpOpts, opts...) }
}

// WithLogger logs each send (outcome, status, message id, duration) to l.
// The server token is never logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// Sender sends email through Postmark's single-message API. It is safe for
// concurrent use.
type Sender struct {
	endpoint string
	token    string
	stream   string
	client   *httpclient.Client
	logger   *slog.Logger
}

var _ email.Sender = (*Sender)(nil)

// New returns a Sender that authenticates with a server API token
// (X-Postmark-Server-Token). TestServerToken validates without delivering.
func New(serverToken string, opts ...Option) (*Sender, error) {
	if serverToken == "" {
		return nil, errors.New("postmarkmail: server token is empty")
	}
	if strings.ContainsAny(serverToken, "\r\n") {
		return nil, errors.New("postmarkmail: server token contains CR or LF")
	}
	cfg := config{baseURL: DefaultBaseURL}
	for _, o := range opts {
		o(&cfg)
	}
	if strings.ContainsAny(cfg.stream, "\r\n") {
		return nil, errors.New("postmarkmail: message stream contains CR or LF")
	}
	u, err := url.Parse(cfg.baseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("postmarkmail: base URL must be an absolute http(s) URL")
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
		endpoint: strings.TrimRight(u.String(), "/") + "/email",
		token:    serverToken,
		stream:   cfg.stream,
		client:   cfg.client,
		logger:   cfg.logger,
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
		return nil, &email.SendError{Kind: email.ErrPermanent, Provider: providerName, Message: "encoding request", Err: err}
	}
	start := time.Now()
	resp, err := s.client.Post(ctx, s.endpoint, body,
		httpclient.WithContentType("application/json"),
		httpclient.WithRequestHeader("Accept", "application/json"),
		httpclient.WithRequestHeader("X-Postmark-Server-Token", s.token),
	)
	var se *email.SendError
	var out apiResponse
	switch {
	case err != nil:
		se = fromHTTPError(err)
	default:
		out = parseResponse(resp.Body)
		if out.ErrorCode != 0 {
			se = classify(resp.StatusCode, resp.Body, nil)
		}
	}
	if se != nil {
		s.logger.LogAttrs(ctx, slog.LevelWarn, "email send failed",
			slog.String("provider", providerName),
			slog.Int("status", se.StatusCode),
			slog.String("error", se.Error()),
			slog.Duration("duration", time.Since(start)))
		return nil, se
	}
	s.logger.LogAttrs(ctx, slog.LevelInfo, "email sent",
		slog.String("provider", providerName),
		slog.Int("status", resp.StatusCode),
		slog.String("message_id", out.MessageID),
		slog.Duration("duration", time.Since(start)))
	return &email.Receipt{Provider: providerName, MessageID: out.MessageID}, nil
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
