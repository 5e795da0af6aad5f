package githublogin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/oauth2"

	"github.com/switchboard-go/switchboard/login"
	"github.com/switchboard-go/switchboard/login/internal/oauth"
)

// Name is the provider's default name: its route under login.Handler
// (/login/github) and Identity.Provider.
const Name = "github"

// Default URLs: GitHub.com. GitHub Enterprise Server uses
// https://HOST for OAuth and https://HOST/api/v3 for the API.
const (
	// DefaultBaseURL is the REST API's base URL.
	DefaultBaseURL = "https://api.github.com"
	// DefaultOAuthURL is the base of /login/oauth/authorize and
	// /login/oauth/access_token.
	DefaultOAuthURL = "https://github.com"
)

// apiVersion is the REST API version the Provider speaks.
const apiVersion = "2022-11-28"

// Option configures a Provider.
type Option func(*config) error

type config struct {
	name     string
	baseURL  string
	oauthURL string
	scopes   []string
	client   *http.Client
	logger   *slog.Logger
}

// WithName names the Provider (Name by default), for a second GitHub (an
// Enterprise Server beside GitHub.com) under one Handler.
func WithName(name string) Option {
	return func(c *config) error {
		if !login.ValidName(name) {
			return fmt.Errorf("%w: %s: WithName: %q: want 1 to 32 lower case letters, digits and dashes", login.ErrInvalidConfig, Name, name)
		}
		c.name = name
		return nil
	}
}

// WithBaseURL replaces the REST API's base URL (DefaultBaseURL), for
// GitHub Enterprise Server (https://HOST/api/v3) or tests.
func WithBaseURL(u string) Option { return func(c *config) error { c.baseURL = u; return nil } }

// WithOAuthURL replaces the base of the OAuth endpoints (DefaultOAuthURL),
// for GitHub Enterprise Server (https://HOST) or tests.
func WithOAuthURL(u string) Option { return func(c *config) error { c.oauthURL = u; return nil } }

// WithScopes sets the scopes an OAuth app requests (read:user and
// user:email unless set). Without user:email the primary address cannot be
// read. GitHub Apps ignore scopes: their user permissions apply (give the
// app read access to "Email addresses").
func WithScopes(scopes ...string) Option {
	return func(c *config) error {
		for _, s := range scopes {
			if s == "" || strings.ContainsAny(s, " \t\r\n\"\\") {
				return fmt.Errorf("%w: %s: WithScopes: %q is not a scope", login.ErrInvalidConfig, c.name, s)
			}
		}
		c.scopes = slices.Clone(scopes)
		return nil
	}
}

// WithHTTPClient sends token and API requests through hc instead of a
// client with a ten-second timeout that follows redirects only within one
// origin.
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
// code, a token or a secret.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return fmt.Errorf("%w: %s: WithLogger: nil logger", login.ErrInvalidConfig, c.name)
		}
		c.logger = l
		return nil
	}
}

// Provider signs users in with GitHub: an OAuth app, or a GitHub App's
// user authorization, which share the web flow. It implements
// login.Provider and is safe for concurrent use.
type Provider struct {
	name     string
	clientID string
	secret   string
	endpoint oauth2.Endpoint
	oauthURL string
	apiURL   string
	scopes   []string
	client   *http.Client
	logger   *slog.Logger
}

var _ login.Provider = (*Provider)(nil)

