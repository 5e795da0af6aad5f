package githublogin_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/login"
	"github.com/switchboard-go/switchboard/login/githublogin"
	"github.com/switchboard-go/switchboard/login/logintest"
)

func request() *login.AuthRequest {
	return &login.AuthRequest{
		RedirectURL: "http://127.0.0.1:9/login/github/callback", State: "state-0123456789",
		CodeVerifier: "verifier-0123456789-0123456789-0123456789",
	}
}

func newFake(t *testing.T, opts ...logintest.Option) (*logintest.GitHub, *githublogin.Provider) {
	gh := logintest.NewGitHub(opts...)
	t.Cleanup(gh.Close)
	p, err := githublogin.New(gh.ClientID, gh.ClientSecret, githublogin.WithOAuthURL(gh.URL), githublogin.WithBaseURL(gh.APIURL))
	require.NoError(t, err)
	return gh, p
}

func signIn(t *testing.T, p login.Provider) (*login.Identity, error) {
	req := request()
	back := logintest.Authorize(t, p.AuthCodeURL(req))
	return p.Exchange(context.Background(), req, &login.Callback{Code: back.Query().Get("code")})
}

func TestPrimaryVerifiedEmail(t *testing.T) {
	gh, p := newFake(t)
	id, err := signIn(t, p)
	require.NoError(t, err)
	require.Equal(t, logintest.DefaultUser().Email, id.Email, "the primary address, not the verified secondary one")
	require.True(t, id.EmailVerified)
	require.Equal(t, gh.URL, id.Issuer)

	u := logintest.DefaultUser()
	u.EmailVerified = false
	gh.SignIn(u)
	id, err = signIn(t, p)
	require.NoError(t, err)
	require.Equal(t, u.Email, id.Email)
	require.False(t, id.EmailVerified, "an unverified primary stays unverified even with a verified secondary")
}

// TestNoEmailPermission: a GitHub App without the email permission gets
// 403 from /user/emails; the identity then has no email.
func TestNoEmailPermission(t *testing.T) {
	gh, p := newFake(t)
	gh.HideEmails()
	id, err := signIn(t, p)
	require.NoError(t, err)
	require.Empty(t, id.Email)
	require.False(t, id.EmailVerified)
}

// TestRequests checks what reaches GitHub: redirect_uri and code_verifier
// in the token request, the API headers, and never the secret in a URL.
func TestRequests(t *testing.T) {
	gh, _ := newFake(t)
	var mu sync.Mutex
	var seen []*http.Request
	var forms []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		seen = append(seen, r.Clone(context.Background()))
		forms = append(forms, r.PostForm.Encode())
		mu.Unlock()
		r.Body = http.NoBody
		req, _ := http.NewRequest(r.Method, gh.URL+r.URL.RequestURI(), strings.NewReader(r.PostForm.Encode()))
		req.Header = r.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(proxy.Close)
	p, err := githublogin.New(gh.ClientID, gh.ClientSecret, githublogin.WithOAuthURL(proxy.URL), githublogin.WithBaseURL(proxy.URL+"/api/v3"))
	require.NoError(t, err)
	req := request()
	authURL := p.AuthCodeURL(req)
	require.NotContains(t, authURL, gh.ClientSecret)
	back := logintest.Authorize(t, strings.Replace(authURL, proxy.URL, gh.URL, 1))
	_, err = p.Exchange(context.Background(), req, &login.Callback{Code: back.Query().Get("code")})
	require.NoError(t, err)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 3)
	require.Equal(t, "/login/oauth/access_token", seen[0].URL.Path)
	require.Contains(t, forms[0], "redirect_uri="+strings.ReplaceAll(strings.ReplaceAll(req.RedirectURL, ":", "%3A"), "/", "%2F"))
	require.Contains(t, forms[0], "code_verifier="+req.CodeVerifier)
	require.Equal(t, http.MethodPost, seen[0].Method)
	for _, r := range seen[1:] {
		require.Equal(t, "application/vnd.github+json", r.Header.Get("Accept"))
		require.Equal(t, "2022-11-28", r.Header.Get("X-GitHub-Api-Version"))
		require.True(t, strings.HasPrefix(r.Header.Get("Authorization"), "Bearer "))
		require.NotContains(t, r.URL.String(), gh.ClientSecret)
	}
	require.Equal(t, "/api/v3/user", seen[1].URL.Path)
	require.Equal(t, "/api/v3/user/emails", seen[2].URL.Path)
}

