package login_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency/memstore"
	"github.com/switchboard-go/switchboard/login"
	"github.com/switchboard-go/switchboard/login/githublogin"
	"github.com/switchboard-go/switchboard/login/googlelogin"
	"github.com/switchboard-go/switchboard/login/logintest"
)

const publicURL = "http://127.0.0.1:8080"

// env is a Handler with Google (on the fake issuer) and GitHub (on the
// fake GitHub), recording what reaches the application.
type env struct {
	t   *testing.T
	iss *logintest.Issuer
	gh  *logintest.GitHub
	h   *login.Handler

	mu   sync.Mutex
	now  time.Time
	ids  []*login.Identity
	errs []error
	// reject makes the LoginFunc refuse.
	reject error
}

type envOpts struct {
	google  []googlelogin.Option
	handler []login.Option
	// noErrorHandler leaves the Handler's own error page on.
	noErrorHandler bool
}

func newEnv(t *testing.T, o envOpts) *env {
	t.Helper()
	e := &env{t: t, iss: logintest.NewIssuer(), gh: logintest.NewGitHub(), now: time.Now()}
	t.Cleanup(e.iss.Close)
	t.Cleanup(e.gh.Close)
	g, err := googlelogin.New(context.Background(), e.iss.ClientID, e.iss.ClientSecret,
		append([]googlelogin.Option{googlelogin.WithBaseURL(e.iss.URL)}, o.google...)...)
	require.NoError(t, err)
	gh, err := githublogin.New(e.gh.ClientID, e.gh.ClientSecret, githublogin.WithOAuthURL(e.gh.URL), githublogin.WithBaseURL(e.gh.APIURL))
	require.NoError(t, err)
	opts := []login.Option{login.WithClock(e.clock)}
	if !o.noErrorHandler {
		opts = append(opts, login.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
			e.mu.Lock()
			e.errs = append(e.errs, err)
			e.mu.Unlock()
			http.Error(w, login.Reason(err), login.Status(err))
		}))
	}
	e.h, err = login.NewHandler(publicURL, testKey(), []login.Provider{g, gh}, e.onLogin, append(opts, o.handler...)...)
	require.NoError(t, err)
	return e
}

func testKey() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

func (e *env) onLogin(w http.ResponseWriter, r *http.Request, id *login.Identity) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.reject != nil {
		return e.reject
	}
	e.ids = append(e.ids, id)
	http.SetCookie(w, &http.Cookie{Name: "session", Value: id.ID()})
	return nil
}

func (e *env) lastErr() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.errs) == 0 {
		return nil
	}
	return e.errs[len(e.errs)-1]
}

func (e *env) serve(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	return rec
}

// started is a sign-in after its start route: its state cookie and the
// provider's authorization URL.
type started struct {
	cookie  *http.Cookie
	authURL string
}

func (e *env) start(provider, returnTo string) started {
	e.t.Helper()
	target := publicURL + "/login/" + provider
	if returnTo != "" {
		target += "?return_to=" + url.QueryEscape(returnTo)
	}
	rec := e.serve(httptest.NewRequest(http.MethodGet, target, nil))
	require.Equal(e.t, http.StatusFound, rec.Code, "start must redirect to the provider: %s", rec.Body)
	cookies := rec.Result().Cookies()
	require.Len(e.t, cookies, 1, "start must set one state cookie")
	return started{cookie: cookies[0], authURL: rec.Header().Get("Location")}
}

// callback sends the callback URL with the given cookies.
func (e *env) callback(u *url.URL, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, u.String(), nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return e.serve(r)
}

// signIn runs a whole sign-in and returns the callback's answer.
func (e *env) signIn(provider, returnTo string) (*httptest.ResponseRecorder, *url.URL, started) {
	s := e.start(provider, returnTo)
	back := logintest.Authorize(e.t, s.authURL)
	return e.callback(back, s.cookie), back, s
}

func requireRefused(t *testing.T, e *env, rec *httptest.ResponseRecorder, kind error, status int) {
	t.Helper()
	require.Equal(t, status, rec.Code, "status; body: %s", rec.Body)
	require.ErrorIs(t, e.lastErr(), kind)
	e.mu.Lock()
	defer e.mu.Unlock()
	require.Empty(t, e.ids, "the application must not see an identity from a refused sign-in")
}

