package oidclogin

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/switchboard-go/switchboard/login"
	"github.com/switchboard-go/switchboard/login/internal/oauth"
)

// Name is the provider's default name: its route under login.Handler and
// Identity.Provider. WithName gives another, for several issuers.
const Name = "oidc"

// defaultScopes are the scopes requested unless WithScopes says otherwise.
var defaultScopes = []string{oidc.ScopeOpenID, "email", "profile"}

// Provider signs users in with an OpenID Connect issuer (authorization
// code flow with PKCE). It implements login.Provider and is safe for
// concurrent use.
type Provider struct {
	name        string
	issuer      string
	clientID    string
	endpoint    oauth2.Endpoint
	secret      string
	scopes      []string
	params      []oauth2.AuthCodeOption
	verifier    *oidc.IDTokenVerifier
	userInfoURL string
	issParam    bool
	client      *http.Client
	logger      *slog.Logger
	checks      []func(*login.Identity) error
}

var _ login.Provider = (*Provider)(nil)

// discovery holds the discovery fields go-oidc does not expose.
type discovery struct {
	TokenAuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	PKCEMethods      []string `json:"code_challenge_methods_supported"`
	ResponseTypes    []string `json:"response_types_supported"`
	ISSParameter     bool     `json:"authorization_response_iss_parameter_supported"`
}

// New discovers the issuer at issuerURL (GET
// issuerURL/.well-known/openid-configuration, whose issuer must equal
// issuerURL exactly) and returns a Provider for the client registered
// there. issuerURL must be https, except on a loopback host for tests.
// Errors wrap login.ErrInvalidConfig, or login.ErrTemporary when the issuer
// could not be reached.
func New(ctx context.Context, issuerURL, clientID, clientSecret string, opts ...Option) (*Provider, error) {
	cfg := config{name: Name, scopes: slices.Clone(defaultScopes), now: time.Now}
	for _, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("%w: %s: nil option", login.ErrInvalidConfig, Name)
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	return newProvider(ctx, issuerURL, clientID, clientSecret, &cfg)
}

func newProvider(ctx context.Context, issuerURL, clientID, clientSecret string, cfg *config) (*Provider, error) {
	name := cfg.name
	if _, err := oauth.CheckBaseURL(name, "issuer URL", issuerURL); err != nil {
		return nil, err
	}
	if err := oauth.CheckSecret(name, "client ID", clientID); err != nil {
		return nil, err
	}
	if err := oauth.CheckSecret(name, "client secret", clientSecret); err != nil {
		return nil, err
	}
	client := cfg.client
	if client == nil {
		client = oauth.NewClient()
	}
	dctx := oauth.WithClient(ctx, client)
	op, err := oidc.NewProvider(dctx, issuerURL)
	if err != nil {
		var mismatch *oidc.IssuerMismatchError
		if !errors.As(err, &mismatch) && oauth.IsNetwork(err) {
			return nil, fmt.Errorf("%w: %s: discovery at %s: %v", login.ErrTemporary, name, issuerURL, err)
		}
		return nil, fmt.Errorf("%w: %s: discovery at %s: %v", login.ErrInvalidConfig, name, issuerURL, err)
	}
	var d discovery
	if err := op.Claims(&d); err != nil {
		return nil, fmt.Errorf("%w: %s: discovery document: %v", login.ErrInvalidConfig, name, err)
	}
	ep := op.Endpoint()
	for what, u := range map[string]string{"authorization_endpoint": ep.AuthURL, "token_endpoint": ep.TokenURL} {
		if _, err := oauth.CheckBaseURL(name, "discovered "+what, u); err != nil {
			return nil, err
		}
	}
	if len(d.ResponseTypes) > 0 && !slices.Contains(d.ResponseTypes, "code") {
		return nil, fmt.Errorf("%w: %s: the issuer does not offer the authorization code flow", login.ErrInvalidConfig, name)
	}
	if len(d.PKCEMethods) > 0 && !slices.Contains(d.PKCEMethods, "S256") {
		return nil, fmt.Errorf("%w: %s: the issuer does not offer PKCE with S256", login.ErrInvalidConfig, name)
	}
	// RFC 8414: client_secret_basic when the issuer lists no methods.
	switch {
	case len(d.TokenAuthMethods) == 0 || slices.Contains(d.TokenAuthMethods, "client_secret_basic"):
		ep.AuthStyle = oauth2.AuthStyleInHeader
	case slices.Contains(d.TokenAuthMethods, "client_secret_post"):
		ep.AuthStyle = oauth2.AuthStyleInParams
	default:
		return nil, fmt.Errorf("%w: %s: the issuer accepts neither client_secret_basic nor client_secret_post", login.ErrInvalidConfig, name)
	}
	p := &Provider{
		name:        name,
		issuer:      issuerURL,
		clientID:    clientID,
		secret:      clientSecret,
		endpoint:    ep,
		scopes:      cfg.scopes,
		params:      cfg.params,
		userInfoURL: op.UserInfoEndpoint(),
		issParam:    d.ISSParameter,
		client:      client,
		logger:      cfg.logger,
		checks:      cfg.checks,
	}
	if p.userInfoURL != "" {
		if _, err := oauth.CheckBaseURL(name, "discovered userinfo_endpoint", p.userInfoURL); err != nil {
			return nil, err
		}
	}
	p.verifier = op.Verifier(&oidc.Config{ClientID: clientID, Now: cfg.now})
	return p, nil
}

