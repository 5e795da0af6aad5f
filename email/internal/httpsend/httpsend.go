package httpsend

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
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

// FromHTTPError maps an error of httpclient.Client to a SendError: an
// *httpclient.StatusError anywhere in err's chain goes to classify, with
// err as the cause; anything else (network failure, timeout, open
// circuit breaker, cancelled context) is an email.ErrTemporary failure of
// provider.
func FromHTTPError(provider string, err error, classify ClassifyFunc) *email.SendError {
	var st *httpclient.StatusError
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

// ClientConfig is the part of a sender's configuration that concerns its
// HTTP client and logger, set by its WithHTTPClient, WithHTTPOptions and
// WithLogger options.
type ClientConfig struct {
	// Client, when set, is used as is and HTTPOptions are ignored.
	Client *httpclient.Client
	// HTTPOptions configure the client Build creates.
	HTTPOptions []httpclient.Option
	// Logger receives the send log; nil discards it.
	Logger *slog.Logger
}

// SetClient sets Client.
func (c *ClientConfig) SetClient(client *httpclient.Client) { c.Client = client }

// AddHTTPOptions appends opts to HTTPOptions.
func (c *ClientConfig) AddHTTPOptions(opts ...httpclient.Option) {
	c.HTTPOptions = append(c.HTTPOptions, opts...)
}

// SetLogger sets Logger.
func (c *ClientConfig) SetLogger(l *slog.Logger) { c.Logger = l }

// Transport returns a Transport for provider. Without a Client it builds
// one that never retries (the email APIs have no idempotency key, so a
// retried POST could deliver twice), sends userAgent and logs to Logger,
// followed by HTTPOptions. Without a Logger the log is discarded.
func (c ClientConfig) Transport(provider, userAgent string, classify ClassifyFunc) Transport {
	logger := c.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	client := c.Client
	if client == nil {
		base := []httpclient.Option{
			httpclient.WithRetries(0),
			httpclient.WithUserAgent(userAgent),
			httpclient.WithLogger(logger),
		}
		client = httpclient.New(append(base, c.HTTPOptions...)...)
	}
	return Transport{Provider: provider, Client: client, Logger: logger, Classify: classify}
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
// that pkg calls what ("API key", "server token"): it must be non-empty
// and free of CR and LF, which would split the header. The error names
// pkg and what but never value.
func CheckCredential(pkg, what, value string) error {
	if value == "" {
		return errors.New(pkg + ": " + what + " is empty")
	}
	if strings.ContainsAny(value, "\r\n") {
		return errors.New(pkg + ": " + what + " contains CR or LF")
	}
	return nil
}

// BaseURL checks that raw is an absolute http(s) URL and returns it
// without trailing slashes, ready for a path to be appended. The error
// names pkg.
func BaseURL(pkg, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", errors.New(pkg + ": base URL must be an absolute http(s) URL")
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