// New returns a Provider for the OAuth app or GitHub App with this client
// id and secret. Register the Handler's RedirectURL("github") as the app's
// callback URL. Errors wrap login.ErrInvalidConfig.
func New(clientID, clientSecret string, opts ...Option) (*Provider, error) {
	cfg := config{name: Name, baseURL: DefaultBaseURL, oauthURL: DefaultOAuthURL, scopes: []string{"read:user", "user:email"}}
	for _, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("%w: %s: nil option", login.ErrInvalidConfig, Name)
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if err := oauth.CheckSecret(cfg.name, "client ID", clientID); err != nil {
		return nil, err
	}
	if err := oauth.CheckSecret(cfg.name, "client secret", clientSecret); err != nil {
		return nil, err
	}
	api, err := oauth.CheckBaseURL(cfg.name, "WithBaseURL", cfg.baseURL)
	if err != nil {
		return nil, err
	}
	ou, err := oauth.CheckBaseURL(cfg.name, "WithOAuthURL", cfg.oauthURL)
	if err != nil {
		return nil, err
	}
	client := cfg.client
	if client == nil {
		client = oauth.NewClient()
	}
	return &Provider{
		name:     cfg.name,
		clientID: clientID,
		secret:   clientSecret,
		endpoint: oauth2.Endpoint{
			AuthURL:   ou + "/login/oauth/authorize",
			TokenURL:  ou + "/login/oauth/access_token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
		oauthURL: ou,
		apiURL:   api,
		scopes:   cfg.scopes,
		client:   client,
		logger:   cfg.logger,
	}, nil
}

// Name implements login.Provider.
func (p *Provider) Name() string { return p.name }

// String describes the Provider without its client secret.
func (p *Provider) String() string {
	return fmt.Sprintf("githublogin.Provider{name: %s, oauth: %s, api: %s, client_id: %s}", p.name, p.oauthURL, p.apiURL, p.clientID)
}

// GoString is String, so %#v does not print the client secret either.
func (p *Provider) GoString() string { return p.String() }

func (p *Provider) oauthConfig(redirectURL string) *oauth2.Config {
	return &oauth2.Config{ClientID: p.clientID, ClientSecret: p.secret, Endpoint: p.endpoint, RedirectURL: redirectURL, Scopes: p.scopes}
}

// AuthCodeURL implements login.Provider: /login/oauth/authorize with
// client_id, redirect_uri (always: GitHub otherwise falls back to the
// registered callback, and accepts any sub-path of it), scope, state and
// the S256 code_challenge. GitHub has no nonce.
func (p *Provider) AuthCodeURL(req *login.AuthRequest) string {
	return p.oauthConfig(req.RedirectURL).AuthCodeURL(req.State, oauth2.S256ChallengeOption(req.CodeVerifier))
}

// user is the part of GET /user the Provider reads.
type user struct {
	ID        int64  `json:"id"`
	Login     string `json:"login"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	AvatarURL string `json:"avatar_url"`
}

// email is one entry of GET /user/emails.
type email struct {
	Email    string `json:"email"`
	Primary  bool   `json:"primary"`
	Verified bool   `json:"verified"`
}

// Exchange implements login.Provider. It redeems the code at
// /login/oauth/access_token with the PKCE verifier and the redirect URI,
// reads the user from GET /user (Subject is the numeric id, stable across
// renames) and the primary address from GET /user/emails, verified or not
// as GitHub says. When the token may not read addresses (a GitHub App
// without the "Email addresses" permission), the identity has no email.
func (p *Provider) Exchange(ctx context.Context, req *login.AuthRequest, cb *login.Callback) (*login.Identity, error) {
	if e := oauth.CheckRequest(p.name, req, cb, false); e != nil {
		return nil, e
	}
	ctx = oauth.WithClient(ctx, p.client)
	tok, err := p.oauthConfig(req.RedirectURL).Exchange(ctx, cb.Code, oauth2.VerifierOption(req.CodeVerifier))
	if err != nil {
		return nil, p.fail(ctx, oauth.ExchangeError(p.name, err))
	}
	if tt := tok.Type(); !strings.EqualFold(tt, "bearer") {
		return nil, p.fail(ctx, &login.Error{Kind: login.ErrProvider, Provider: p.name, Reason: "token type is not bearer"})
	}
	body, status, lerr := p.get(ctx, tok.AccessToken, "/user")
	if lerr != nil {
		return nil, p.fail(ctx, lerr)
	}
	if status != http.StatusOK {
		return nil, p.fail(ctx, &login.Error{Kind: login.ErrProvider, Provider: p.name, Reason: fmt.Sprintf("GET /user answered %d", status)})
	}
	var u user
	if err := json.Unmarshal(body, &u); err != nil || u.ID <= 0 {
		return nil, p.fail(ctx, &login.Error{Kind: login.ErrProvider, Provider: p.name, Reason: "GET /user answer has no user id", Err: err})
	}
	id := &login.Identity{
		Provider: p.name,
		Issuer:   p.oauthURL,
		Subject:  strconv.FormatInt(u.ID, 10),
		Name:     u.Name,
		Username: u.Login,
		Picture:  u.AvatarURL,
		Raw:      json.RawMessage(body),
	}
	body, status, lerr = p.get(ctx, tok.AccessToken, "/user/emails")
	switch {
	case lerr != nil:
		return nil, p.fail(ctx, lerr)
	case status == http.StatusForbidden || status == http.StatusNotFound || status == http.StatusUnauthorized:
		// No permission to read addresses: the identity has no email.
	case status != http.StatusOK:
		return nil, p.fail(ctx, &login.Error{Kind: login.ErrProvider, Provider: p.name, Reason: fmt.Sprintf("GET /user/emails answered %d", status)})
	default:
		var emails []email
		if err := json.Unmarshal(body, &emails); err != nil {
			return nil, p.fail(ctx, &login.Error{Kind: login.ErrProvider, Provider: p.name, Reason: "GET /user/emails answer unreadable", Err: err})
		}
		for _, e := range emails {
			if e.Primary {
				id.Email, id.EmailVerified = e.Email, e.Verified
				break
			}
		}
	}
	p.log(ctx, slog.LevelDebug, "identity read", slog.String("outcome", "verified"))
	return id, nil
}

// get calls the REST API. A transport failure, 429, 5xx and a 403 for an
// exhausted rate limit are login.ErrTemporary; other statuses are returned
// for the caller to judge.
func (p *Provider) get(ctx context.Context, token, path string) ([]byte, int, *login.Error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.apiURL+path, nil)
	if err != nil {
		return nil, 0, &login.Error{Kind: login.ErrProvider, Provider: p.name, Reason: "GET " + path, Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", apiVersion)
	req.Header.Set("User-Agent", "switchboard-go/githublogin")
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, 0, &login.Error{Kind: login.ErrTemporary, Provider: p.name, Reason: "GET " + path + " failed", Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, oauth.MaxBody))
	if err != nil {
		return nil, 0, &login.Error{Kind: login.ErrTemporary, Provider: p.name, Reason: "GET " + path + " cut short", Err: err}
	}
	if resp.StatusCode != http.StatusOK && oauth.StatusKind(resp) == login.ErrTemporary {
		return nil, 0, &login.Error{Kind: login.ErrTemporary, Provider: p.name, Reason: fmt.Sprintf("GET %s answered %d", path, resp.StatusCode)}
	}
	return body, resp.StatusCode, nil
}

func (p *Provider) fail(ctx context.Context, e *login.Error) *login.Error {
	p.log(ctx, slog.LevelDebug, "exchange failed", slog.String("outcome", "failed"), slog.String("err", e.Error()))
	return e
}

func (p *Provider) log(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	if p.logger == nil || !p.logger.Enabled(ctx, level) {
		return
	}
	p.logger.LogAttrs(ctx, level, msg, append(attrs, slog.String("provider", p.name))...)
}