// sameIssuer compares an iss value with the issuer, allowing the
// scheme-less "accounts.google.com" that Google has been known to use for
// https://accounts.google.com (go-oidc makes the same allowance for ID
// tokens).
func (p *Provider) sameIssuer(iss string) bool {
	return iss == p.issuer || (p.issuer == "https://accounts.google.com" && iss == "accounts.google.com")
}

// Name implements login.Provider.
func (p *Provider) Name() string { return p.name }

// Issuer returns the issuer URL.
func (p *Provider) Issuer() string { return p.issuer }

// String describes the Provider without its client secret.
func (p *Provider) String() string {
	return fmt.Sprintf("oidclogin.Provider{name: %s, issuer: %s, client_id: %s}", p.name, p.issuer, p.clientID)
}

// GoString is String, so %#v does not print the client secret either.
func (p *Provider) GoString() string { return p.String() }

func (p *Provider) oauthConfig(redirectURL string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: p.clientID, ClientSecret: p.secret, Endpoint: p.endpoint,
		RedirectURL: redirectURL, Scopes: p.scopes,
	}
}

// AuthCodeURL implements login.Provider: the discovered authorization
// endpoint with response_type=code, client_id, redirect_uri, scope, state,
// nonce, code_challenge (S256) and the parameters given to WithAuthParam.
func (p *Provider) AuthCodeURL(req *login.AuthRequest) string {
	opts := make([]oauth2.AuthCodeOption, 0, 2+len(p.params))
	opts = append(opts, oauth2.S256ChallengeOption(req.CodeVerifier), oidc.Nonce(req.Nonce))
	opts = append(opts, p.params...)
	return p.oauthConfig(req.RedirectURL).AuthCodeURL(req.State, opts...)
}

// claims are the ID token and userinfo claims the Provider reads.
type claims struct {
	Subject           string          `json:"sub"`
	Email             string          `json:"email"`
	EmailVerified     json.RawMessage `json:"email_verified"`
	Name              string          `json:"name"`
	PreferredUsername string          `json:"preferred_username"`
	Picture           string          `json:"picture"`
	AuthorizedParty   string          `json:"azp"`
	Audience          json.RawMessage `json:"aud"`
}

