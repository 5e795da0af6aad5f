package oidclogin

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/switchboard-go/switchboard/login"
)

// Option configures a Provider.
type Option func(*config) error

type config struct {
	name   string
	scopes []string
	params []oauth2.AuthCodeOption
	keys   []string
	checks []func(*login.Identity) error
	client *http.Client
	logger *slog.Logger
	now    func() time.Time
}

// reserved are the authorization request parameters the Provider sets
// itself.
var reserved = []string{"response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge", "code_challenge_method"}

// WithName names the Provider (Name by default): its route under
// login.Handler and Identity.Provider. Give each issuer of one Handler its
// own ("okta", "entra").
func WithName(name string) Option {
	return func(c *config) error {
		if !login.ValidName(name) {
			return fmt.Errorf("%w: %s: WithName: %q: want 1 to 32 lower case letters, digits and dashes", login.ErrInvalidConfig, Name, name)
		}
		c.name = name
		return nil
	}
}

// WithScopes sets the scopes requested (openid, email and
// profile, unless set). openid is always requested, first.
func WithScopes(scopes ...string) Option {
	return func(c *config) error {
		out := []string{oidc.ScopeOpenID}
		for _, s := range scopes {
			if s == "" || strings.ContainsAny(s, " \t\r\n\"\\") {
				return fmt.Errorf("%w: %s: WithScopes: %q is not a scope", login.ErrInvalidConfig, c.name, s)
			}
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		c.scopes = out
		return nil
	}
}

// WithAuthParam adds a parameter to every authorization request, such as
// prompt=select_account, login_hint or a provider's own (Google's hd and
// access_type). The parameters the Provider sets itself (response_type,
// client_id, redirect_uri, scope, state, nonce, code_challenge,
// code_challenge_method) cannot be replaced.
func WithAuthParam(key, value string) Option {
	return func(c *config) error {
		if key == "" || slices.Contains(reserved, key) {
			return fmt.Errorf("%w: %s: WithAuthParam: %q cannot be set", login.ErrInvalidConfig, c.name, key)
		}
		if slices.Contains(c.keys, key) {
			return fmt.Errorf("%w: %s: WithAuthParam: %q given twice", login.ErrInvalidConfig, c.name, key)
		}
		c.keys = append(c.keys, key)
		c.params = append(c.params, oauth2.SetAuthURLParam(key, value))
		return nil
	}
}

// WithClaimCheck adds a check that every verified identity must pass, run
// after the ID token's own checks: a tenant (Microsoft's tid), a group, an
// email domain. Read claims beyond Identity's fields from id.Raw. An error
// that is a *login.Error keeps its kind; any other fails the sign-in with
// login.ErrInvalidToken.
func WithClaimCheck(check func(id *login.Identity) error) Option {
	return func(c *config) error {
		if check == nil {
			return fmt.Errorf("%w: %s: WithClaimCheck: nil function", login.ErrInvalidConfig, c.name)
		}
		c.checks = append(c.checks, check)
		return nil
	}
}

// WithHTTPClient sends discovery, key, token and userinfo requests through
// hc instead of a client with a ten-second timeout that follows redirects
// only within one origin.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return fmt.Errorf("%w: %s: WithHTTPClient: nil client", login.ErrInvalidConfig, c.name)
		}
		c.client = hc
		return nil
	}
}

// WithLogger logs each exchange's outcome at Debug level to l, never a
// code, a token or a secret. Without it the Provider logs nowhere.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return fmt.Errorf("%w: %s: WithLogger: nil logger", login.ErrInvalidConfig, c.name)
		}
		c.logger = l
		return nil
	}
}

// WithClock replaces time.Now for the ID token's expiry checks.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return fmt.Errorf("%w: %s: WithClock: nil clock", login.ErrInvalidConfig, c.name)
		}
		c.now = now
		return nil
	}
}
