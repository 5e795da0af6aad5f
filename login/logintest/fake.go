package logintest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// User is a user the fakes sign in. The fake issuer turns it into ID token
// and userinfo claims; the fake GitHub into its /user and /user/emails
// answers.
type User struct {
	// Subject is the sub claim; for the fake GitHub, the numeric user id
	// (decimal digits).
	Subject string
	// Username is preferred_username; GitHub's login.
	Username string
	// Name is the display name.
	Name string
	// Email is the address: the email claim; GitHub's primary address.
	Email string
	// EmailVerified is the email_verified claim; whether GitHub's primary
	// address is verified.
	EmailVerified bool
	// Picture is the picture claim; GitHub's avatar_url.
	Picture string
	// HostedDomain is Google's hd claim (a Workspace domain); empty for
	// none.
	HostedDomain string
}

// DefaultUser is the user the fakes sign in until told otherwise.
func DefaultUser() User {
	return User{
		Subject: "1048576", Username: "ada", Name: "Ada Lovelace",
		Email: "ada@example.com", EmailVerified: true, Picture: "https://images.example.com/ada.png",
	}
}

// Default client credentials of the fakes.
const (
	DefaultClientID     = "switchboard-test-client"
	DefaultClientSecret = "switchboard-test-secret"
)

// Option configures a fake (Issuer or GitHub).
type Option func(*fakeConfig)

type fakeConfig struct {
	clientID, secret string
	redirects        []string
	now              func() time.Time
}

// WithClient registers the client the fake accepts (DefaultClientID and
// DefaultClientSecret unless set).
func WithClient(id, secret string) Option {
	return func(c *fakeConfig) { c.clientID, c.secret = id, secret }
}

// WithRedirectURLs registers the redirect URIs the fake accepts; an
// authorization request naming another is refused with a 400 page, as real
// providers do. Without it any redirect URI is accepted, but the token
// request must still repeat the authorization request's exactly.
func WithRedirectURLs(urls ...string) Option {
	return func(c *fakeConfig) { c.redirects = append(c.redirects, urls...) }
}

// WithClock replaces time.Now for the times in ID tokens and the ten-minute
// lifetime of codes.
func WithClock(now func() time.Time) Option {
	return func(c *fakeConfig) { c.now = now }
}

func newConfig(opts []Option) fakeConfig {
	c := fakeConfig{clientID: DefaultClientID, secret: DefaultClientSecret, now: time.Now}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// grant is one authorization code.
type grant struct {
	clientID  string
	redirect  string
	challenge string
	method    string
	nonce     string
	scope     string
	user      User
	expires   time.Time
	used      bool
}

// core is what both fakes share: users, codes, access tokens, queued
// failures and the request counter.
type core struct {
	cfg fakeConfig

	mu       sync.Mutex
	user     User
	deny     int
	fail     []int
	codes    map[string]*grant
	tokens   map[string]User
	requests int
}

func newCore(cfg fakeConfig) *core {
	return &core{cfg: cfg, user: DefaultUser(), codes: map[string]*grant{}, tokens: map[string]User{}}
}

// SignIn makes u the user signed in by every authorization from now on.
func (c *core) SignIn(u User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.user = u
}

// Deny makes the next authorization refused as a user declining consent:
// the browser is sent back with error=access_denied.
func (c *core) Deny() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deny++
}

// FailNext makes the next token request answer status (429, 500, 503) with
// an OAuth error body, as an overloaded or failing provider does.
func (c *core) FailNext(status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fail = append(c.fail, status)
}

// Requests returns how many requests the fake has answered.
func (c *core) Requests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests
}

func (c *core) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.requests++
		c.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// authorize checks an authorization request and, on success, issues a