// verified reads email_verified as a JSON boolean, or the strings "true"
// and "false" that some issuers send.
func verified(raw json.RawMessage) bool {
	switch strings.TrimSpace(string(raw)) {
	case "true", `"true"`:
		return true
	}
	return false
}

func audiences(raw json.RawMessage) int {
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return len(many)
	}
	return 1
}

// Exchange implements login.Provider. It redeems the code with the PKCE
// verifier, then verifies the ID token: signature against the issuer's
// keys, issuer, audience (the client id), expiry and not-before (go-oidc),
// then the nonce against req.Nonce, the authorized party (azp must be the
// client id when present, and present when the token has several
// audiences) and the access token hash when present. An authorization
// response with an iss parameter must name this issuer, and must carry one
// when the issuer says it sends it (RFC 9207). When the ID token has no
// email and the issuer has a userinfo endpoint, the userinfo claims (for
// the same subject) fill in what the ID token lacks. Then every
// WithClaimCheck function runs.
func (p *Provider) Exchange(ctx context.Context, req *login.AuthRequest, cb *login.Callback) (*login.Identity, error) {
	if e := oauth.CheckRequest(p.name, req, cb, true); e != nil {
		return nil, e
	}
	switch {
	case cb.Issuer != "" && !p.sameIssuer(cb.Issuer):
		return nil, p.fail(ctx, &login.Error{Kind: login.ErrInvalidState, Provider: p.name, Reason: "authorization response from another issuer"})
	case cb.Issuer == "" && p.issParam:
		return nil, p.fail(ctx, &login.Error{Kind: login.ErrInvalidState, Provider: p.name, Reason: "authorization response lacks the iss parameter the issuer sends"})
	}
	ctx = oauth.WithClient(ctx, p.client)
	tok, err := p.oauthConfig(req.RedirectURL).Exchange(ctx, cb.Code, oauth2.VerifierOption(req.CodeVerifier))
	if err != nil {
		return nil, p.fail(ctx, oauth.ExchangeError(p.name, err))
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, p.fail(ctx, &login.Error{Kind: login.ErrInvalidToken, Provider: p.name, Reason: "token response has no id_token"})
	}
	idt, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, p.fail(ctx, verifyError(p.name, err))
	}
	if idt.Nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(req.Nonce)) != 1 {
		return nil, p.fail(ctx, &login.Error{Kind: login.ErrInvalidToken, Provider: p.name, Reason: "nonce does not match"})
	}
	var payload json.RawMessage
	var c claims
	if err := idt.Claims(&payload); err != nil {
		return nil, p.fail(ctx, &login.Error{Kind: login.ErrInvalidToken, Provider: p.name, Reason: "claims unreadable", Err: err})
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, p.fail(ctx, &login.Error{Kind: login.ErrInvalidToken, Provider: p.name, Reason: "claims unreadable", Err: err})
	}
	switch {
	case c.AuthorizedParty != "" && c.AuthorizedParty != p.clientID:
		return nil, p.fail(ctx, &login.Error{Kind: login.ErrInvalidToken, Provider: p.name, Reason: "authorized party (azp) is another client"})
	case c.AuthorizedParty == "" && audiences(c.Audience) > 1:
		return nil, p.fail(ctx, &login.Error{Kind: login.ErrInvalidToken, Provider: p.name, Reason: "several audiences and no authorized party (azp)"})
	case c.Subject == "":
		return nil, p.fail(ctx, &login.Error{Kind: login.ErrInvalidToken, Provider: p.name, Reason: "no subject"})
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return nil, p.fail(ctx, &login.Error{Kind: login.ErrInvalidToken, Provider: p.name, Reason: "access token hash (at_hash) does not match", Err: err})
		}
	}
	id := &login.Identity{
		Provider:      p.name,
		Issuer:        p.issuer,
		Subject:       c.Subject,
		Email:         c.Email,
		EmailVerified: c.Email != "" && verified(c.EmailVerified),
		Name:          c.Name,
		Username:      c.PreferredUsername,
		Picture:       c.Picture,
		Raw:           payload,
	}
	if id.Email == "" && p.userInfoURL != "" && tok.AccessToken != "" {
		if err := p.userInfo(ctx, tok.AccessToken, id); err != nil {
			return nil, p.fail(ctx, err)
		}
	}
	for _, check := range p.checks {
		if err := check(id); err != nil {
			var le *login.Error
			if !errors.As(err, &le) {
				le = &login.Error{Kind: login.ErrInvalidToken, Provider: p.name, Reason: "claim check failed", Err: err}
			}
			return nil, p.fail(ctx, le)
		}
	}
	p.log(ctx, slog.LevelDebug, "identity verified", slog.String("outcome", "verified"))
	return id, nil
}