func TestSignInGoogle(t *testing.T) {
	e := newEnv(t, envOpts{})
	rec, back, s := e.signIn("google", "/orders?page=2")
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	require.Equal(t, "/orders?page=2", rec.Header().Get("Location"))
	require.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	require.Len(t, e.ids, 1)
	id := e.ids[0]
	require.Equal(t, "google", id.Provider)
	require.Equal(t, logintest.DefaultUser().Subject, id.Subject)
	require.Equal(t, logintest.DefaultUser().Email, id.Email)
	require.True(t, id.EmailVerified)
	require.Equal(t, e.iss.URL, id.Issuer)
	require.Equal(t, publicURL+"/login/google/callback", strings.Split(back.String(), "?")[0])

	// The callback deletes the state cookie and sets the application's.
	var deleted, session bool
	for _, c := range rec.Result().Cookies() {
		if c.Name == s.cookie.Name {
			deleted = c.MaxAge < 0
		}
		session = session || c.Name == "session"
	}
	require.True(t, deleted, "the callback must delete its state cookie")
	require.True(t, session, "the LoginFunc's cookie must reach the browser")
}

func TestSignInGitHub(t *testing.T) {
	e := newEnv(t, envOpts{})
	rec, _, _ := e.signIn("github", "")
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	require.Equal(t, login.DefaultReturnTo, rec.Header().Get("Location"))
	require.Len(t, e.ids, 1)
	require.Equal(t, "github:"+logintest.DefaultUser().Subject, e.ids[0].ID())
	require.Equal(t, logintest.DefaultUser().Email, e.ids[0].Email, "the primary address, not the verified secondary one")
}

func TestStartSetsAHardenedCookie(t *testing.T) {
	iss := logintest.NewIssuer()
	t.Cleanup(iss.Close)
	g, err := googlelogin.New(context.Background(), iss.ClientID, iss.ClientSecret, googlelogin.WithBaseURL(iss.URL))
	require.NoError(t, err)
	for _, tc := range []struct {
		public     string
		secure     bool
		prefix     string
		cookiePath string
	}{
		{"https://shop.example", true, "__Host-sblogin-", "/"},
		{"https://shop.example/app", true, "__Host-sblogin-", "/"},
		{"http://localhost:8080", false, "sblogin-", "/login/"},
		{"http://[::1]:8080", false, "sblogin-", "/login/"},
	} {
		t.Run(tc.public, func(t *testing.T) {
			h, err := login.NewHandler(tc.public, testKey(), []login.Provider{g}, func(http.ResponseWriter, *http.Request, *login.Identity) error { return nil })
			require.NoError(t, err)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login/google", nil))
			require.Equal(t, http.StatusFound, rec.Code)
			c := rec.Result().Cookies()[0]
			require.True(t, strings.HasPrefix(c.Name, tc.prefix), "cookie name %q", c.Name)
			require.Equal(t, tc.secure, c.Secure)
			require.True(t, c.HttpOnly)
			require.Equal(t, http.SameSiteLaxMode, c.SameSite)
			require.Equal(t, tc.cookiePath, c.Path)
			require.Equal(t, int(login.DefaultMaxAge/time.Second), c.MaxAge)
			require.Empty(t, c.Domain)
			loc, err := url.Parse(rec.Header().Get("Location"))
			require.NoError(t, err)
			require.Equal(t, h.RedirectURL("google"), loc.Query().Get("redirect_uri"))
			require.Equal(t, strings.TrimSuffix(tc.public, "/")+"/login/google/callback", h.RedirectURL("google"))
			require.NotContains(t, c.Value, loc.Query().Get("state"), "the cookie is sealed: the state is not readable in it")
		})
	}
}

