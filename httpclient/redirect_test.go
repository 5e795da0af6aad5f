package httpclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// redirector answers every request with a redirect to target (relative or
// absolute) and the given status, counting the requests.
func redirector(t *testing.T, status int, target func(r *http.Request) string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, target(r), status)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// TestRedirectNeverCarriesCredentialsToAnotherOrigin is the regression test
// for redirects to another host: a 307 used to re-send the POST body with
// X-Postmark-Server-Token, X-Api-Key and Idempotency-Key to whatever host
// the Location named. Now, even with redirects allowed, a request that
// carries any credential or a body stops at the redirect, the other origin
// sees nothing, and the error names the refused target with its secrets
// redacted.
func TestRedirectNeverCarriesCredentialsToAnotherOrigin(t *testing.T) {
	other := newRecorder(t, statuses(200))
	const secret = "cred-must-stay-home"
	tests := []struct {
		name    string
		opts    []Option
		method  string
		body    any
		ropts   []RequestOption
		carries string // named in the error
	}{
		{"Postmark token and body", []Option{WithHeader("X-Postmark-Server-Token", secret)}, http.MethodPost, `{"To":"a@b.c"}`, nil, "X-Postmark-Server-Token"},
		{"API key header", []Option{WithHeader("X-Api-Key", secret)}, http.MethodGet, nil, nil, "X-Api-Key"},
		{"bearer token", []Option{WithBearerToken(secret)}, http.MethodGet, nil, nil, "Authorization"},
		{"basic auth", []Option{WithBasicAuth(secret, "")}, http.MethodGet, nil, nil, "Authorization"},
		{"custom header", []Option{WithHeader("X-Tenant", secret)}, http.MethodGet, nil, nil, "X-Tenant"},
		{"request header", nil, http.MethodGet, nil, []RequestOption{WithRequestHeader("X-Signature", secret)}, "X-Signature"},
		{"idempotency key", nil, http.MethodPost, nil, []RequestOption{WithIdempotencyKey(secret)}, "Idempotency-Key"},
		{"cookie", nil, http.MethodGet, nil, []RequestOption{WithRequestHeader("Cookie", "session="+secret)}, "Cookie"},
		{"body only", nil, http.MethodPut, map[string]string{"card": secret}, nil, "a body"},
		{"form body after 302", nil, http.MethodPost, url.Values{"password": {secret}}, nil, "a body"},
	}
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound, http.StatusSeeOther} {
		origin, hits := redirector(t, status, func(*http.Request) string {
			return other.srv.URL + "/collect?api_key=" + secret + "&next=1"
		})
		for _, tt := range tests {
			t.Run(http.StatusText(status)+"/"+tt.name, func(t *testing.T) {
				before := hits.Load()
				var s sleeps
				opts := append([]Option{WithBaseURL(origin.URL), WithMaxRedirects(10), withClock(nil, s.sleep, nil)}, tt.opts...)
				c := mustNew(t, opts...)
				_, err := c.Do(context.Background(), tt.method, "/v1/send", tt.body, tt.ropts...)
				require.ErrorIs(t, err, ErrRedirectRefused)
				var se *StatusError
				require.ErrorAs(t, err, &se)
				require.Equal(t, status, se.StatusCode)
				msg := err.Error()
				require.Contains(t, msg, other.srv.URL+"/collect?api_key=REDACTED&next=1", "the error names the refused target")
				require.Contains(t, msg, "another origin")
				require.Contains(t, msg, tt.carries)
				require.NotContains(t, msg, secret)
				require.Equal(t, before+1, hits.Load(), "one request to the origin, not retried")
			})
		}
	}
	require.Zero(t, other.count(), "nothing reached the other origin")
}

