package googlelogin

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/login"
	"github.com/switchboard-go/switchboard/login/oidclogin"
)

// Name is the provider's name: its route under login.Handler
// (/login/google) and Identity.Provider.
const Name = "google"

// Issuer is Google's OpenID Connect issuer.
const Issuer = "https://accounts.google.com"

// Option configures the Google provider.
type Option func(*config) error

type config struct {
	issuer  string
	domains []string
	oidc    []oidclogin.Option
}

// WithBaseURL replaces the issuer URL (Issuer), for tests against a fake
// issuer such as logintest.Issuer. Discovery runs against it and ID tokens
// must name it as their issuer.
func WithBaseURL(issuerURL string) Option {
	return func(c *config) error { c.issuer = issuerURL; return nil }
}

// WithHostedDomain admits only Google Workspace accounts of these domains
// ("example.com"): the ID token's hd claim must name one of them, or the
// sign-in fails with login.ErrHostedDomain. Consumer accounts (gmail.com)
// have no hd claim and are refused. With one domain the authorization
// request also carries hd=DOMAIN, which only tunes Google's account
// chooser: the check is the claim.
func WithHostedDomain(domains ...string) Option {
	return func(c *config) error {
		if len(domains) == 0 {
			return fmt.Errorf("%w: %s: WithHostedDomain: no domain", login.ErrInvalidConfig, Name)
		}
		for _, d := range domains {
			d = strings.ToLower(strings.TrimSpace(d))
			if d == "" || strings.ContainsAny(d, " /@:*") || !strings.Contains(d, ".") {
				return fmt.Errorf("%w: %s: WithHostedDomain: %q is not a domain", login.ErrInvalidConfig, Name, d)
			}
			c.domains = append(c.domains, d)
		}
		return nil
	}
}

// WithHTTPClient sends discovery, key and token requests through hc.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error { c.oidc = append(c.oidc, oidclogin.WithHTTPClient(hc)); return nil }
}

// WithLogger logs each exchange's outcome at Debug level to l.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.oidc = append(c.oidc, oidclogin.WithLogger(l)); return nil }
}

// WithClock replaces time.Now for the ID token's expiry checks.
func WithClock(now func() time.Time) Option {
	return func(c *config) error { c.oidc = append(c.oidc, oidclogin.WithClock(now)); return nil }
}

// WithOIDCOptions passes options to the OpenID Connect provider underneath:
// scopes, authorization parameters (prompt=select_account,
// access_type=offline, login_hint), claim checks, another name.
func WithOIDCOptions(opts ...oidclogin.Option) Option {
	return func(c *config) error { c.oidc = append(c.oidc, opts...); return nil }
}

// New discovers Google's OpenID Connect configuration and returns a
// provider for the OAuth client clientID (a "Web application" client in the
// Google Cloud console, whose authorized redirect URI is the Handler's
// RedirectURL("google")). It requests the openid, email and profile
// scopes. Errors wrap login.ErrInvalidConfig, or login.ErrTemporary when
// Google could not be reached.
func New(ctx context.Context, clientID, clientSecret string, opts ...Option) (*oidclogin.Provider, error) {
	cfg := config{issuer: Issuer}
	for _, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("%w: %s: nil option", login.ErrInvalidConfig, Name)
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	oopts := []oidclogin.Option{oidclogin.WithName(Name)}
	if len(cfg.domains) > 0 {
		if len(cfg.domains) == 1 {
			oopts = append(oopts, oidclogin.WithAuthParam("hd", cfg.domains[0]))
		}
		oopts = append(oopts, oidclogin.WithClaimCheck(hostedDomain(cfg.domains)))
	}
	oopts = append(oopts, cfg.oidc...)
	return oidclogin.New(ctx, cfg.issuer, clientID, clientSecret, oopts...)
}

// hostedDomain checks the hd claim against the allowed domains.
func hostedDomain(domains []string) func(*login.Identity) error {
	return func(id *login.Identity) error {
		var c struct {
			HD string `json:"hd"`
		}
		_ = json.Unmarshal(id.Raw, &c) // a token without hd fails below
		if c.HD == "" || !slices.Contains(domains, strings.ToLower(c.HD)) {
			return &login.Error{Kind: login.ErrHostedDomain, Provider: id.Provider, Reason: "hd claim is not an allowed domain"}
		}
		return nil
	}
}