// TestCallbackRejects holds one negative test per check the callback
// makes.
func TestCallbackRejects(t *testing.T) {
	t.Run("MissingState", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		s := e.start("google", "")
		back := logintest.Authorize(t, s.authURL)
		q := back.Query()
		q.Del("state")
		back.RawQuery = q.Encode()
		requireRefused(t, e, e.callback(back, s.cookie), login.ErrInvalidState, http.StatusBadRequest)
	})
	t.Run("TamperedState", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		s := e.start("google", "")
		back := logintest.Authorize(t, s.authURL)
		q := back.Query()
		q.Set("state", q.Get("state")+"x")
		back.RawQuery = q.Encode()
		requireRefused(t, e, e.callback(back, s.cookie), login.ErrInvalidState, http.StatusBadRequest)
	})
	t.Run("TamperedCookie", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		s := e.start("google", "")
		back := logintest.Authorize(t, s.authURL)
		for _, i := range []int{0, len(s.cookie.Value) / 2, len(s.cookie.Value) - 1} {
			c := *s.cookie
			swap := byte('A')
			if c.Value[i] == 'A' {
				swap = 'B'
			}
			c.Value = c.Value[:i] + string(swap) + c.Value[i+1:]
			requireRefused(t, e, e.callback(back, &c), login.ErrInvalidState, http.StatusBadRequest)
		}
		truncated := *s.cookie
		truncated.Value = truncated.Value[:len(truncated.Value)-4]
		requireRefused(t, e, e.callback(back, &truncated), login.ErrInvalidState, http.StatusBadRequest)
	})
	t.Run("MissingCookie", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		s := e.start("google", "")
		back := logintest.Authorize(t, s.authURL)
		requireRefused(t, e, e.callback(back), login.ErrInvalidState, http.StatusBadRequest)
	})
	t.Run("CookieFromAnotherLogin", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		a := e.start("google", "")
		b := e.start("google", "")
		backB := logintest.Authorize(t, b.authURL)
		// A's sealed value under B's name: the name is sealed in, so it
		// does not open.
		moved := &http.Cookie{Name: b.cookie.Name, Value: a.cookie.Value}
		requireRefused(t, e, e.callback(backB, moved), login.ErrInvalidState, http.StatusBadRequest)
		// A's cookie sent along with B's callback: not B's, so not found.
		requireRefused(t, e, e.callback(backB, a.cookie), login.ErrInvalidState, http.StatusBadRequest)
	})
	t.Run("CookieForAnotherProvider", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		s := e.start("github", "")
		back := logintest.Authorize(t, s.authURL)
		back.Path = "/login/google/callback"
		requireRefused(t, e, e.callback(back, s.cookie), login.ErrInvalidState, http.StatusBadRequest)
	})
	t.Run("ExpiredCookie", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		s := e.start("google", "")
		back := logintest.Authorize(t, s.authURL)
		e.advance(login.DefaultMaxAge + time.Second)
		requireRefused(t, e, e.callback(back, s.cookie), login.ErrInvalidState, http.StatusBadRequest)
	})
	t.Run("ReplayedCode", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		rec, back, s := e.signIn("google", "")
		require.Equal(t, http.StatusSeeOther, rec.Code)
		e.ids = nil
		// The same callback with a copy of the cookie: the issuer refuses
		// the used code.
		requireRefused(t, e, e.callback(back, s.cookie), login.ErrProvider, http.StatusBadRequest)
		var le *login.Error
		require.ErrorAs(t, e.lastErr(), &le)
		require.Equal(t, "invalid_grant", le.Code)
	})
	t.Run("ReplayedCallbackWithStore", func(t *testing.T) {
		store, err := memstore.New()
		require.NoError(t, err)
		t.Cleanup(func() { store.Close() })
		e := newEnv(t, envOpts{handler: []login.Option{login.WithStore(store)}})
		rec, back, s := e.signIn("google", "")
		require.Equal(t, http.StatusSeeOther, rec.Code)
		e.ids = nil
		before := e.iss.Requests()
		requireRefused(t, e, e.callback(back, s.cookie), login.ErrReplayed, http.StatusBadRequest)
		require.Equal(t, before, e.iss.Requests(), "a replay must be refused before any request to the provider")
	})
	for _, tc := range []struct {
		name  string
		fault logintest.Fault
	}{
		{"WrongNonce", logintest.WrongNonce},
		{"WrongAudience", logintest.WrongAudience},
		{"ExpiredToken", logintest.Expired},
		{"WrongIssuer", logintest.WrongIssuer},
		{"BadSignature", logintest.BadSignature},
		{"WrongAuthorizedParty", logintest.WrongAuthorizedParty},
		{"WrongAccessTokenHash", logintest.WrongAccessTokenHash},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOpts{})
			e.iss.Tamper(tc.fault)
			rec, _, _ := e.signIn("google", "")
			requireRefused(t, e, rec, login.ErrInvalidToken, http.StatusBadRequest)
		})
	}
	t.Run("UnverifiedEmail", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		u := logintest.DefaultUser()
		u.EmailVerified = false
		e.iss.SignIn(u)
		rec, _, _ := e.signIn("google", "")
		requireRefused(t, e, rec, login.ErrEmailNotVerified, http.StatusForbidden)
		e.gh.SignIn(u)
		rec, _, _ = e.signIn("github", "")
		requireRefused(t, e, rec, login.ErrEmailNotVerified, http.StatusForbidden)
	})
	t.Run("HostedDomainMismatch", func(t *testing.T) {
		e := newEnv(t, envOpts{google: []googlelogin.Option{googlelogin.WithHostedDomain("example.com")}})
		u := logintest.DefaultUser()
		u.HostedDomain = "other.example"
		e.iss.SignIn(u)
		rec, _, _ := e.signIn("google", "")
		requireRefused(t, e, rec, login.ErrHostedDomain, http.StatusForbidden)
		u.HostedDomain = "" // a consumer account
		e.iss.SignIn(u)
		rec, _, _ = e.signIn("google", "")
		requireRefused(t, e, rec, login.ErrHostedDomain, http.StatusForbidden)
	})
	t.Run("DeniedConsent", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		e.iss.Deny()
		rec, back, _ := e.signIn("google", "")
		require.Equal(t, "access_denied", back.Query().Get("error"))
		requireRefused(t, e, rec, login.ErrAccessDenied, http.StatusBadRequest)
	})
	t.Run("ProviderError", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		s := e.start("google", "")
		back := logintest.Authorize(t, s.authURL)
		q := back.Query()
		q.Del("code")
		q.Set("error", "invalid_scope")
		back.RawQuery = q.Encode()
		requireRefused(t, e, e.callback(back, s.cookie), login.ErrProvider, http.StatusBadRequest)
	})
	t.Run("MixUpIssuer", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		s := e.start("google", "")
		back := logintest.Authorize(t, s.authURL)
		q := back.Query()
		q.Set("iss", "https://attacker.example")
		back.RawQuery = q.Encode()
		requireRefused(t, e, e.callback(back, s.cookie), login.ErrInvalidState, http.StatusBadRequest)
	})
	t.Run("ProviderUnavailable", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		e.iss.FailNext(http.StatusServiceUnavailable)
		rec, _, _ := e.signIn("google", "")
		requireRefused(t, e, rec, login.ErrTemporary, http.StatusBadGateway)
	})
	t.Run("ApplicationRejects", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		e.reject = errors.New("banned")
		rec, _, _ := e.signIn("google", "")
		requireRefused(t, e, rec, login.ErrRejected, http.StatusForbidden)
	})
}