// TestRedirectNeverDowngradesHTTPSToHTTPWithCredentials is the regression
// test for an https-to-http redirect on the same host, which used to keep
// the Authorization header: the plain-http origin must see nothing.
func TestRedirectNeverDowngradesHTTPSToHTTPWithCredentials(t *testing.T) {
	plain := newRecorder(t, statuses(200))
	plainURL, err := url.Parse(plain.srv.URL)
	require.NoError(t, err)
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Same host name, plain http.
		http.Redirect(w, r, "http://127.0.0.1:"+plainURL.Port()+r.URL.Path, http.StatusFound)
	}))
	t.Cleanup(secure.Close)
	const token = "sk_live_downgrade_must_not_leak"

	c := mustNew(t, WithBaseURL(secure.URL), WithHTTPClient(secure.Client()), WithBearerToken(token), WithMaxRedirects(5))
	_, err = c.Get(context.Background(), "/v1/balance")
	require.ErrorIs(t, err, ErrRedirectRefused)
	require.Contains(t, err.Error(), "http://127.0.0.1:"+plainURL.Port()+"/v1/balance")
	require.Contains(t, err.Error(), "Authorization")
	require.NotContains(t, err.Error(), token)
	require.Zero(t, plain.count(), "the plain-http origin saw nothing")

	// Without credentials or a body the same downgrade is a plain redirect
	// of a public resource and is followed.
	c = mustNew(t, WithHTTPClient(secure.Client()))
	resp, err := c.Get(context.Background(), secure.URL+"/public")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, 1, plain.count())
	require.Empty(t, plain.requests()[0].Header.Get("Authorization"))
}

// TestRedirectsOffForAPIClients: a Client with a base URL follows no
// redirect unless WithMaxRedirects allows it, even within its origin; a
// Client without one follows up to DefaultMaxRedirects.
func TestRedirectsOffForAPIClients(t *testing.T) {
	srv := newRecorder(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusMovedPermanently)
			return
		}
		_, _ = w.Write([]byte("new"))
	})
	ctx := context.Background()

	_, err := mustNew(t, WithBaseURL(srv.srv.URL)).Get(ctx, "/old")
	require.ErrorIs(t, err, ErrRedirectRefused)
	require.Contains(t, err.Error(), "redirects are off")
	require.Contains(t, err.Error(), srv.srv.URL+"/new")
	require.Equal(t, 1, srv.count())

	resp, err := mustNew(t, WithBaseURL(srv.srv.URL), WithMaxRedirects(1)).Get(ctx, "/old")
	require.NoError(t, err)
	require.Equal(t, "new", string(resp.Body))

	resp, err = mustNew(t).Get(ctx, srv.srv.URL+"/old")
	require.NoError(t, err)
	require.Equal(t, "new", string(resp.Body))

	_, err = mustNew(t, WithMaxRedirects(0)).Get(ctx, srv.srv.URL+"/old")
	require.ErrorIs(t, err, ErrRedirectRefused)

	// WithAllowedStatus turns the redirect into an answer.
	resp, err = mustNew(t, WithBaseURL(srv.srv.URL)).Get(ctx, "/old", WithAllowedStatus(http.StatusMovedPermanently))
	require.NoError(t, err)
	require.Equal(t, http.StatusMovedPermanently, resp.StatusCode)
	require.Equal(t, "/new", resp.Header.Get("Location"))
}

// TestRedirectSameOriginKeepsRequest: within its origin a request with
// credentials and a body follows a 307 and arrives whole.
func TestRedirectSameOriginKeepsRequest(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/old" {
			http.Redirect(w, r, "/v1/new", http.StatusTemporaryRedirect)
		}
	})
	var s sleeps
	c := fastClient(rec, &s, WithMaxRedirects(2), WithBearerToken("tok"), WithHeader("X-Api-Key", "k"))
	_, err := c.Post(context.Background(), "/v1/old", `{"a":1}`, WithIdempotencyKey("idem-1"))
	require.NoError(t, err)
	reqs := rec.requests()
	require.Len(t, reqs, 2)
	require.Equal(t, "/v1/new", reqs[1].Path)
	require.Equal(t, http.MethodPost, reqs[1].Method)
	require.Equal(t, `{"a":1}`, string(reqs[1].Body))
	require.Equal(t, "Bearer tok", reqs[1].Header.Get("Authorization"))
	require.Equal(t, "k", reqs[1].Header.Get("X-Api-Key"))
	require.Equal(t, "idem-1", reqs[1].Header.Get("Idempotency-Key"))
}

