package smskit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/switchboard-go/switchboard/httpclient"
	"github.com/switchboard-go/switchboard/sms"
)

// NewHTTPClient returns the httpclient.Client of a sender: no retry (a
// provider without an idempotency key could deliver a retried POST twice),
// no redirect, userAgent, the Config's logger, then WithHTTPClient and
// WithHTTPOptions, and last retries and automatic idempotency keys turned
// off again, whatever the options said. httpclient.WithBaseURL among the
// options is an error: the sender has its own WithBaseURL.
func NewHTTPClient(c *Config, userAgent string) (*httpclient.Client, error) {
	opts := []httpclient.Option{
		httpclient.WithRetries(0),
		httpclient.WithMaxRedirects(0),
		httpclient.WithUserAgent(userAgent),
		httpclient.WithLogger(c.logger()),
	}
	if c.HTTPClient != nil {
		opts = append(opts, httpclient.WithHTTPClient(c.HTTPClient))
	}
	opts = append(opts, c.HTTPOptions...)
	opts = append(opts, httpclient.WithRetries(0), httpclient.WithAutoIdempotencyKeys(false))
	client, err := httpclient.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: HTTP client: %w", sms.ErrInvalidConfig, c.Provider, err)
	}
	if client.BaseURL() != "" {
		return nil, sms.ConfigError(c.Provider, "WithHTTPOptions", "httpclient.WithBaseURL does not apply to a sender; use the sender's WithBaseURL")
	}
	return client, nil
}

// BaseURL checks a WithBaseURL value: an absolute http(s) URL with a host
// and without user information, query or fragment. It returns it without
// trailing slashes. The error never quotes the URL.
func BaseURL(provider, raw string) (string, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Opaque != "":
		return "", sms.ConfigError(provider, "WithBaseURL", "the base URL must be an absolute http(s) URL")
	case u.User != nil:
		return "", sms.ConfigError(provider, "WithBaseURL", "the base URL holds user information; credentials go in the constructor's arguments")
	case u.RawQuery != "" || u.ForceQuery || strings.Contains(raw, "#"):
		return "", sms.ConfigError(provider, "WithBaseURL", "the base URL has a query or fragment")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// CheckCredential reports whether value can be sent as the credential
// what: not empty, blank or padded with white space, and without control
// characters (CR or LF would split a header). The error never quotes it.
func CheckCredential(provider, what, value string) error {
	switch {
	case strings.TrimSpace(value) == "":
		return sms.ConfigError(provider, what, "is empty")
	case strings.TrimSpace(value) != value:
		return sms.ConfigError(provider, what, "starts or ends with white space")
	case strings.ContainsFunc(value, unicode.IsControl):
		return sms.ConfigError(provider, what, "holds a control character such as CR or LF")
	}
	return nil
}

// TrackWrite returns a context that records whether the HTTP request made
// with it was written in full, and a function reporting it. A request that
// was not (the connection was refused, the context was canceled first)
// cannot have reached the provider's application; one that was may have,
// even if no answer came back.
func TrackWrite(ctx context.Context) (context.Context, func() bool) {
	var written atomic.Bool
	trace := &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				written.Store(true)
			}
		},
	}
	return httptrace.WithClientTrace(ctx, trace), written.Load
}

// MaxMessage caps, in bytes, a provider message kept in an *sms.Error.
const MaxMessage = 512

// Sanitize keeps a provider message printable, valid UTF-8 and at most
// MaxMessage bytes plus "…".
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

// ClassifyFunc maps a provider's error answer (a status the client did not
// accept, 4xx mostly) to an *sms.Error.
type ClassifyFunc func(status int, header http.Header, body []byte) *sms.Error

// HTTPError maps an error of an httpclient call to an *sms.Error of
// provider:
//
//   - a redirect the client refused: sms.ErrRejected (the base URL is
//     wrong or something is in the way);
//   - 429 and 503: sms.ErrTemporary; the provider did not take the message;
//   - 500, 502, 504 and other 5xx: sms.ErrTemporary with OutcomeUnknown,
//     since the provider may have created the message before failing;
//   - any other status: classify;
//   - no answer: sms.ErrTemporary, with OutcomeUnknown when the request had
//     been written in full (it may have been processed).
func HTTPError(provider string, err error, written bool, requestIDHeader string, classify ClassifyFunc) *sms.Error {
	var st *httpclient.StatusError
	if errors.As(err, &st) {
		reqID := st.RequestID
		if requestIDHeader != "" && st.Header.Get(requestIDHeader) != "" {
			reqID = st.Header.Get(requestIDHeader)
		}
		var se *sms.Error
		switch {
		case errors.Is(err, httpclient.ErrRedirectRefused):
			se = &sms.Error{Kind: sms.ErrRejected, Provider: provider, StatusCode: st.StatusCode,
				Message: "the API answered with a redirect, which a send never follows: check the base URL"}
		case st.StatusCode == http.StatusTooManyRequests || st.StatusCode == http.StatusServiceUnavailable:
			se = classify(st.StatusCode, st.Header, st.Body)
			se.Kind, se.OutcomeUnknown = sms.ErrTemporary, false
		case st.StatusCode >= 500:
			se = classify(st.StatusCode, st.Header, st.Body)
			se.Kind, se.OutcomeUnknown = sms.ErrTemporary, true
		default:
			se = classify(st.StatusCode, st.Header, st.Body)
		}
		se.Provider, se.StatusCode = provider, st.StatusCode
		if se.RequestID == "" {
			se.RequestID = reqID
		}
		se.Err = err
		return se
	}
	se := &sms.Error{Kind: sms.ErrTemporary, Provider: provider, Err: err}
	switch {
	case written:
		se.OutcomeUnknown = true
		se.Message = "the request was sent but no answer came back"
	default:
		se.Message = "the request did not reach the provider"
	}
	return se
}

// Malformed returns the error for a successful answer (status) that cannot
// be read: the provider took the request, so the outcome is unknown.
func Malformed(provider string, status int, header http.Header, requestIDHeader string, problem string) *sms.Error {
	return &sms.Error{
		Kind: sms.ErrUnknownOutcome, Provider: provider, StatusCode: status, OutcomeUnknown: true,
		Message:   "the answer cannot be parsed: " + problem,
		RequestID: header.Get(requestIDHeader),
		Err:       sms.ErrMalformedResponse,
	}
}