// TestOpenRedirectRefused: the start route refuses every return-to that
// could leave the application's origin, before setting a cookie or
// sending the browser anywhere.
func TestOpenRedirectRefused(t *testing.T) {
	e := newEnv(t, envOpts{})
	for _, rt := range []string{
		"//evil.example", "https://evil.example", "/\\evil.example", "\\\\evil.example",
		"/%5Cevil.example", "/%2F%2Fevil.example", "%2F%2Fevil.example", "/%252F%252Fevil.example",
		"http://evil.example/", "HTTPS://EVIL.EXAMPLE", "https:evil.example", "https:/evil.example",
		"//evil.example/%2e%2e", "/\t/evil.example", "/\n/evil.example", " //evil.example",
		"javascript:alert(1)", "data:text/html,hi", "http://127.0.0.1:8080@evil.example/",
		"https://127.0.0.1:8080", "evil.example", "./x", "?x=1",
	} {
		t.Run(url.PathEscape(rt), func(t *testing.T) {
			rec := e.serve(httptest.NewRequest(http.MethodGet, publicURL+"/login/google?return_to="+url.QueryEscape(rt), nil))
			require.Equal(t, http.StatusBadRequest, rec.Code, "return_to %q must be refused", rt)
			require.ErrorIs(t, e.lastErr(), login.ErrReturnTo)
			require.Empty(t, rec.Result().Cookies(), "no state cookie for a refused start")
			require.Empty(t, rec.Header().Get("Location"))
		})
	}
}

func TestReturnToAllowed(t *testing.T) {
	e := newEnv(t, envOpts{handler: []login.Option{login.WithReturnOrigins("https://app.example")}})
	for rt, want := range map[string]string{
		"/":                            "/",
		"/orders?page=2#top":           "/orders?page=2#top",
		publicURL + "/orders":          publicURL + "/orders",
		"https://app.example/settings": "https://app.example/settings",
		"https://APP.example:443/x":    "https://APP.example:443/x",
	} {
		rec, _, _ := e.signIn("google", rt)
		require.Equal(t, http.StatusSeeOther, rec.Code, "return_to %q: %s", rt, rec.Body)
		require.Equal(t, want, rec.Header().Get("Location"))
	}
}