// TestRedirectLimit: a chain longer than WithMaxRedirects stops at the
// first redirect beyond it.
func TestRedirectLimit(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		http.Redirect(w, r, "/hop"+string(rune('0'+n)), http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	_, err := mustNew(t, WithMaxRedirects(3)).Get(context.Background(), srv.URL+"/start")
	require.ErrorIs(t, err, ErrRedirectRefused)
	require.Contains(t, err.Error(), "more than 3 redirects")
	require.Contains(t, err.Error(), srv.URL+"/hop4")
	require.EqualValues(t, 4, hits.Load())
}

// TestRedirectSecretQueryCountsAsCredential: a GET whose URL carries a
// secret parameter is not sent on to another origin, whose Referer would
// receive it.
func TestRedirectSecretQueryCountsAsCredential(t *testing.T) {
	other := newRecorder(t, statuses(200))
	origin, _ := redirector(t, http.StatusFound, func(*http.Request) string { return other.srv.URL + "/x" })
	_, err := mustNew(t).Get(context.Background(), origin.URL+"/feed?access_token=qs-secret-1")
	require.ErrorIs(t, err, ErrRedirectRefused)
	require.Contains(t, err.Error(), "a secret query parameter")
	require.NotContains(t, err.Error(), "qs-secret-1")
	_, err = mustNew(t).Get(context.Background(), strings.Replace(origin.URL, "://", "://user-key-1@", 1)+"/feed")
	require.ErrorIs(t, err, ErrRedirectRefused)
	require.Contains(t, err.Error(), "user information in the URL")
	require.NotContains(t, err.Error(), "user-key-1")
	require.Zero(t, other.count())

	// A public GET is followed to another origin.
	resp, err := mustNew(t).Get(context.Background(), origin.URL+"/feed?page=2")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, 1, other.count())
}

// TestRedirectKeepsCallerCheckRedirect: a client given with WithHTTPClient
// keeps its own CheckRedirect, which runs after this package's rules, and
// is not modified.
func TestRedirectKeepsCallerCheckRedirect(t *testing.T) {
	srv, _ := redirector(t, http.StatusFound, func(*http.Request) string { return "/elsewhere" })
	var called atomic.Int32
	errStop := errors.New("caller policy stop")
	check := func(*http.Request, []*http.Request) error { called.Add(1); return errStop }
	hc := &http.Client{CheckRedirect: check}
	_, err := mustNew(t, WithHTTPClient(hc)).Get(context.Background(), srv.URL+"/a")
	require.ErrorIs(t, err, errStop)
	require.EqualValues(t, 1, called.Load())
	require.Nil(t, hc.Transport)
	require.NotNil(t, hc.CheckRedirect)

	// The caller's policy is not consulted for a redirect the rules refuse.
	_, err = mustNew(t, WithHTTPClient(hc), WithMaxRedirects(0)).Get(context.Background(), srv.URL+"/a")
	require.ErrorIs(t, err, ErrRedirectRefused)
	require.EqualValues(t, 1, called.Load())

	// A caller's policy that keeps the 3xx is reported as such.
	hc = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	_, err = mustNew(t, WithHTTPClient(hc)).Get(context.Background(), srv.URL+"/a")
	require.ErrorIs(t, err, ErrRedirectRefused)
	require.Contains(t, err.Error(), "CheckRedirect of the client given with WithHTTPClient")
}

// TestMalformedLocationNotEchoed: net/http's error for a Location that does
// not parse quotes it; the client's error does not.
func TestMalformedLocationNotEchoed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "https://evil.example/%zz?token=loc-secret-9")
		w.WriteHeader(http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	for _, c := range []*Client{mustNew(t, WithRetries(0)), mustNew(t, WithBaseURL(srv.URL))} {
		_, err := c.Get(context.Background(), srv.URL+"/x")
		require.Error(t, err)
		require.NotContains(t, err.Error(), "loc-secret-9")
		require.Contains(t, err.Error(), "malformed Location")
	}
}
