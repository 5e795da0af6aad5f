package logintest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/login"
)

// Harness connects the conformance suite to one Provider and the fake
// provider it talks to. Run calls its functions from one goroutine at a
// time, except that the Providers New returns are used concurrently in the
// "Concurrent" case.
type Harness struct {
	// New returns the Provider under test, configured against the fake.
	// Required. Run calls it once per case.
	New func(t *testing.T) login.Provider
	// SignIn makes u the user the fake signs in from now on. Required.
	SignIn func(t *testing.T, u User)

	// Calls returns how many requests the fake has answered so far.
	// Optional: nil skips the check that AuthCodeURL sends nothing.
	Calls func() int
	// InjectError makes the fake's next token request fail as kind
	// (login.ErrTemporary: a 503); false when it cannot. Optional.
	InjectError func(t *testing.T, kind error) bool
	// Deny makes the fake's next authorization refused by the user
	// (error=access_denied); false when it cannot. Optional.
	Deny func(t *testing.T) bool
	// Tamper puts f into the next ID token; false when the provider has no
	// ID tokens. Optional: nil skips the ID token cases.
	Tamper func(t *testing.T, f Fault) bool
	// Secrets are strings (client secrets) that must never appear in an
	// error's text.
	Secrets []string
}

// IssuerHarness returns a Harness for providers built on iss; newProvider
// builds one against iss.URL with iss's client.
func IssuerHarness(iss *Issuer, newProvider func(t *testing.T) login.Provider) Harness {
	return Harness{
		New:    newProvider,
		SignIn: func(t *testing.T, u User) { iss.SignIn(u) },
		Calls:  iss.Requests,
		InjectError: func(t *testing.T, kind error) bool {
			if !errors.Is(kind, login.ErrTemporary) {
				return false
			}
			iss.FailNext(http.StatusServiceUnavailable)
			return true
		},
		Deny:    func(t *testing.T) bool { iss.Deny(); return true },
		Tamper:  func(t *testing.T, f Fault) bool { iss.Tamper(f); return true },
		Secrets: []string{iss.ClientSecret},
	}
}

// GitHubHarness returns a Harness for providers built on gh.
func GitHubHarness(gh *GitHub, newProvider func(t *testing.T) login.Provider) Harness {
	return Harness{
		New:    newProvider,
		SignIn: func(t *testing.T, u User) { gh.SignIn(u) },
		Calls:  gh.Requests,
		InjectError: func(t *testing.T, kind error) bool {
			if !errors.Is(kind, login.ErrTemporary) {
				return false
			}
			gh.FailNext(http.StatusServiceUnavailable)
			return true
		},
		Deny:    func(t *testing.T) bool { gh.Deny(); return true },
		Secrets: []string{gh.ClientSecret},
	}
}

func newRequest(redirect string) *login.AuthRequest {
	tok := func() string {
		var b [32]byte
		rand.Read(b[:])
		return base64.RawURLEncoding.EncodeToString(b[:])
	}
	return &login.AuthRequest{RedirectURL: redirect, State: tok(), Nonce: tok(), CodeVerifier: tok()}
}

const testRedirect = "http://127.0.0.1:9/login/test/callback"

// authorize runs the authorization step for req and returns the callback.
func authorize(t *testing.T, p login.Provider, req *login.AuthRequest) *login.Callback {
	t.Helper()
	back := Authorize(t, p.AuthCodeURL(req))
	q := back.Query()
	require.Empty(t, q.Get("error"), "the fake refused the authorization request")
	require.Equal(t, req.State, q.Get("state"), "the callback must carry the state back")
	require.NotEmpty(t, q.Get("code"), "the callback must carry a code")
	return &login.Callback{Code: q.Get("code"), Issuer: q.Get("iss")}
}

func checkNoSecrets(t *testing.T, h Harness, err error, more ...string) {
	t.Helper()
	for _, s := range append(append([]string{}, h.Secrets...), more...) {
		if s != "" {
			require.NotContains(t, err.Error(), s, "an error's text must not hold a secret or a code")
		}
	}
}