func TestUnverifiedEmailAllowedWhenAsked(t *testing.T) {
	e := newEnv(t, envOpts{handler: []login.Option{login.WithUnverifiedEmail()}})
	u := logintest.DefaultUser()
	u.EmailVerified = false
	e.iss.SignIn(u)
	rec, _, _ := e.signIn("google", "")
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.False(t, e.ids[0].EmailVerified)
}

func TestHostedDomainMatch(t *testing.T) {
	e := newEnv(t, envOpts{google: []googlelogin.Option{googlelogin.WithHostedDomain("example.com", "example.org")}})
	u := logintest.DefaultUser()
	u.HostedDomain = "Example.ORG"
	e.iss.SignIn(u)
	rec, _, _ := e.signIn("google", "")
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
}

// TestErrorPageHoldsNoInternals: the Handler's own page says what
// happened in words, with no error text, code or provider text.
func TestErrorPageHoldsNoInternals(t *testing.T) {
	e := newEnv(t, envOpts{noErrorHandler: true})
	rec, back, s := e.signIn("google", "")
	require.Equal(t, http.StatusSeeOther, rec.Code)
	rec = e.callback(back, s.cookie) // the issuer refuses the used code
	require.Equal(t, http.StatusBadRequest, rec.Code)
	body := rec.Body.String()
	require.Contains(t, rec.Header().Get("Content-Type"), "text/html")
	require.Contains(t, body, "Sign-in failed")
	require.Contains(t, body, `href="/login/google"`, "the page offers to start again")
	for _, leak := range []string{"invalid_grant", "oauth2", "token", back.Query().Get("code"), e.iss.ClientSecret, e.iss.URL} {
		require.NotContains(t, body, leak)
	}
	require.Equal(t, "no-store", rec.Header().Get("Cache-Control"))

	// Provider text in the callback never reaches the page.
	s = e.start("google", "")
	back = logintest.Authorize(t, s.authURL)
	q := back.Query()
	q.Set("error", "<script>alert(1)</script>")
	q.Set("error_description", "<b>owned</b>")
	back.RawQuery = q.Encode()
	rec = e.callback(back, s.cookie)
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.NotContains(t, rec.Body.String(), "script")
	require.NotContains(t, rec.Body.String(), "owned")
}

func TestErrorPath(t *testing.T) {
	iss := logintest.NewIssuer()
	t.Cleanup(iss.Close)
	g, err := googlelogin.New(context.Background(), iss.ClientID, iss.ClientSecret, googlelogin.WithBaseURL(iss.URL))
	require.NoError(t, err)
	h, err := login.NewHandler(publicURL, testKey(), []login.Provider{g},
		func(http.ResponseWriter, *http.Request, *login.Identity) error { return nil },
		login.WithErrorPath("/signin?failed=1"))
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login/google?return_to=//evil.example", nil))
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, "/signin?failed=1&error=return_to&provider=google", rec.Header().Get("Location"))
}

func TestRoutes(t *testing.T) {
	e := newEnv(t, envOpts{})
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/login/unknown", http.StatusNotFound},
		{http.MethodGet, "/login/google/other", http.StatusNotFound},
		{http.MethodGet, "/elsewhere", http.StatusNotFound},
		{http.MethodPost, "/login/google", http.StatusMethodNotAllowed},
		{http.MethodPost, "/login/google/callback", http.StatusMethodNotAllowed},
	} {
		rec := e.serve(httptest.NewRequest(tc.method, publicURL+tc.path, nil))
		require.Equal(t, tc.status, rec.Code, "%s %s", tc.method, tc.path)
	}
	require.Equal(t, []string{"google", "github"}, e.h.Providers())
	require.Equal(t, "/login/github", e.h.StartPath("github"))
}

// TestPendingCookiesBounded: a browser that starts sign-ins over and over
// keeps at most four state cookies.
func TestPendingCookiesBounded(t *testing.T) {
	e := newEnv(t, envOpts{})
	jar := map[string]*http.Cookie{}
	for range 10 {
		r := httptest.NewRequest(http.MethodGet, publicURL+"/login/google", nil)
		for _, c := range jar {
			r.AddCookie(c)
		}
		e.advance(time.Second)
		rec := e.serve(r)
		require.Equal(t, http.StatusFound, rec.Code)
		for _, c := range rec.Result().Cookies() {
			if c.MaxAge < 0 {
				delete(jar, c.Name)
			} else {
				jar[c.Name] = c
			}
		}
	}
	require.Len(t, jar, 4)
}

