package oidclogin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/login"
	"github.com/switchboard-go/switchboard/login/logintest"
	"github.com/switchboard-go/switchboard/login/oidclogin"
)

func newIssuer(t *testing.T) *logintest.Issuer {
	iss := logintest.NewIssuer()
	t.Cleanup(iss.Close)
	return iss
}

func request() *login.AuthRequest {
	return &login.AuthRequest{
		RedirectURL: "http://127.0.0.1:9/login/oidc/callback", State: "state-0123456789",
		Nonce: "nonce-0123456789", CodeVerifier: "verifier-0123456789-0123456789-0123456789",
	}
}

func signIn(t *testing.T, p login.Provider, req *login.AuthRequest) (*login.Identity, error) {
	back := logintest.Authorize(t, p.AuthCodeURL(req))
	return p.Exchange(context.Background(), req, &login.Callback{Code: back.Query().Get("code"), Issuer: back.Query().Get("iss")})
}

func TestNewConfigErrors(t *testing.T) {
	iss := newIssuer(t)
	ctx := context.Background()
	for name, tc := range map[string]struct {
		issuer, id, secret string
		opts               []oidclogin.Option
	}{
		"empty client id":      {iss.URL, "", "s", nil},
		"padded client secret": {iss.URL, "id", " sekrit-value", nil},
		"empty client secret":  {iss.URL, "id", "", nil},
		"http issuer":          {"http://issuer.example", "id", "s", nil},
		"relative issuer":      {"issuer.example", "id", "s", nil},
		"issuer mismatch":      {iss.URL + "/", "id", "s", nil},
		"no discovery":         {iss.URL + "/nowhere", "id", "s", nil},
		"bad name":             {iss.URL, "id", "s", []oidclogin.Option{oidclogin.WithName("Okta!")}},
		"reserved param":       {iss.URL, "id", "s", []oidclogin.Option{oidclogin.WithAuthParam("redirect_uri", "x")}},
		"param twice":          {iss.URL, "id", "s", []oidclogin.Option{oidclogin.WithAuthParam("prompt", "x"), oidclogin.WithAuthParam("prompt", "y")}},
		"bad scope":            {iss.URL, "id", "s", []oidclogin.Option{oidclogin.WithScopes("email profile")}},
		"nil check":            {iss.URL, "id", "s", []oidclogin.Option{oidclogin.WithClaimCheck(nil)}},
		"nil client":           {iss.URL, "id", "s", []oidclogin.Option{oidclogin.WithHTTPClient(nil)}},
		"nil logger":           {iss.URL, "id", "s", []oidclogin.Option{oidclogin.WithLogger(nil)}},
		"nil clock":            {iss.URL, "id", "s", []oidclogin.Option{oidclogin.WithClock(nil)}},
		"nil option":           {iss.URL, "id", "s", []oidclogin.Option{nil}},
	} {
		t.Run(name, func(t *testing.T) {
			p, err := oidclogin.New(ctx, tc.issuer, tc.id, tc.secret, tc.opts...)
			require.ErrorIs(t, err, login.ErrInvalidConfig)
			require.Nil(t, p)
			if tc.secret != "" && tc.secret != "s" {
				require.NotContains(t, err.Error(), tc.secret)
			}
		})
	}
}

func TestNewUnreachableIsTemporary(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	_, err := oidclogin.New(context.Background(), addr, "id", "secret")
	require.ErrorIs(t, err, login.ErrTemporary)
}

// TestDiscoveryRefusals: an issuer without what a safe sign-in needs is a
// configuration error.
func TestDiscoveryRefusals(t *testing.T) {
	for name, patch := range map[string]map[string]any{
		"no code flow":          {"response_types_supported": []string{"id_token"}},
		"no S256":               {"code_challenge_methods_supported": []string{"plain"}},
		"no secret auth method": {"token_endpoint_auth_methods_supported": []string{"private_key_jwt"}},
		"http token endpoint":   {"token_endpoint": "http://issuer.example/token"},
	} {
		t.Run(name, func(t *testing.T) {
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				doc := map[string]any{
					"issuer": srv.URL, "authorization_endpoint": srv.URL + "/authorize", "token_endpoint": srv.URL + "/token",
					"jwks_uri": srv.URL + "/jwks", "response_types_supported": []string{"code"},
				}
				for k, v := range patch {
					doc[k] = v
				}
				_ = json.NewEncoder(w).Encode(doc)
			}))
			defer srv.Close()
			_, err := oidclogin.New(context.Background(), srv.URL, "id", "secret")
			require.ErrorIs(t, err, login.ErrInvalidConfig)
		})
	}
}

func TestAuthCodeURL(t *testing.T) {
	iss := newIssuer(t)
	p, err := oidclogin.New(context.Background(), iss.URL, iss.ClientID, iss.ClientSecret,
		oidclogin.WithScopes("email", "openid", "offline_access"), oidclogin.WithAuthParam("login_hint", "ada@example.com"))
	require.NoError(t, err)
	u, err := url.Parse(p.AuthCodeURL(request()))
	require.NoError(t, err)
	require.Equal(t, iss.URL+"/authorize", u.Scheme+"://"+u.Host+u.Path)
	require.Equal(t, "openid email offline_access", u.Query().Get("scope"))
	require.Equal(t, "ada@example.com", u.Query().Get("login_hint"))
	require.Equal(t, "nonce-0123456789", u.Query().Get("nonce"))
}