// Run runs the conformance suite against h. Every Provider in this module
// passes it; a new one is done when it does too. The cases:
//
//   - Name: the name is valid as a route;
//   - AuthCodeURL: response_type=code, client_id, the exact redirect_uri,
//     state, the S256 challenge of the verifier (and the nonce, for
//     providers with ID tokens), with no request sent;
//   - SignIn: the code is redeemed for an Identity with the user's
//     subject, email, verification, name, username and raw profile;
//   - UnverifiedEmail: an unverified address is reported unverified;
//   - ReplayedCode, WrongVerifier, WrongRedirectURL, MissingVerifier: a
//     code used twice, with another PKCE verifier, another redirect URI
//     or an empty request fails (ErrProvider or ErrInvalidState), never as
//     temporary;
//   - Temporary: a 503 from the token endpoint is ErrTemporary;
//   - IDToken/FAULT: every Fault is ErrInvalidToken;
//   - Handler: the whole flow through login.Handler in a browser, a
//     replay of the callback with a copy of its cookie refused, a denied
//     consent answered with a 400 page;
//   - Concurrent: eight sign-ins at once;
//   - NoSecrets: no error's text holds a secret or the code.
func Run(t *testing.T, h Harness) {
	require.NotNil(t, h.New, "Harness.New is required")
	require.NotNil(t, h.SignIn, "Harness.SignIn is required")

	t.Run("Name", func(t *testing.T) {
		p := h.New(t)
		require.True(t, login.ValidName(p.Name()), "Name() %q must be lower case letters, digits and dashes", p.Name())
	})

	t.Run("AuthCodeURL", func(t *testing.T) {
		p := h.New(t)
		req := newRequest(testRedirect)
		before := -1
		if h.Calls != nil {
			before = h.Calls()
		}
		raw := p.AuthCodeURL(req)
		if h.Calls != nil {
			require.Equal(t, before, h.Calls(), "AuthCodeURL must not send requests")
		}
		u, err := url.Parse(raw)
		require.NoError(t, err)
		q := u.Query()
		require.Equal(t, "code", q.Get("response_type"))
		require.NotEmpty(t, q.Get("client_id"))
		require.Equal(t, req.RedirectURL, q.Get("redirect_uri"), "redirect_uri must always be sent, exactly")
		require.Equal(t, req.State, q.Get("state"))
		sum := sha256.Sum256([]byte(req.CodeVerifier))
		require.Equal(t, base64.RawURLEncoding.EncodeToString(sum[:]), q.Get("code_challenge"), "code_challenge must be the S256 challenge of the verifier")
		require.Equal(t, "S256", q.Get("code_challenge_method"))
		require.NotContains(t, raw, req.CodeVerifier, "the verifier itself must never be in the URL")
		if h.Tamper != nil {
			require.Equal(t, req.Nonce, q.Get("nonce"), "OpenID Connect providers must send the nonce")
		}
		for _, s := range h.Secrets {
			require.NotContains(t, raw, s, "the authorization URL must not hold the client secret")
		}
	})

	t.Run("SignIn", func(t *testing.T) {
		p := h.New(t)
		u := User{Subject: "424242", Username: "grace", Name: "Grace Hopper", Email: "grace@example.com", EmailVerified: true, Picture: "https://images.example.com/grace.png"}
		h.SignIn(t, u)
		req := newRequest(testRedirect)
		id, err := p.Exchange(context.Background(), req, authorize(t, p, req))
		require.NoError(t, err, "a genuine code must be redeemed")
		require.Equal(t, p.Name(), id.Provider)
		require.Equal(t, u.Subject, id.Subject)
		require.Equal(t, u.Email, id.Email)
		require.True(t, id.EmailVerified, "a verified address must be reported verified")
		require.Equal(t, u.Name, id.Name)
		require.Equal(t, u.Username, id.Username)
		require.Equal(t, u.Picture, id.Picture)
		require.NotEmpty(t, id.Issuer)
		require.NotEmpty(t, id.Raw, "Raw must hold the claims or profile")
		require.Equal(t, p.Name()+":"+u.Subject, id.ID())
	})

	t.Run("UnverifiedEmail", func(t *testing.T) {
		p := h.New(t)
		h.SignIn(t, User{Subject: "515151", Username: "eve", Name: "Eve", Email: "eve@example.com", EmailVerified: false})
		req := newRequest(testRedirect)
		id, err := p.Exchange(context.Background(), req, authorize(t, p, req))
		if err != nil {
			require.ErrorIs(t, err, login.ErrEmailNotVerified)
			return
		}
		require.False(t, id.EmailVerified, "an unverified address must never be reported verified")
	})

	refused := func(t *testing.T, err error, what string) {
		t.Helper()
		require.Error(t, err, "%s must fail", what)
		require.True(t, errors.Is(err, login.ErrProvider) || errors.Is(err, login.ErrInvalidState),
			"%s: want ErrProvider or ErrInvalidState, got %v", what, err)
		require.NotErrorIs(t, err, login.ErrTemporary, "%s is not temporary", what)
		var le *login.Error
		require.ErrorAs(t, err, &le, "errors are *login.Error")
		checkNoSecrets(t, h, err)
	}

	t.Run("ReplayedCode", func(t *testing.T) {
		p := h.New(t)
		h.SignIn(t, DefaultUser())
		req := newRequest(testRedirect)
		cb := authorize(t, p, req)
		_, err := p.Exchange(context.Background(), req, cb)
		require.NoError(t, err)
		_, err = p.Exchange(context.Background(), req, cb)
		refused(t, err, "a code used twice")
		checkNoSecrets(t, h, err, cb.Code)
	})

	t.Run("WrongVerifier", func(t *testing.T) {
		p := h.New(t)
		req := newRequest(testRedirect)
		cb := authorize(t, p, req)
		other := *req
		other.CodeVerifier = newRequest(testRedirect).CodeVerifier
		_, err := p.Exchange(context.Background(), &other, cb)
		refused(t, err, "a code with another PKCE verifier")
	})

	t.Run("WrongRedirectURL", func(t *testing.T) {
		p := h.New(t)
		req := newRequest(testRedirect)
		cb := authorize(t, p, req)
		other := *req
		other.RedirectURL = "http://127.0.0.1:9/login/test/callback/other"
		_, err := p.Exchange(context.Background(), &other, cb)
		refused(t, err, "a code with another redirect URI")
	})

	t.Run("MissingVerifier", func(t *testing.T) {
		p := h.New(t)
		req := newRequest(testRedirect)
		cb := authorize(t, p, req)
		for _, mutate := range []func(r *login.AuthRequest){
			func(r *login.AuthRequest) { r.CodeVerifier = "" },
			func(r *login.AuthRequest) { r.State = "" },
		} {
			other := *req
			mutate(&other)
			_, err := p.Exchange(context.Background(), &other, cb)
			refused(t, err, "a request without state or verifier")
		}
		_, err := p.Exchange(context.Background(), req, &login.Callback{})
		refused(t, err, "a callback without a code")
	})

	t.Run("Temporary", func(t *testing.T) {
		if h.InjectError == nil {
			t.Skip("Harness.InjectError is nil")
		}
		p := h.New(t)
		req := newRequest(testRedirect)
		cb := authorize(t, p, req)
		if !h.InjectError(t, login.ErrTemporary) {
			t.Skip("the fake cannot fail temporarily")
		}
		_, err := p.Exchange(context.Background(), req, cb)
		require.ErrorIs(t, err, login.ErrTemporary, "a 503 from the token endpoint is temporary")
		var le *login.Error
		require.ErrorAs(t, err, &le)
		require.True(t, le.Temporary())
		checkNoSecrets(t, h, err, cb.Code)
	})

	t.Run("IDToken", func(t *testing.T) {
		if h.Tamper == nil {
			t.Skip("Harness.Tamper is nil: the provider has no ID tokens")
		}
		for _, f := range Faults() {
			t.Run(f.String(), func(t *testing.T) {
				p := h.New(t)
				h.SignIn(t, DefaultUser())
				req := newRequest(testRedirect)
				cb := authorize(t, p, req)
				if !h.Tamper(t, f) {
					t.Skipf("the fake cannot produce %v", f)
				}
				id, err := p.Exchange(context.Background(), req, cb)
				require.ErrorIs(t, err, login.ErrInvalidToken, "an ID token with %v must be refused", f)
				require.Nil(t, id)
				checkNoSecrets(t, h, err, cb.Code)
			})
		}
	})

	t.Run("Handler", func(t *testing.T) { runHandler(t, h) })

	t.Run("Concurrent", func(t *testing.T) {
		p := h.New(t)
		h.SignIn(t, DefaultUser())
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req := newRequest(testRedirect)
				back, err := authorizeNoT(p.AuthCodeURL(req))
				if err != nil {
					errs <- err
					return
				}
				q := back.Query()
				id, err := p.Exchange(context.Background(), req, &login.Callback{Code: q.Get("code"), Issuer: q.Get("iss")})
				if err == nil && id.Subject != DefaultUser().Subject {
					err = fmt.Errorf("subject %q", id.Subject)
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err, "concurrent sign-ins must all succeed")
		}
	})
}