func TestNewHandlerConfigErrors(t *testing.T) {
	iss := logintest.NewIssuer()
	t.Cleanup(iss.Close)
	g, err := googlelogin.New(context.Background(), iss.ClientID, iss.ClientSecret, googlelogin.WithBaseURL(iss.URL))
	require.NoError(t, err)
	ok := func(http.ResponseWriter, *http.Request, *login.Identity) error { return nil }
	ps := []login.Provider{g}
	for name, build := range map[string]func() (*login.Handler, error){
		"short key":           func() (*login.Handler, error) { return login.NewHandler(publicURL, make([]byte, 16), ps, ok) },
		"constant key":        func() (*login.Handler, error) { return login.NewHandler(publicURL, make([]byte, 32), ps, ok) },
		"http public URL":     func() (*login.Handler, error) { return login.NewHandler("http://shop.example", testKey(), ps, ok) },
		"relative public URL": func() (*login.Handler, error) { return login.NewHandler("/shop", testKey(), ps, ok) },
		"public URL query": func() (*login.Handler, error) {
			return login.NewHandler("https://shop.example/?a=b", testKey(), ps, ok)
		},
		"no providers": func() (*login.Handler, error) { return login.NewHandler(publicURL, testKey(), nil, ok) },
		"nil provider": func() (*login.Handler, error) {
			return login.NewHandler(publicURL, testKey(), []login.Provider{nil}, ok)
		},
		"duplicate provider": func() (*login.Handler, error) {
			return login.NewHandler(publicURL, testKey(), []login.Provider{g, g}, ok)
		},
		"nil LoginFunc": func() (*login.Handler, error) { return login.NewHandler(publicURL, testKey(), ps, nil) },
		"max age too short": func() (*login.Handler, error) {
			return login.NewHandler(publicURL, testKey(), ps, ok, login.WithMaxAge(time.Second))
		},
		"max age too long": func() (*login.Handler, error) {
			return login.NewHandler(publicURL, testKey(), ps, ok, login.WithMaxAge(2*time.Hour))
		},
		"bad path": func() (*login.Handler, error) {
			return login.NewHandler(publicURL, testKey(), ps, ok, login.WithPath("login/"))
		},
		"bad return origin": func() (*login.Handler, error) {
			return login.NewHandler(publicURL, testKey(), ps, ok, login.WithReturnOrigins("https://a.example/path"))
		},
		"bad default return": func() (*login.Handler, error) {
			return login.NewHandler(publicURL, testKey(), ps, ok, login.WithDefaultReturnTo("//evil.example"))
		},
		"bad error path": func() (*login.Handler, error) {
			return login.NewHandler(publicURL, testKey(), ps, ok, login.WithErrorPath("https://evil.example"))
		},
		"error path + handler": func() (*login.Handler, error) {
			return login.NewHandler(publicURL, testKey(), ps, ok, login.WithErrorPath("/e"), login.WithErrorHandler(func(http.ResponseWriter, *http.Request, error) {}))
		},
		"nil store": func() (*login.Handler, error) {
			return login.NewHandler(publicURL, testKey(), ps, ok, login.WithStore(nil))
		},
		"nil logger": func() (*login.Handler, error) {
			return login.NewHandler(publicURL, testKey(), ps, ok, login.WithLogger(nil))
		},
		"nil option": func() (*login.Handler, error) { return login.NewHandler(publicURL, testKey(), ps, ok, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			h, err := build()
			require.ErrorIs(t, err, login.ErrInvalidConfig)
			require.Nil(t, h)
		})
	}
}

func TestCustomPath(t *testing.T) {
	iss := logintest.NewIssuer()
	t.Cleanup(iss.Close)
	g, err := googlelogin.New(context.Background(), iss.ClientID, iss.ClientSecret, googlelogin.WithBaseURL(iss.URL))
	require.NoError(t, err)
	var got *login.Identity
	h, err := login.NewHandler("http://127.0.0.1:9/app", testKey(), []login.Provider{g},
		func(w http.ResponseWriter, r *http.Request, id *login.Identity) error { got = id; return nil },
		login.WithPath("/auth"), login.WithDefaultReturnTo("/home"))
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:9/app/auth/google/callback", h.RedirectURL("google"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/auth/google", nil))
	require.Equal(t, http.StatusFound, rec.Code)
	back := logintest.Authorize(t, rec.Header().Get("Location"))
	r := httptest.NewRequest(http.MethodGet, "/auth/google/callback?"+back.RawQuery, nil)
	r.AddCookie(rec.Result().Cookies()[0])
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	require.Equal(t, "/home", rec.Header().Get("Location"))
	require.NotNil(t, got)
}