// userInfo fills in id's email, name, username and picture from the
// userinfo endpoint, when it answers for the same subject.
func (p *Provider) userInfo(ctx context.Context, accessToken string, id *login.Identity) *login.Error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.userInfoURL, nil)
	if err != nil {
		return &login.Error{Kind: login.ErrProvider, Provider: p.name, Reason: "userinfo request", Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return &login.Error{Kind: login.ErrTemporary, Provider: p.name, Reason: "userinfo endpoint unreachable", Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, oauth.MaxBody))
	if err != nil {
		return &login.Error{Kind: login.ErrTemporary, Provider: p.name, Reason: "userinfo answer cut short", Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		return &login.Error{Kind: oauth.StatusKind(resp), Provider: p.name, Reason: fmt.Sprintf("userinfo endpoint answered %d", resp.StatusCode)}
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "application/jwt" {
		// A signed userinfo answer would need verifying as a JWT; the ID
		// token's claims stand alone instead.
		return nil
	}
	var c claims
	if err := json.Unmarshal(body, &c); err != nil {
		return &login.Error{Kind: login.ErrProvider, Provider: p.name, Reason: "userinfo answer is not JSON", Err: err}
	}
	if c.Subject != id.Subject {
		// OpenID Connect Core 5.3.2: the answer must not be used.
		return &login.Error{Kind: login.ErrInvalidToken, Provider: p.name, Reason: "userinfo subject differs from the ID token's"}
	}
	if c.Email != "" {
		id.Email, id.EmailVerified = c.Email, verified(c.EmailVerified)
	}
	if id.Name == "" {
		id.Name = c.Name
	}
	if id.Username == "" {
		id.Username = c.PreferredUsername
	}
	if id.Picture == "" {
		id.Picture = c.Picture
	}
	return nil
}

// verifyError maps go-oidc's verification failures: failing to fetch the
// issuer's keys is temporary; anything else is an invalid token.
func verifyError(provider string, err error) *login.Error {
	var exp *oidc.TokenExpiredError
	switch {
	case errors.As(err, &exp):
		return &login.Error{Kind: login.ErrInvalidToken, Provider: provider, Reason: "ID token expired", Err: err}
	case strings.Contains(err.Error(), "fetching keys"):
		return &login.Error{Kind: login.ErrTemporary, Provider: provider, Reason: "issuer keys unreachable", Err: err}
	case strings.Contains(err.Error(), "different provider"):
		return &login.Error{Kind: login.ErrInvalidToken, Provider: provider, Reason: "ID token from another issuer", Err: err}
	case strings.Contains(err.Error(), "expected audience"):
		return &login.Error{Kind: login.ErrInvalidToken, Provider: provider, Reason: "ID token for another audience", Err: err}
	case strings.Contains(err.Error(), "signature"), strings.Contains(err.Error(), "malformed jwt"):
		return &login.Error{Kind: login.ErrInvalidToken, Provider: provider, Reason: "ID token signature does not verify", Err: err}
	default:
		return &login.Error{Kind: login.ErrInvalidToken, Provider: provider, Reason: "ID token does not verify", Err: err}
	}
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
