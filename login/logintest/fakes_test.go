package logintest_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/login/logintest"
)

func challenge(v string) string {
	s := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(s[:])
}

const verifier = "verifier-0123456789-0123456789-0123456789"

func authURL(base, path, clientID, redirect string, extra url.Values) string {
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect},
		"scope": {"openid email"}, "state": {"st"}, "nonce": {"nn"},
		"code_challenge": {challenge(verifier)}, "code_challenge_method": {"S256"}}
	for k, v := range extra {
		q[k] = v
	}
	return base + path + "?" + q.Encode()
}

func noFollow() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func TestIssuerRefusesBadAuthorizations(t *testing.T) {
	iss := logintest.NewIssuer(logintest.WithRedirectURLs("http://127.0.0.1:9/cb"))
	t.Cleanup(iss.Close)
	// Refused with a page, never redirected: unknown client, unregistered
	// redirect URI.
	for _, u := range []string{
		authURL(iss.URL, "/authorize", "other", "http://127.0.0.1:9/cb", nil),
		authURL(iss.URL, "/authorize", iss.ClientID, "http://evil.example/cb", nil),
	} {
		resp, err := noFollow().Get(u)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	}
	// Refused back at the redirect URI: no PKCE, plain PKCE, no nonce.
	for _, extra := range []url.Values{
		{"code_challenge": {""}}, {"code_challenge_method": {"plain"}}, {"nonce": {""}}, {"response_type": {"token"}},
	} {
		back := logintest.Authorize(t, authURL(iss.URL, "/authorize", iss.ClientID, "http://127.0.0.1:9/cb", extra))
		require.NotEmpty(t, back.Query().Get("error"), "%v", extra)
		require.Empty(t, back.Query().Get("code"))
	}
}

func redeem(t *testing.T, iss *logintest.Issuer, code, redirect, ver string) (int, map[string]any) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {ver}}
	req, err := http.NewRequest(http.MethodPost, iss.URL+"/token", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(iss.ClientID, iss.ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, body
}

// TestIssuerCodeSingleUse: a code works once, even when the first use
// failed, and only with its verifier and redirect URI.
func TestIssuerCodeSingleUse(t *testing.T) {
	iss := logintest.NewIssuer()
	t.Cleanup(iss.Close)
	code := func() string {
		return logintest.Authorize(t, authURL(iss.URL, "/authorize", iss.ClientID, "http://127.0.0.1:9/cb", nil)).Query().Get("code")
	}
	c := code()
	status, body := redeem(t, iss, c, "http://127.0.0.1:9/cb", verifier)
	require.Equal(t, http.StatusOK, status)
	require.NotEmpty(t, body["id_token"])
	status, body = redeem(t, iss, c, "http://127.0.0.1:9/cb", verifier)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "invalid_grant", body["error"])

	c = code()
	status, _ = redeem(t, iss, c, "http://127.0.0.1:9/cb", "another-verifier-0123456789-0123456789")
	require.Equal(t, http.StatusBadRequest, status)
	status, _ = redeem(t, iss, c, "http://127.0.0.1:9/cb", verifier)
	require.Equal(t, http.StatusBadRequest, status, "a code is spent by a failed attempt too")

	c = code()
	status, _ = redeem(t, iss, c, "http://127.0.0.1:9/other", verifier)
	require.Equal(t, http.StatusBadRequest, status)
}

func TestGitHubAnswersFormOrJSON(t *testing.T) {
	gh := logintest.NewGitHub()
	t.Cleanup(gh.Close)
	for _, accept := range []string{"", "application/json"} {
		back := logintest.Authorize(t, authURL(gh.URL, "/login/oauth/authorize", gh.ClientID, "http://127.0.0.1:9/cb", nil))
		form := url.Values{"client_id": {gh.ClientID}, "client_secret": {gh.ClientSecret}, "code": {back.Query().Get("code")},
			"redirect_uri": {"http://127.0.0.1:9/cb"}, "code_verifier": {verifier}}
		req, err := http.NewRequest(http.MethodPost, gh.URL+"/login/oauth/access_token", strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		if accept == "" {
			require.Contains(t, resp.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
		} else {
			require.Contains(t, resp.Header.Get("Content-Type"), "application/json")
		}
		resp.Body.Close()
	}
	resp, err := http.Get(gh.APIURL + "/user")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}
