package main

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/login"
	"github.com/switchboard-go/switchboard/login/githublogin"
	"github.com/switchboard-go/switchboard/login/googlelogin"
	"github.com/switchboard-go/switchboard/login/oidclogin"
)

// loginConfig is the sign-in part of the configuration. Sign-in is on
// when at least one provider's credentials are set.
type loginConfig struct {
	PublicURL  string // PUBLIC_URL: where browsers reach the app (default: the listen address)
	SessionKey string // SESSION_KEY: base64 of 32 or more random bytes (default: random at each start)

	GoogleClientID     string // GOOGLE_CLIENT_ID
	GoogleClientSecret string // GOOGLE_CLIENT_SECRET
	GoogleIssuerURL    string // GOOGLE_ISSUER_URL: a stand-in for accounts.google.com (tests)

	GitHubClientID     string // GITHUB_CLIENT_ID
	GitHubClientSecret string // GITHUB_CLIENT_SECRET
	GitHubAPIURL       string // GITHUB_API_URL (GitHub Enterprise Server, tests)
	GitHubOAuthURL     string // GITHUB_OAUTH_URL (GitHub Enterprise Server, tests)

	OIDCIssuer       string // OIDC_ISSUER: any OpenID Connect issuer URL
	OIDCClientID     string // OIDC_CLIENT_ID
	OIDCClientSecret string // OIDC_CLIENT_SECRET
}

func loginConfigFromEnv(getenv func(string) string) loginConfig {
	return loginConfig{
		PublicURL:          getenv("PUBLIC_URL"),
		SessionKey:         getenv("SESSION_KEY"),
		GoogleClientID:     getenv("GOOGLE_CLIENT_ID"),
		GoogleClientSecret: getenv("GOOGLE_CLIENT_SECRET"),
		GoogleIssuerURL:    getenv("GOOGLE_ISSUER_URL"),
		GitHubClientID:     getenv("GITHUB_CLIENT_ID"),
		GitHubClientSecret: getenv("GITHUB_CLIENT_SECRET"),
		GitHubAPIURL:       getenv("GITHUB_API_URL"),
		GitHubOAuthURL:     getenv("GITHUB_OAUTH_URL"),
		OIDCIssuer:         getenv("OIDC_ISSUER"),
		OIDCClientID:       getenv("OIDC_CLIENT_ID"),
		OIDCClientSecret:   getenv("OIDC_CLIENT_SECRET"),
	}
}

// signIn is the app's sign-in: the login.Handler and the session cookie
// it sets.
type signIn struct {
	handler  *login.Handler
	sessions sessionCodec
	origin   *http.CrossOriginProtection
}

// sessionTTL is how long a buyer stays signed in.
const sessionTTL = 24 * time.Hour

