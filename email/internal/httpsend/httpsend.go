package httpsend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/httpclient"
)

// MaxMessage caps, in bytes, the provider message kept in a SendError.
// Sanitize may append "…" to a message it cut.
const MaxMessage = 1024

// Sanitize keeps a provider message printable, valid UTF-8 and at most
// MaxMessage bytes plus "…": invalid bytes become U+FFFD, control
// characters become spaces, and the result is trimmed.
func Sanitize(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if len(s) > MaxMessage {
		cut := MaxMessage
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.TrimSpace(s)
}

// ClassifyFunc maps a provider's error answer (HTTP status and body) to a
// SendError. cause is the transport-level error to keep for errors.As, or
// nil when the failure was read from a successful answer.
type ClassifyFunc func(status int, body []byte, cause error) *email.SendError

// FromHTTPError maps an error of httpclient.Client to a SendError: a
// redirect that was not followed (httpclient.ErrRedirectRefused) is an
// email.ErrPermanent failure whose Message names the refused target,
// redacted; an *httpclient.StatusError anywhere in err's chain goes to
// classify, with err as the cause; anything else (network failure, timeout, open
// circuit breaker, cancelled context) is an email.ErrTemporary failure of
// provider.
func FromHTTPError(provider string, err error, classify ClassifyFunc) *email.SendError {
	var st *httpclient.StatusError
	if errors.Is(err, httpclient.ErrRedirectRefused) && errors.As(err, &st) {
		// The API answered with a redirect, which a send never follows:
		// the base URL is wrong or something is in the way.
		return &email.SendError{
			Kind:       email.ErrPermanent,
			Provider:   provider,
			StatusCode: st.StatusCode,
			Message:    Sanitize(err.Error()),
			Err:        err,
		}
	}
	if errors.As(err, &st) {
		return classify(st.StatusCode, st.Body, err)
	}
	return &email.SendError{
		Kind:     email.ErrTemporary,
		Provider: provider,
		Message:  "request failed",
		Err:      err,
	}
}

// ConfigError returns a configuration error of package pkg: it wraps
// email.ErrInvalidConfig and reads "email: invalid configuration: pkg:
// message". The message must name the option or argument at fault, never a
// secret's value.
func ConfigError(pkg, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", email.ErrInvalidConfig, pkg, fmt.Sprintf(format, args...))
}

// ClientConfig is the part of a sender's configuration that concerns its
// HTTP client and logger, set by its WithHTTPClient, WithHTTPOptions and
// WithLogger options.
type ClientConfig struct {
	// HTTPClient, when set, carries the requests (httpclient.WithHTTPClient).
	HTTPClient *http.Client
	// HTTPOptions configure the httpclient.Client that Transport builds.
	HTTPOptions []httpclient.Option
	// Logger receives the send log; nil discards it.
	Logger *slog.Logger
	// Observer receives an observation of each send; nil observes
	// nothing.
	Observer *email.Observer
}

// SetHTTPClient sets HTTPClient; a nil hc is a configuration error of pkg.
func (c *ClientConfig) SetHTTPClient(pkg string, hc *http.Client) error {
	if hc == nil {
		return ConfigError(pkg, "WithHTTPClient: the client is nil")
	}
	c.HTTPClient = hc
	return nil
}

// SetObserver sets Observer; a nil o is a configuration error of pkg.
func (c *ClientConfig) SetObserver(pkg string, o *email.Observer) error {
	if o == nil {
		return ConfigError(pkg, "WithObserver: the observer is nil")
	}
	c.Observer = o
	return nil
}

// AddHTTPOptions appends opts to HTTPOptions.
func (c *ClientConfig) AddHTTPOptions(opts ...httpclient.Option) {
	c.HTTPOptions = append(c.HTTPOptions, opts...)
}

// SetLogger sets Logger; a nil l is a configuration error of pkg.
func (c *ClientConfig) SetLogger(pkg string, l *slog.Logger) error {
	if l == nil {
		return ConfigError(pkg, "WithLogger: the logger is nil")
	}
	c.Logger = l
	return nil
}

// Transport returns the Transport of package pkg for provider. It builds
// an httpclient.Client that follows no redirect, sends userAgent and logs
// to Logger, then applies HTTPClient and HTTPOptions, and last turns
// retries and automatic idempotency keys off whatever HTTPOptions say:
// the send APIs take no idempotency key, so a retried POST could deliver
// twice. Without a Logger the log is discarded. An invalid
// HTTP option, or httpclient.WithBaseURL among them (the sender has its
// own WithBaseURL), is an error wrapping email.ErrInvalidConfig and
// httpclient.ErrInvalidConfig.
func (c ClientConfig) Transport(pkg, provider, userAgent string, classify ClassifyFunc) (Transport, error) {
	logger := c.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	opts := []httpclient.Option{
		httpclient.WithRetries(0),
		httpclient.WithMaxRedirects(0),
		httpclient.WithUserAgent(userAgent),
		httpclient.WithLogger(logger),
	}
	if c.HTTPClient != nil {
		opts = append(opts, httpclient.WithHTTPClient(c.HTTPClient))
	}
	opts = append(opts, c.HTTPOptions...)
	// Whatever the options say: a send is never retried.
	opts = append(opts, httpclient.WithRetries(0), httpclient.WithAutoIdempotencyKeys(false))
	client, err := httpclient.New(opts...)
	if err != nil {
		return Transport{}, fmt.Errorf("%w: %s: HTTP client: %w", email.ErrInvalidConfig, pkg, err)
	}
	if client.BaseURL() != "" {
		return Transport{}, ConfigError(pkg, "WithHTTPOptions: httpclient.WithBaseURL does not apply to a sender; use %s.WithBaseURL", pkg)
	}
	return Transport{Provider: provider, Client: client, Logger: logger, Classify: classify, Observer: c.Observer}, nil
}

// Request is one POST to a provider's send endpoint.
type Request struct {
	// URL is the absolute endpoint URL.
	URL string
	// Body is the encoded request body.
	Body []byte
	// ContentType is the Content-Type of Body.
	ContentType string
	// AuthHeader and AuthValue are the credential header, such as
	// Authorization: Bearer <key>. AuthValue is never logged.
	AuthHeader, AuthValue string
}

// AcceptFunc reads a successful (2xx) answer and returns the provider's
// message id, or a SendError when the answer reports a failure anyway.
type AcceptFunc func(ctx context.Context, resp *httpclient.Response) (messageID string, err *email.SendError)

// Transport posts send requests for one provider and logs their outcome.
// It is safe for concurrent use when its fields are not changed.
type Transport struct {
	// Provider is Receipt.Provider and the "provider" log attribute.
	Provider string
	// Client sends the requests.
	Client *httpclient.Client
	// Logger receives one record per send.
	Logger *slog.Logger
	// Classify maps error answers to SendErrors.
	Classify ClassifyFunc
	// Observer receives an observation of each send; nil observes
	// nothing.
	Observer *email.Observer
}

// Send posts req, asking for a JSON answer. A transport failure or error
// status is mapped by FromHTTPError; a successful answer is read by
// accept. It logs "email send failed" at Warn (status, error, duration)
// or "email sent" at Info (status, message id, duration), and returns the
// receipt or the *email.SendError.
func (t Transport) Send(ctx context.Context, req Request, accept AcceptFunc) (*email.Receipt, error) {
	start := time.Now()
	resp, err := t.Client.Post(ctx, req.URL, req.Body,
		httpclient.WithContentType(req.ContentType),
		httpclient.WithRequestHeader("Accept", "application/json"),
		httpclient.WithRequestHeader(req.AuthHeader, req.AuthValue),
	)
	var se *email.SendError
	var id string
	if err != nil {
		se = FromHTTPError(t.Provider, err, t.Classify)
	} else {
		id, se = accept(ctx, resp)
	}
	if se != nil {
		t.Logger.LogAttrs(ctx, slog.LevelWarn, "email send failed",
			slog.String("provider", t.Provider),
			slog.Int("status", se.StatusCode),
			slog.String("error", se.Error()),
			slog.Duration("duration", time.Since(start)))
		return nil, se
	}
	t.Logger.LogAttrs(ctx, slog.LevelInfo, "email sent",
		slog.String("provider", t.Provider),
		slog.Int("status", resp.StatusCode),
		slog.String("message_id", id),
		slog.Duration("duration", time.Since(start)))
	return &email.Receipt{Provider: t.Provider, MessageID: id}, nil
}

// CheckCredential reports whether value can be sent as the credential
// that pkg calls what ("API key", "server token"): it must not be empty,
// blank or padded with white space, and must hold no control character
// (CR or LF would split the header). The error wraps
// email.ErrInvalidConfig and names pkg and what but never value.
func CheckCredential(pkg, what, value string) error {
	switch {
	case strings.TrimSpace(value) == "":
		return ConfigError(pkg, "the %s is empty", what)
	case strings.TrimSpace(value) != value:
		return ConfigError(pkg, "the %s starts or ends with white space", what)
	case strings.ContainsFunc(value, unicode.IsControl):
		return ConfigError(pkg, "the %s holds a control character such as CR or LF", what)
	}
	return nil
}

// BaseURL checks that raw, given to pkg's WithBaseURL, is an absolute
// http(s) URL with a host and without user information, query or
// fragment, and returns it without trailing slashes, ready for a path to
// be appended. The error wraps email.ErrInvalidConfig and never quotes
// raw.
func BaseURL(pkg, raw string) (string, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Opaque != "":
		return "", ConfigError(pkg, "WithBaseURL: the base URL must be an absolute http(s) URL")
	case u.User != nil:
		return "", ConfigError(pkg, "WithBaseURL: the base URL holds user information")
	case u.RawQuery != "" || u.ForceQuery || strings.Contains(raw, "#"):
		return "", ConfigError(pkg, "WithBaseURL: the base URL has a query or fragment")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// JSONString returns the JSON string in r, or "" when r is missing or is
// not a string.
func JSONString(r json.RawMessage) string {
	var s string
	if json.Unmarshal(r, &s) != nil {
		return ""
	}
	return s
}