// TestNonceRequired: an empty nonce in the request would match a token
// without one; the provider refuses the request instead.
func TestNonceRequired(t *testing.T) {
	iss := newIssuer(t)
	p, err := oidclogin.New(context.Background(), iss.URL, iss.ClientID, iss.ClientSecret)
	require.NoError(t, err)
	req := request()
	back := logintest.Authorize(t, p.AuthCodeURL(req))
	req.Nonce = ""
	_, err = p.Exchange(context.Background(), req, &login.Callback{Code: back.Query().Get("code"), Issuer: iss.URL})
	require.ErrorIs(t, err, login.ErrInvalidState)
}

func TestIssuerParameter(t *testing.T) {
	iss := newIssuer(t)
	p, err := oidclogin.New(context.Background(), iss.URL, iss.ClientID, iss.ClientSecret)
	require.NoError(t, err)
	req := request()
	back := logintest.Authorize(t, p.AuthCodeURL(req))
	// The issuer says it sends iss: a response without one is refused.
	_, err = p.Exchange(context.Background(), req, &login.Callback{Code: back.Query().Get("code")})
	require.ErrorIs(t, err, login.ErrInvalidState)
	_, err = p.Exchange(context.Background(), req, &login.Callback{Code: back.Query().Get("code"), Issuer: "https://other.example"})
	require.ErrorIs(t, err, login.ErrInvalidState)
}

func TestClaimCheck(t *testing.T) {
	iss := newIssuer(t)
	tenant := func(id *login.Identity) error {
		var c struct {
			Email string `json:"email"`
		}
		_ = json.Unmarshal(id.Raw, &c)
		if !strings.HasSuffix(c.Email, "@example.com") {
			return errors.New("outside the company")
		}
		return nil
	}
	p, err := oidclogin.New(context.Background(), iss.URL, iss.ClientID, iss.ClientSecret, oidclogin.WithClaimCheck(tenant))
	require.NoError(t, err)
	_, err = signIn(t, p, request())
	require.NoError(t, err)
	u := logintest.DefaultUser()
	u.Email = "ada@elsewhere.example"
	iss.SignIn(u)
	_, err = signIn(t, p, request())
	require.ErrorIs(t, err, login.ErrInvalidToken)

	domain := oidclogin.WithClaimCheck(func(*login.Identity) error {
		return &login.Error{Kind: login.ErrHostedDomain, Reason: "no"}
	})
	p, err = oidclogin.New(context.Background(), iss.URL, iss.ClientID, iss.ClientSecret, domain)
	require.NoError(t, err)
	_, err = signIn(t, p, request())
	require.ErrorIs(t, err, login.ErrHostedDomain, "a *login.Error from a check keeps its kind")
}

// TestUserInfoFillsMissingEmail: an ID token without email gets it from
// the userinfo endpoint.
func TestUserInfoFillsMissingEmail(t *testing.T) {
	iss := newIssuer(t)
	var userinfo int
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Path == "/userinfo" {
			userinfo++
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	p, err := oidclogin.New(context.Background(), iss.URL, iss.ClientID, iss.ClientSecret, oidclogin.WithHTTPClient(client))
	require.NoError(t, err)
	id, err := signIn(t, p, request())
	require.NoError(t, err)
	require.Zero(t, userinfo, "no userinfo request when the ID token has the email")
	require.True(t, id.EmailVerified)

	u := logintest.DefaultUser()
	u.Email = ""
	iss.SignIn(u)
	id, err = signIn(t, p, request())
	require.NoError(t, err)
	require.Equal(t, 1, userinfo)
	require.Empty(t, id.Email, "the userinfo answer had no email either")
	require.False(t, id.EmailVerified)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestClockInjected(t *testing.T) {
	iss := newIssuer(t)
	later := func() time.Time { return time.Now().Add(2 * time.Hour) }
	p, err := oidclogin.New(context.Background(), iss.URL, iss.ClientID, iss.ClientSecret, oidclogin.WithClock(later))
	require.NoError(t, err)
	_, err = signIn(t, p, request())
	require.ErrorIs(t, err, login.ErrInvalidToken, "a token an hour old at the injected clock has expired")
}

func TestStringHidesSecret(t *testing.T) {
	iss := newIssuer(t)
	p, err := oidclogin.New(context.Background(), iss.URL, iss.ClientID, iss.ClientSecret)
	require.NoError(t, err)
	for _, s := range []string{p.String(), p.GoString()} {
		require.NotContains(t, s, iss.ClientSecret)
		require.Contains(t, s, iss.ClientID)
	}
	require.Equal(t, iss.URL, p.Issuer())
}

// TestLogsHoldNoSecrets: the debug log of failed and successful exchanges
// holds no code, token or secret.
func TestLogsHoldNoSecrets(t *testing.T) {
	iss := newIssuer(t)
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, err := oidclogin.New(context.Background(), iss.URL, iss.ClientID, iss.ClientSecret, oidclogin.WithLogger(logger))
	require.NoError(t, err)
	req := request()
	back := logintest.Authorize(t, p.AuthCodeURL(req))
	cb := &login.Callback{Code: back.Query().Get("code"), Issuer: iss.URL}
	_, err = p.Exchange(context.Background(), req, cb)
	require.NoError(t, err)
	_, err = p.Exchange(context.Background(), req, cb)
	require.Error(t, err)
	require.Contains(t, buf.String(), "provider=oidc")
	for _, s := range []string{cb.Code, iss.ClientSecret, req.CodeVerifier, req.Nonce} {
		require.NotContains(t, buf.String(), s)
	}
}