// setupLogin turns sign-in on when a provider is configured: the start and
// callback routes under /login/, GET /login (a page of buttons), POST
// /logout; GET /me is always there and answers 401 without a session.
func (a *app) setupLogin(ctx context.Context, baseURL string) error {
	a.mux.HandleFunc("GET /me", a.me)
	lc := a.cfg.Login
	var providers []login.Provider
	pair := func(names string, vals ...string) (bool, error) {
		set := 0
		for _, v := range vals {
			if v != "" {
				set++
			}
		}
		if set != 0 && set != len(vals) {
			return false, fmt.Errorf("%s go together: set all or none", names)
		}
		return set != 0, nil
	}
	if on, err := pair("GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET", lc.GoogleClientID, lc.GoogleClientSecret); err != nil {
		return err
	} else if on {
		opts := []googlelogin.Option{googlelogin.WithLogger(a.log)}
		if lc.GoogleIssuerURL != "" {
			opts = append(opts, googlelogin.WithBaseURL(lc.GoogleIssuerURL))
		}
		p, err := googlelogin.New(ctx, lc.GoogleClientID, lc.GoogleClientSecret, opts...)
		if err != nil {
			return fmt.Errorf("google sign-in: %w", err)
		}
		providers = append(providers, p)
	}
	if on, err := pair("GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET", lc.GitHubClientID, lc.GitHubClientSecret); err != nil {
		return err
	} else if on {
		opts := []githublogin.Option{githublogin.WithLogger(a.log)}
		if lc.GitHubAPIURL != "" {
			opts = append(opts, githublogin.WithBaseURL(lc.GitHubAPIURL))
		}
		if lc.GitHubOAuthURL != "" {
			opts = append(opts, githublogin.WithOAuthURL(lc.GitHubOAuthURL))
		}
		p, err := githublogin.New(lc.GitHubClientID, lc.GitHubClientSecret, opts...)
		if err != nil {
			return fmt.Errorf("github sign-in: %w", err)
		}
		providers = append(providers, p)
	}
	if on, err := pair("OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET", lc.OIDCIssuer, lc.OIDCClientID, lc.OIDCClientSecret); err != nil {
		return err
	} else if on {
		p, err := oidclogin.New(ctx, lc.OIDCIssuer, lc.OIDCClientID, lc.OIDCClientSecret, oidclogin.WithLogger(a.log))
		if err != nil {
			return fmt.Errorf("OIDC sign-in: %w", err)
		}
		providers = append(providers, p)
	}
	if len(providers) == 0 {
		return nil
	}

	key, err := sessionKey(lc.SessionKey)
	if err != nil {
		return err
	}
	if lc.SessionKey == "" {
		a.log.Info("session key generated: sessions end when the app stops; set SESSION_KEY to keep them")
	}
	publicURL := lc.PublicURL
	if publicURL == "" {
		publicURL = baseURL
	}
	secure := strings.HasPrefix(publicURL, "https://")
	s := &signIn{
		sessions: sessionCodec{key: deriveKey(key, "checkout session cookie"), secure: secure},
		origin:   http.NewCrossOriginProtection(),
	}
	s.handler, err = login.NewHandler(publicURL, deriveKey(key, "checkout login state"), providers, s.onLogin,
		login.WithStore(a.store), login.WithLogger(a.log))
	if err != nil {
		return fmt.Errorf("PUBLIC_URL or SESSION_KEY: %w", err)
	}
	a.signin = s
	a.mux.Handle("/login/", s.handler)
	a.mux.HandleFunc("GET /login", s.page)
	a.mux.HandleFunc("POST /logout", s.logout)
	for _, name := range s.handler.Providers() {
		a.log.Info("sign-in enabled", "provider", name, "start", publicURL+s.handler.StartPath(name),
			"redirect_uri", s.handler.RedirectURL(name))
	}
	return nil
}

// sessionKey decodes SESSION_KEY, or makes a random key when it is unset.
func sessionKey(v string) ([]byte, error) {
	if v == "" {
		k := make([]byte, 32)
		rand.Read(k)
		return k, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(v); err == nil {
			if len(k) < 32 {
				return nil, errors.New("SESSION_KEY must decode to at least 32 bytes (openssl rand -base64 32)")
			}
			return k, nil
		}
	}
	return nil, errors.New("SESSION_KEY must be base64 (openssl rand -base64 32)")
}

// deriveKey gives each use of SESSION_KEY its own key.
func deriveKey(key []byte, purpose string) []byte {
	k, err := hkdf.Key(sha256.New, key, nil, purpose, 32)
	if err != nil { // only for a length HKDF-SHA256 cannot give
		panic(err)
	}
	return k
}

// onLogin starts the buyer's session.
func (s *signIn) onLogin(w http.ResponseWriter, r *http.Request, id *login.Identity) error {
	return s.sessions.set(w, sessionUser{
		ID: id.ID(), Provider: id.Provider, Subject: id.Subject, Email: id.Email, EmailVerified: id.EmailVerified,
		Name: id.Name, Username: id.Username, Picture: id.Picture,
	})
}