func authorizeNoT(authURL string) (*url.URL, error) {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	return resp.Location()
}

// runHandler drives the provider through a login.Handler in a browser.
func runHandler(t *testing.T, h Harness) {
	type result struct {
		id  *login.Identity
		err error
	}
	setup := func(t *testing.T) (*Browser, string, chan result) {
		p := h.New(t)
		results := make(chan result, 4)
		mux := http.NewServeMux()
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		key := make([]byte, 32)
		rand.Read(key)
		lh, err := login.NewHandler(srv.URL, key, []login.Provider{p},
			func(w http.ResponseWriter, r *http.Request, id *login.Identity) error {
				results <- result{id: id}
				return nil
			},
			login.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
				results <- result{err: err}
				http.Error(w, "sign-in failed", login.Status(err))
			}))
		require.NoError(t, err)
		mux.Handle("/login/", lh)
		mux.HandleFunc("GET /done", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("done")) })
		return NewBrowser(), srv.URL + lh.StartPath(p.Name()), results
	}

	t.Run("SignIn", func(t *testing.T) {
		b, start, results := setup(t)
		h.SignIn(t, DefaultUser())
		page := b.Get(t, start+"?return_to=/done")
		require.Equal(t, http.StatusOK, page.Status, "the browser must end on the return-to page: %s", page.Body)
		require.Equal(t, "/done", page.URL.Path)
		r := <-results
		require.NoError(t, r.err)
		require.Equal(t, DefaultUser().Subject, r.id.Subject)
		require.Equal(t, DefaultUser().Email, r.id.Email)
	})

	t.Run("ReplayedCallback", func(t *testing.T) {
		b, start, results := setup(t)
		h.SignIn(t, DefaultUser())
		// Keep a copy of the state cookie before the callback deletes it.
		cb := &http.Client{Jar: b.Client.Jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if strings.HasSuffix(req.URL.Path, "/callback") {
				return http.ErrUseLastResponse
			}
			return nil
		}}
		resp, err := cb.Get(start + "?return_to=/done")
		require.NoError(t, err)
		resp.Body.Close()
		callback, err := resp.Location()
		require.NoError(t, err)
		cookies := b.Client.Jar.Cookies(callback)
		require.NotEmpty(t, cookies, "the start route must set a state cookie")
		page := b.Get(t, callback.String())
		require.Equal(t, http.StatusOK, page.Status)
		require.NoError(t, (<-results).err)

		replay, err := http.NewRequest(http.MethodGet, callback.String(), nil)
		require.NoError(t, err)
		for _, c := range cookies {
			replay.AddCookie(c)
		}
		rr, err := http.DefaultClient.Do(replay)
		require.NoError(t, err)
		rr.Body.Close()
		require.Equal(t, http.StatusBadRequest, rr.StatusCode, "a replayed callback must fail")
		r := <-results
		require.Error(t, r.err)
		require.NotErrorIs(t, r.err, login.ErrTemporary)
	})

	t.Run("Denied", func(t *testing.T) {
		if h.Deny == nil {
			t.Skip("Harness.Deny is nil")
		}
		b, start, results := setup(t)
		if !h.Deny(t) {
			t.Skip("the fake cannot deny consent")
		}
		page := b.Get(t, start)
		require.Equal(t, http.StatusBadRequest, page.Status)
		require.ErrorIs(t, (<-results).err, login.ErrAccessDenied)
	})
}