// code and redirects to the redirect URI; extra are added to the redirect
// (the iss parameter of RFC 9207).
func (c *core) authorize(w http.ResponseWriter, r *http.Request, requireNonce bool, extra url.Values) {
	q := r.URL.Query()
	redirect := q.Get("redirect_uri")
	if q.Get("client_id") != c.cfg.clientID {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	ru, err := url.Parse(redirect)
	if redirect == "" || err != nil || !ru.IsAbs() || ru.Fragment != "" {
		http.Error(w, "redirect_uri missing or not an absolute URL", http.StatusBadRequest)
		return
	}
	if len(c.cfg.redirects) > 0 && !slices.Contains(c.cfg.redirects, redirect) {
		http.Error(w, "redirect_uri is not registered for this client", http.StatusBadRequest)
		return
	}
	back := func(v url.Values) {
		v.Set("state", q.Get("state"))
		for k, vs := range extra {
			v[k] = vs
		}
		u := *ru
		qq := u.Query()
		for k, vs := range v {
			qq[k] = vs
		}
		u.RawQuery = qq.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	switch {
	case q.Get("response_type") != "code":
		back(url.Values{"error": {"unsupported_response_type"}})
		return
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		back(url.Values{"error": {"invalid_request"}, "error_description": {"PKCE with S256 is required"}})
		return
	case requireNonce && q.Get("nonce") == "":
		back(url.Values{"error": {"invalid_request"}, "error_description": {"nonce is required"}})
		return
	}
	c.mu.Lock()
	if c.deny > 0 {
		c.deny--
		c.mu.Unlock()
		back(url.Values{"error": {"access_denied"}, "error_description": {"The user denied the request."}})
		return
	}
	code := randomString()
	c.codes[code] = &grant{
		clientID: c.cfg.clientID, redirect: redirect, challenge: q.Get("code_challenge"), method: "S256",
		nonce: q.Get("nonce"), scope: q.Get("scope"), user: c.user, expires: c.cfg.now().Add(10 * time.Minute),
	}
	c.mu.Unlock()
	back(url.Values{"code": {code}})
}

// redeem checks a token request's code, redirect URI and PKCE verifier. It
// returns the grant, or an OAuth error code. A code works once: a second
// use fails even when the first one failed.
func (c *core) redeem(code, redirect, verifier string) (*grant, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, ok := c.codes[code]
	if !ok || g.used || !c.cfg.now().Before(g.expires) {
		return nil, "invalid_grant"
	}
	g.used = true
	if g.redirect != redirect {
		return nil, "invalid_grant"
	}
	sum := sha256.Sum256([]byte(verifier))
	if verifier == "" || subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(g.challenge)) != 1 {
		return nil, "invalid_grant"
	}
	return g, ""
}

// nextFailure pops a queued token-endpoint failure, or returns 0.
func (c *core) nextFailure() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.fail) == 0 {
		return 0
	}
	s := c.fail[0]
	c.fail = c.fail[1:]
	return s
}

func (c *core) issueToken(u User) string {
	t := randomString()
	c.mu.Lock()
	c.tokens[t] = u
	c.mu.Unlock()
	return t
}

func (c *core) tokenUser(r *http.Request) (User, bool) {
	auth := r.Header.Get("Authorization")
	var tok string
	for _, p := range []string{"Bearer ", "bearer ", "token "} {
		if v, ok := strings.CutPrefix(auth, p); ok {
			tok = v
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	u, ok := c.tokens[tok]
	return u, ok && tok != ""
}

// clientOK checks client authentication: HTTP Basic or client_id and
// client_secret in the form.
func (c *core) clientOK(r *http.Request) bool {
	id, secret, ok := r.BasicAuth()
	if ok {
		// RFC 6749 2.3.1: the Basic credentials are form-encoded first.
		if v, err := url.QueryUnescape(id); err == nil {
			id = v
		}
		if v, err := url.QueryUnescape(secret); err == nil {
			secret = v
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	return id == c.cfg.clientID && subtle.ConstantTimeCompare([]byte(secret), []byte(c.cfg.secret)) == 1
}

func randomString() string {
	var b [24]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