// sessionAuth authenticates r by its session cookie. It returns false when
// r has no valid session (the caller tries the bearer token); otherwise it
// has answered: next ran as the signed-in buyer, or a cross-origin unsafe
// request was refused, since a cookie, unlike a bearer token, rides along
// on requests other sites make.
func (a *app) sessionAuth(w http.ResponseWriter, r *http.Request, next http.Handler) bool {
	if a.signin == nil {
		return false
	}
	u, ok := a.signin.sessions.get(r)
	if !ok {
		return false
	}
	if err := a.signin.origin.Check(r); err != nil {
		problem(w, http.StatusForbidden, "cross-origin request refused", "")
		return true
	}
	next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, u.ID)))
	return true
}

// me answers the signed-in buyer's identity.
func (a *app) me(w http.ResponseWriter, r *http.Request) {
	if a.signin != nil {
		if u, ok := a.signin.sessions.get(r); ok {
			w.Header().Set("Cache-Control", "no-store")
			writeJSON(w, http.StatusOK, u)
			return
		}
	}
	problem(w, http.StatusUnauthorized, "not signed in", "sign in at /login")
}

func (s *signIn) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.origin.Check(r); err != nil {
		problem(w, http.StatusForbidden, "cross-origin request refused", "")
		return
	}
	s.sessions.clear(w)
	w.WriteHeader(http.StatusNoContent)
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head>
<body><h1>Sign in to Switchboard Checkout</h1>
{{range .}}<p><a href="{{.Href}}">Continue with {{.Name}}</a></p>
{{end}}</body></html>
`))

// page lists the sign-in buttons; ?return_to= is passed on.
func (s *signIn) page(w http.ResponseWriter, r *http.Request) {
	type button struct{ Name, Href string }
	var buttons []button
	rt := r.URL.Query().Get("return_to")
	for _, name := range s.handler.Providers() {
		href := s.handler.StartPath(name)
		if rt != "" {
			href += "?return_to=" + url.QueryEscape(rt)
		}
		buttons = append(buttons, button{Name: name, Href: href})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = loginPage.Execute(w, buttons)
}

// sessionUser is what the session cookie holds and GET /me answers.
type sessionUser struct {
	ID            string `json:"id"`
	Provider      string `json:"provider"`
	Subject       string `json:"subject"`
	Email         string `json:"email,omitempty"`
	EmailVerified bool   `json:"email_verified"`
	Name          string `json:"name,omitempty"`
	Username      string `json:"username,omitempty"`
	Picture       string `json:"picture,omitempty"`
	Expires       int64  `json:"exp"`
}

// sessionCodec is a minimal signed-cookie session: the cookie holds the
// buyer as JSON and an HMAC-SHA256 of it. It is signed, not encrypted: it
// holds nothing the buyer may not read.
type sessionCodec struct {
	key    []byte
	secure bool
}

func (c sessionCodec) name() string {
	if c.secure {
		return "__Host-checkout-session"
	}
	return "checkout-session"
}

func (c sessionCodec) sign(payload string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (c sessionCodec) set(w http.ResponseWriter, u sessionUser) error {
	u.Expires = time.Now().Add(sessionTTL).Unix()
	b, err := json.Marshal(u)
	if err != nil {
		return err
	}
	payload := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{
		Name: c.name(), Value: payload + "." + c.sign(payload), Path: "/", MaxAge: int(sessionTTL / time.Second),
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode,
	})
	return nil
}

func (c sessionCodec) get(r *http.Request) (sessionUser, bool) {
	ck, err := r.Cookie(c.name())
	if err != nil || len(ck.Value) > 4096 {
		return sessionUser{}, false
	}
	payload, sig, ok := strings.Cut(ck.Value, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(c.sign(payload))) {
		return sessionUser{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return sessionUser{}, false
	}
	var u sessionUser
	if err := json.Unmarshal(b, &u); err != nil || u.ID == "" || time.Now().Unix() >= u.Expires {
		return sessionUser{}, false
	}
	return u, true
}

func (c sessionCodec) clear(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: c.name(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode})
}
