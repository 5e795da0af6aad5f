package mailgunmail

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/httpclient"
)

// Base URLs of the Mailgun API, one per region; a domain lives in one.
const (
	// DefaultBaseURL is the US region.
	DefaultBaseURL = "https://api.mailgun.net"
	// EUBaseURL is the EU region.
	EUBaseURL = "https://api.eu.mailgun.net"
)

const userAgent = "switchboard-go/mailgunmail"

type config struct {
	baseURL  string
	client   *httpclient.Client
	httpOpts []httpclient.Option
	logger   *slog.Logger
}

// Option configures a Sender.
type Option func(*config)

// WithEU sends through the EU region (https://api.eu.mailgun.net), where
// domains created in the EU live.
func WithEU() Option { return func(c *config) { c.baseURL = EUBaseURL } }

// WithBaseURL replaces the API host, for tests or a proxy. The path
// /v3/{domain}/messages is appended to it.
func WithBaseURL(u string) Option { return func(c *config) { c.baseURL = u } }

// WithHTTPClient sends through c instead of a client built by New. The
// Sender adds its own Authorization header and uses an absolute URL, so c
// must not carry Mailgun credentials or rely on its base URL. Do not turn
// on automatic idempotency keys for c: Mailgun ignores them, and a retried
// POST can deliver the message twice.
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

// Sender sends email through Mailgun's messages API. It is safe for
// concurrent use.
type Sender struct {
	domain   string
	endpoint string
	auth     string
	client   *httpclient.Client
	logger   *slog.Logger
	// boundary fixes the multipart boundary in tests; empty is random.
	boundary string
}

var _ email.Sender = (*Sender)(nil)

// New returns a Sender for the sending domain (as registered in Mailgun,
// "mg.example.com") that authenticates with HTTP Basic auth, user "api"
// and password apiKey.
func New(domain, apiKey string, opts ...Option) (*Sender, error) {
	if apiKey == "" {
		return nil, errors.New("mailgunmail: API key is empty")
	}
	if strings.ContainsAny(apiKey, "\r\n") {
		return nil, errors.New("mailgunmail: API key contains CR or LF")
	}
	if !validDomain(domain) {
		return nil, errors.New("mailgunmail: domain must be a host name such as mg.example.com")
	}
	cfg := config{baseURL: DefaultBaseURL}
	for _, o := range opts {
		o(&cfg)
	}
	u, err := url.Parse(cfg.baseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("mailgunmail: base URL must be an absolute http(s) URL")
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
		domain:   domain,
		endpoint: strings.TrimRight(u.String(), "/") + "/v3/" + url.PathEscape(domain) + "/messages",
		auth:     "Basic " + base64.StdEncoding.EncodeToString([]byte("api:"+apiKey)),
		client:   cfg.client,
		logger:   cfg.logger,
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
// multipart/form-data. The receipt carries the id Mailgun returns
// (angle brackets included, as Mailgun writes it). Failures are
// *email.SendError; the request is never retried here, since the API has
// no idempotency key.
func (s *Sender) Send(ctx context.Context, m *email.Message) (*email.Receipt, error) {
	if err := email.Validate(m); err != nil {
		return nil, err
	}
	body, contentType, err := buildForm(m, s.boundary)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	resp, err := s.client.Post(ctx, s.endpoint, body,
		httpclient.WithContentType(contentType),
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
	var out sendResponse
	if err := resp.JSON(&out); err != nil || out.ID == "" {
		// Mailgun accepted the message (2xx) but the answer has no id.
		// Retrying would send it again, so this is not an error.
		s.logger.LogAttrs(ctx, slog.LevelWarn, "email sent, answer without id",
			slog.String("provider", providerName),
			slog.Int("status", resp.StatusCode))
	}
	s.logger.LogAttrs(ctx, slog.LevelInfo, "email sent",
		slog.String("provider", providerName),
		slog.Int("status", resp.StatusCode),
		slog.String("message_id", out.ID),
		slog.Duration("duration", time.Since(start)))
	return &email.Receipt{Provider: providerName, MessageID: out.ID}, nil
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