func TestAPIFailures(t *testing.T) {
	for status, kind := range map[int]error{
		http.StatusInternalServerError: login.ErrTemporary,
		http.StatusTooManyRequests:     login.ErrTemporary,
		http.StatusUnauthorized:        login.ErrProvider,
	} {
		gh, _ := newFake(t)
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"message":"nope"}`, status)
		}))
		t.Cleanup(api.Close)
		p, err := githublogin.New(gh.ClientID, gh.ClientSecret, githublogin.WithOAuthURL(gh.URL), githublogin.WithBaseURL(api.URL))
		require.NoError(t, err)
		_, err = signIn(t, p)
		require.ErrorIs(t, err, kind, "GET /user answering %d", status)
	}
}

func TestBadClientSecret(t *testing.T) {
	gh, _ := newFake(t)
	p, err := githublogin.New(gh.ClientID, "wrong-secret", githublogin.WithOAuthURL(gh.URL), githublogin.WithBaseURL(gh.APIURL))
	require.NoError(t, err)
	_, err = signIn(t, p)
	require.ErrorIs(t, err, login.ErrProvider)
	var le *login.Error
	require.ErrorAs(t, err, &le)
	require.Equal(t, "incorrect_client_credentials", le.Code)
	require.NotContains(t, err.Error(), "wrong-secret")
}

func TestRegisteredRedirect(t *testing.T) {
	_, p := newFake(t, logintest.WithRedirectURLs("http://127.0.0.1:9/login/github/callback"))
	_, err := signIn(t, p)
	require.NoError(t, err)
}

func TestConfigErrors(t *testing.T) {
	for name, build := range map[string]func() (*githublogin.Provider, error){
		"empty id":      func() (*githublogin.Provider, error) { return githublogin.New("", "s") },
		"empty secret":  func() (*githublogin.Provider, error) { return githublogin.New("id", "  ") },
		"padded secret": func() (*githublogin.Provider, error) { return githublogin.New("id", "s\n") },
		"http API": func() (*githublogin.Provider, error) {
			return githublogin.New("id", "s", githublogin.WithBaseURL("http://api.example"))
		},
		"OAuth URL query": func() (*githublogin.Provider, error) {
			return githublogin.New("id", "s", githublogin.WithOAuthURL("https://ghe.example/?x=1"))
		},
		"bad name": func() (*githublogin.Provider, error) { return githublogin.New("id", "s", githublogin.WithName("GHE")) },
		"bad scope": func() (*githublogin.Provider, error) {
			return githublogin.New("id", "s", githublogin.WithScopes("read:user user:email"))
		},
		"nil client": func() (*githublogin.Provider, error) {
			return githublogin.New("id", "s", githublogin.WithHTTPClient(nil))
		},
		"nil logger": func() (*githublogin.Provider, error) { return githublogin.New("id", "s", githublogin.WithLogger(nil)) },
		"nil option": func() (*githublogin.Provider, error) { return githublogin.New("id", "s", nil) },
	} {
		t.Run(name, func(t *testing.T) {
			p, err := build()
			require.ErrorIs(t, err, login.ErrInvalidConfig)
			require.Nil(t, p)
		})
	}
	p, err := githublogin.New("id", "secret-value", githublogin.WithName("ghe"), githublogin.WithScopes("read:user"))
	require.NoError(t, err)
	require.Equal(t, "ghe", p.Name())
	require.NotContains(t, p.String(), "secret-value")
	require.NotContains(t, p.GoString(), "secret-value")
}
