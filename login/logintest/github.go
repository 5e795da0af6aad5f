package logintest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// GitHub is an in-process stand-in for GitHub's OAuth web flow and the
// REST endpoints a sign-in reads, on an httptest.Server, built from
// GitHub's documented requests and answers:
//
//   - GET /login/oauth/authorize signs in the current User at once and
//     redirects to redirect_uri with code and state (error=access_denied
//     after Deny); PKCE (S256) is required here, as GitHub allows;
//   - POST /login/oauth/access_token takes client_id, client_secret, code,
//     redirect_uri and code_verifier, and answers JSON when asked
//     (Accept: application/json) or a form otherwise; its errors come, as
//     GitHub's do, with status 200 and an error field
//     (incorrect_client_credentials, redirect_uri_mismatch,
//     bad_verification_code for a wrong, expired or reused code or a
//     verifier that does not match);
//   - GET /api/v3/user and GET /api/v3/user/emails answer for a bearer
//     token, 401 {"message": "Bad credentials"} otherwise.
//
// URL is the OAuth base (githublogin.WithOAuthURL) and APIURL the API base
// (githublogin.WithBaseURL). A GitHub is safe for concurrent use.
type GitHub struct {
	*core
	// URL is the base of /login/oauth/...
	URL string
	// APIURL is the REST API base (URL + "/api/v3").
	APIURL string
	// ClientID and ClientSecret are the registered app's credentials.
	ClientID, ClientSecret string

	srv *httptest.Server
	// noEmails makes /user/emails answer 403, as for a GitHub App without
	// the email permission. Guarded by core.mu.
	noEmails bool
}

// NewGitHub starts a GitHub. Close it when done, as with
// httptest.NewServer.
func NewGitHub(opts ...Option) *GitHub {
	cfg := newConfig(opts)
	g := &GitHub{core: newCore(cfg), ClientID: cfg.clientID, ClientSecret: cfg.secret}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login/oauth/authorize", func(w http.ResponseWriter, r *http.Request) {
		g.authorize(w, r, false, nil)
	})
	mux.HandleFunc("POST /login/oauth/access_token", g.token)
	mux.HandleFunc("GET /api/v3/user", g.user)
	mux.HandleFunc("GET /api/v3/user/emails", g.emails)
	g.srv = httptest.NewServer(g.count(mux))
	g.URL = g.srv.URL
	g.APIURL = g.srv.URL + "/api/v3"
	return g
}

// Close stops the server.
func (g *GitHub) Close() { g.srv.Close() }

// HideEmails makes /user/emails answer 403 from now on, as GitHub does for
// a GitHub App without the "Email addresses" permission.
func (g *GitHub) HideEmails() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.noEmails = true
}

func (g *GitHub) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "form does not parse", http.StatusBadRequest)
		return
	}
	answer := func(v url.Values) {
		if strings.Contains(r.Header.Get("Accept"), "application/json") {
			m := map[string]string{}
			for k := range v {
				m[k] = v.Get(k)
			}
			writeJSON(w, http.StatusOK, m)
			return
		}
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		_, _ = w.Write([]byte(v.Encode()))
	}
	if s := g.nextFailure(); s != 0 {
		http.Error(w, http.StatusText(s), s)
		return
	}
	if !g.clientOK(r) {
		answer(url.Values{"error": {"incorrect_client_credentials"}, "error_description": {"The client_id and/or client_secret passed are incorrect."}})
		return
	}
	if ru := r.PostForm.Get("redirect_uri"); len(g.cfg.redirects) > 0 && !slices.Contains(g.cfg.redirects, ru) {
		answer(url.Values{"error": {"redirect_uri_mismatch"}, "error_description": {"The redirect_uri MUST match the registered callback URL for this application."}})
		return
	}
	gr, code := g.redeem(r.PostForm.Get("code"), r.PostForm.Get("redirect_uri"), r.PostForm.Get("code_verifier"))
	if code != "" {
		answer(url.Values{"error": {"bad_verification_code"}, "error_description": {"The code passed is incorrect or expired."}})
		return
	}
	answer(url.Values{"access_token": {"gho_" + g.issueToken(gr.user)}, "token_type": {"bearer"}, "scope": {gr.scope}})
}

func (g *GitHub) authed(w http.ResponseWriter, r *http.Request) (User, bool) {
	auth := r.Header.Get("Authorization")
	if t, ok := strings.CutPrefix(auth, "Bearer gho_"); ok {
		r.Header.Set("Authorization", "Bearer "+t)
	} else if t, ok := strings.CutPrefix(auth, "token gho_"); ok {
		r.Header.Set("Authorization", "Bearer "+t)
	} else {
		r.Header.Del("Authorization")
	}
	u, ok := g.tokenUser(r)
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
	}
	return u, ok
}

func (g *GitHub) user(w http.ResponseWriter, r *http.Request) {
	u, ok := g.authed(w, r)
	if !ok {
		return
	}
	id, _ := strconv.ParseInt(u.Subject, 10, 64)
	var public any // the public address, which users may leave unset
	if u.Email != "" && u.EmailVerified {
		public = u.Email
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"login": u.Username, "id": id, "node_id": "U_" + u.Subject, "avatar_url": u.Picture,
		"html_url": "https://github.com/" + u.Username, "type": "User", "site_admin": false,
		"name": u.Name, "email": public,
	})
}

func (g *GitHub) emails(w http.ResponseWriter, r *http.Request) {
	u, ok := g.authed(w, r)
	if !ok {
		return
	}
	g.mu.Lock()
	hidden := g.noEmails
	g.mu.Unlock()
	if hidden {
		writeJSON(w, http.StatusForbidden, map[string]string{"message": "Resource not accessible by integration"})
		return
	}
	list := []map[string]any{}
	if u.Email != "" {
		list = append(list, map[string]any{"email": u.Email, "primary": true, "verified": u.EmailVerified, "visibility": "private"})
	}
	// A verified secondary address, which must not be taken for the
	// primary one.
	list = append(list, map[string]any{"email": u.Subject + "+" + u.Username + "@users.noreply.github.com", "primary": false, "verified": true, "visibility": nil})
	writeJSON(w, http.StatusOK, list)
}
