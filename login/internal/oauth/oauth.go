package oauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/switchboard-go/switchboard/login"
)

// DefaultTimeout bounds each request of the default client.
const DefaultTimeout = 10 * time.Second

// MaxBody is the largest API answer read.
const MaxBody = 1 << 20

// NewClient returns the client providers use when given none: a timeout on
// every request, and redirects followed only within the same origin, so a
// redirect never carries a token elsewhere.
func NewClient() *http.Client {
	return &http.Client{
		Timeout: DefaultTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("too many redirects")
			}
			if req.URL.Scheme != via[0].URL.Scheme || req.URL.Host != via[0].URL.Host {
				return errors.New("redirect to another origin refused")
			}
			return nil
		},
	}
}

// WithClient returns ctx carrying c for golang.org/x/oauth2 and go-oidc,
// which share the context key.
func WithClient(ctx context.Context, c *http.Client) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, c)
}

// CheckRequest refuses an AuthRequest that lacks what every provider
// needs: an empty verifier or state would make a check pass vacuously.
func CheckRequest(provider string, req *login.AuthRequest, cb *login.Callback, needNonce bool) *login.Error {
	switch {
	case req == nil || cb == nil:
		return &login.Error{Kind: login.ErrInvalidState, Provider: provider, Reason: "no sign-in request"}
	case req.CodeVerifier == "" || req.State == "" || req.RedirectURL == "":
		return &login.Error{Kind: login.ErrInvalidState, Provider: provider, Reason: "sign-in request lacks state, verifier or redirect URL"}
	case needNonce && req.Nonce == "":
		return &login.Error{Kind: login.ErrInvalidState, Provider: provider, Reason: "sign-in request lacks a nonce"}
	case cb.Code == "":
		return &login.Error{Kind: login.ErrProvider, Provider: provider, Reason: "no authorization code"}
	}
	return nil
}

// ExchangeError maps a failed token request onto login's kinds: 429, 5xx,
// server_error, temporarily_unavailable and network failures are
// ErrTemporary; any other refusal is ErrProvider with the OAuth error code.
func ExchangeError(provider string, err error) *login.Error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		code := login.SafeCode(re.ErrorCode)
		e := &login.Error{Kind: login.ErrProvider, Provider: provider, Code: code, Reason: "token request refused", Err: err}
		if status == http.StatusTooManyRequests || status >= 500 || code == "server_error" || code == "temporarily_unavailable" {
			e.Kind = login.ErrTemporary
			e.Reason = fmt.Sprintf("token endpoint answered %d", status)
		} else if status != 0 && code == "" {
			e.Reason = fmt.Sprintf("token endpoint answered %d", status)
		}
		return e
	}
	if IsNetwork(err) {
		return &login.Error{Kind: login.ErrTemporary, Provider: provider, Reason: "token endpoint unreachable", Err: err}
	}
	return &login.Error{Kind: login.ErrProvider, Provider: provider, Reason: "token response unusable", Err: err}
}

// IsNetwork reports whether err is a transport failure: a timeout, a
// refused or reset connection, a DNS failure, a cancelled context.
func IsNetwork(err error) bool {
	var ne net.Error
	var ue *url.Error
	return errors.As(err, &ne) || errors.As(err, &ue) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// StatusKind maps an API answer's status onto a kind: 429 and 5xx are
// ErrTemporary, as is a 403 that reports an exhausted rate limit; any other
// non-2xx is ErrProvider.
func StatusKind(resp *http.Response) error {
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return login.ErrTemporary
	case resp.StatusCode == http.StatusForbidden && (resp.Header.Get("X-RateLimit-Remaining") == "0" || resp.Header.Get("Retry-After") != ""):
		return login.ErrTemporary
	default:
		return login.ErrProvider
	}
}

// IsLoopback reports whether host (without port) is localhost or a
// loopback address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CheckBaseURL parses an http(s) base URL: https, or http on a loopback
// host (tests), with no user info, query or fragment. The trailing slash is
// dropped. what names the option or argument in the error.
func CheckBaseURL(provider, what, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("%w: %s: %s %q is not an absolute URL", login.ErrInvalidConfig, provider, what, raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%w: %s: %s must hold no user info, query or fragment", login.ErrInvalidConfig, provider, what)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && IsLoopback(u.Hostname()):
	default:
		return "", fmt.Errorf("%w: %s: %s %q must be https (plain http only on a loopback host)", login.ErrInvalidConfig, provider, what, raw)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// CheckSecret refuses an empty, whitespace-only or whitespace-padded
// credential, naming it but never quoting it.
func CheckSecret(provider, what, v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("%w: %s: %s is empty", login.ErrInvalidConfig, provider, what)
	}
	if strings.TrimSpace(v) != v {
		return fmt.Errorf("%w: %s: %s has leading or trailing white space", login.ErrInvalidConfig, provider, what)
	}
	return nil
}
