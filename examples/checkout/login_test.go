package main

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/login/logintest"
)

// fakes are the stand-ins for Google, GitHub and an OpenID Connect issuer.
type fakes struct {
	google, oidc *logintest.Issuer
	github       *logintest.GitHub
}

func startFakes(t *testing.T) (*fakes, map[string]string) {
	f := &fakes{google: logintest.NewIssuer(), oidc: logintest.NewIssuer(), github: logintest.NewGitHub()}
	t.Cleanup(f.google.Close)
	t.Cleanup(f.oidc.Close)
	t.Cleanup(f.github.Close)
	return f, map[string]string{
		"GOOGLE_CLIENT_ID": f.google.ClientID, "GOOGLE_CLIENT_SECRET": f.google.ClientSecret, "GOOGLE_ISSUER_URL": f.google.URL,
		"GITHUB_CLIENT_ID": f.github.ClientID, "GITHUB_CLIENT_SECRET": f.github.ClientSecret,
		"GITHUB_API_URL": f.github.APIURL, "GITHUB_OAUTH_URL": f.github.URL,
		"OIDC_ISSUER": f.oidc.URL, "OIDC_CLIENT_ID": f.oidc.ClientID, "OIDC_CLIENT_SECRET": f.oidc.ClientSecret,
		"STORE_URL": "memory://",
	}
}

// buyer is a browser signed in to the app.
type buyer struct {
	*logintest.Browser
	app *testApp
}

func (b *buyer) call(t *testing.T, method, path, body string, header map[string]string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, b.app.url+path, strings.NewReader(body))
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.Client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, out
}

// TestSignInEndToEnd drives the app against the fakes: each provider signs
// a buyer in, /me answers who, a payment made in the session carries the
// buyer's id, and the buyer's orders are theirs alone, while the bearer
// token keeps working for the API.
func TestSignInEndToEnd(t *testing.T) {
	f, env := startFakes(t)
	ta := startApp(t, env, nil)

	for _, tc := range []struct {
		provider string
		signIn   func(u logintest.User)
		subject  string
	}{
		{"google", f.google.SignIn, "111"},
		{"github", f.github.SignIn, "222"},
		{"oidc", f.oidc.SignIn, "333"},
	} {
		t.Run(tc.provider, func(t *testing.T) {
			tc.signIn(logintest.User{Subject: tc.subject, Username: "u" + tc.subject, Name: "Buyer " + tc.subject,
				Email: "buyer" + tc.subject + "@example.com", EmailVerified: true})
			b := &buyer{Browser: logintest.NewBrowser(), app: ta}
			status, _ := b.call(t, "GET", "/me", "", nil)
			require.Equal(t, http.StatusUnauthorized, status, "no session yet")

			page := b.Get(t, ta.url+"/login/"+tc.provider+"?return_to=/me")
			require.Equal(t, http.StatusOK, page.Status, page.Body)
			require.Equal(t, "/me", page.URL.Path)
			var me sessionUser
			require.NoError(t, json.Unmarshal([]byte(page.Body), &me))
			require.Equal(t, tc.provider+":"+tc.subject, me.ID)
			require.Equal(t, "buyer"+tc.subject+"@example.com", me.Email)
			require.True(t, me.EmailVerified)
			callback := b.LastVisited("/callback")
			require.NotNil(t, callback)
			require.Equal(t, ta.url+"/login/"+tc.provider+"/callback", strings.Split(callback.String(), "?")[0],
				"the redirect URI is built from the listen address when PUBLIC_URL is unset")

			// A payment in the session: the buyer's id is in its metadata.
			status, body := b.call(t, "POST", "/payments/create-intent", `{"amount": 1500, "currency": "usd", "email": "a@b.co"}`,
				map[string]string{"Idempotency-Key": "order-" + tc.provider})
			require.Equal(t, http.StatusCreated, status, string(body))
			var intent createIntentResponse
			require.NoError(t, json.Unmarshal(body, &intent))
			pay, err := ta.sandbox.GetPayment(context.Background(), intent.PaymentID)
			require.NoError(t, err)
			require.Equal(t, me.ID, pay.Metadata["user"])

			status, body = b.call(t, "POST", "/sandbox/payments/"+intent.PaymentID+"/succeed", "", nil)
			require.Equal(t, http.StatusOK, status, string(body))
			status, body = b.call(t, "GET", "/orders", "", nil)
			require.Equal(t, http.StatusOK, status, string(body))
			var orders []Order
			require.NoError(t, json.Unmarshal(body, &orders))
			require.Len(t, orders, 1, "the buyer sees their own order only")
			require.Equal(t, intent.PaymentID, orders[0].PaymentID)
			require.Equal(t, me.ID, orders[0].User)
		})
	}

	// The bearer token still works, as "demo-user", who has no orders.
	require.Empty(t, ta.listOrders(t))
	out := ta.createIntent(t, "bearer-1")
	pay, err := ta.sandbox.GetPayment(context.Background(), out.PaymentID)
	require.NoError(t, err)
	require.Equal(t, "demo-user", pay.Metadata["user"])
}

func TestSignInRefusals(t *testing.T) {
	f, env := startFakes(t)
	ta := startApp(t, env, nil)

	t.Run("OpenRedirect", func(t *testing.T) {
		for _, rt := range []string{"//evil.example", "https://evil.example", "/\\evil.example"} {
			page := logintest.NewBrowser().Get(t, ta.url+"/login/google?return_to="+url.QueryEscape(rt))
			require.Equal(t, http.StatusBadRequest, page.Status, rt)
			require.Equal(t, ta.url+"/login/google", strings.Split(page.URL.String(), "?")[0], "the browser never left")
		}
	})
	t.Run("UnverifiedEmail", func(t *testing.T) {
		f.github.SignIn(logintest.User{Subject: "9", Username: "eve", Email: "ceo@shop.example", EmailVerified: false})
		b := &buyer{Browser: logintest.NewBrowser(), app: ta}
		page := b.Get(t, ta.url+"/login/github?return_to=/me")
		require.Equal(t, http.StatusForbidden, page.Status)
		status, _ := b.call(t, "GET", "/me", "", nil)
		require.Equal(t, http.StatusUnauthorized, status)
	})
	t.Run("DeniedConsent", func(t *testing.T) {
		f.oidc.Deny()
		page := logintest.NewBrowser().Get(t, ta.url+"/login/oidc")
		require.Equal(t, http.StatusBadRequest, page.Status)
		require.Contains(t, page.Body, "declined")
	})
	t.Run("ReplayedCallback", func(t *testing.T) {
		f.google.SignIn(logintest.DefaultUser())
		b := logintest.NewBrowser()
		// Stop before the callback to keep a copy of the state cookie.
		stop := &http.Client{Jar: b.Client.Jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if strings.HasSuffix(req.URL.Path, "/callback") {
				return http.ErrUseLastResponse
			}
			return nil
		}}
		resp, err := stop.Get(ta.url + "/login/google?return_to=/me")
		require.NoError(t, err)
		resp.Body.Close()
		callback, err := resp.Location()
		require.NoError(t, err)
		cookies := b.Client.Jar.Cookies(callback)
		require.Equal(t, http.StatusOK, b.Get(t, callback.String()).Status)

		attacker := logintest.NewBrowser()
		u, _ := url.Parse(ta.url)
		attacker.Client.Jar.SetCookies(u, cookies)
		before := f.google.Requests()
		page := attacker.Get(t, callback.String())
		require.Equal(t, http.StatusBadRequest, page.Status, "a replayed callback must fail")
		require.Equal(t, before, f.google.Requests(), "the shared store refuses it before any request to the provider")
	})
	t.Run("ForgedSession", func(t *testing.T) {
		f.google.SignIn(logintest.DefaultUser())
		b := logintest.NewBrowser()
		require.Equal(t, http.StatusOK, b.Get(t, ta.url+"/login/google?return_to=/me").Status)
		u, _ := url.Parse(ta.url)
		var session *http.Cookie
		for _, c := range b.Client.Jar.Cookies(u) {
			if c.Name == "checkout-session" {
				session = c
			}
		}
		require.NotNil(t, session)
		payload, sig, _ := strings.Cut(session.Value, ".")
		forged := `{"id":"google:someone-else","provider":"google","subject":"someone-else","exp":9999999999}`
		for _, v := range []string{
			b64(forged) + "." + sig, payload + "." + sig + "x", payload, "",
		} {
			req, _ := http.NewRequest("GET", ta.url+"/me", nil)
			req.AddCookie(&http.Cookie{Name: "checkout-session", Value: v})
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "a forged session must be refused")
		}
	})
	t.Run("CrossSitePost", func(t *testing.T) {
		f.google.SignIn(logintest.DefaultUser())
		b := &buyer{Browser: logintest.NewBrowser(), app: ta}
		require.Equal(t, http.StatusOK, b.Get(t, ta.url+"/login/google?return_to=/me").Status)
		status, _ := b.call(t, "POST", "/payments/create-intent", `{"amount": 100, "currency": "usd", "email": "a@b.co"}`,
			map[string]string{"Sec-Fetch-Site": "cross-site", "Idempotency-Key": "csrf-1"})
		require.Equal(t, http.StatusForbidden, status, "a session cookie must not work from another site")
		status, _ = b.call(t, "POST", "/logout", "", map[string]string{"Origin": "https://evil.example"})
		require.Equal(t, http.StatusForbidden, status)
		status, _ = b.call(t, "POST", "/logout", "", nil)
		require.Equal(t, http.StatusNoContent, status)
		status, _ = b.call(t, "GET", "/me", "", nil)
		require.Equal(t, http.StatusUnauthorized, status)
	})
	t.Run("LoginPage", func(t *testing.T) {
		page := logintest.NewBrowser().Get(t, ta.url+"/login?return_to=/orders")
		require.Equal(t, http.StatusOK, page.Status)
		for _, p := range []string{"google", "github", "oidc"} {
			require.Contains(t, page.Body, `href="/login/`+p+`?return_to=%2Forders"`)
		}
	})
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestLoginConfig(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"google id alone":     {"GOOGLE_CLIENT_ID": "id"},
		"github secret alone": {"GITHUB_CLIENT_SECRET": "s"},
		"oidc without issuer": {"OIDC_CLIENT_ID": "id", "OIDC_CLIENT_SECRET": "s"},
		"short session key":   {"GITHUB_CLIENT_ID": "id", "GITHUB_CLIENT_SECRET": "s", "SESSION_KEY": "c2hvcnQ="},
		"bad session key":     {"GITHUB_CLIENT_ID": "id", "GITHUB_CLIENT_SECRET": "s", "SESSION_KEY": "not base64!"},
		"http public URL":     {"GITHUB_CLIENT_ID": "id", "GITHUB_CLIENT_SECRET": "s", "PUBLIC_URL": "http://shop.example"},
	} {
		t.Run(name, func(t *testing.T) {
			env["DATA_DIR"] = t.TempDir()
			env["STORE_URL"] = "memory://"
			cfg, err := configFromEnv(func(k string) string { return env[k] })
			require.NoError(t, err)
			_, err = newApp(context.Background(), cfg, appDeps{baseURL: "http://127.0.0.1:1"})
			require.Error(t, err)
		})
	}
}

// TestOrdersGainUserColumn: a data directory from before orders had owners
// opens, and its old orders belong to no one.
func TestOrdersGainUserColumn(t *testing.T) {
	path := t.TempDir() + "/orders.db"
	db, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	_, err = db.Exec(`CREATE TABLE orders (
		id INTEGER PRIMARY KEY AUTOINCREMENT, provider TEXT NOT NULL, payment_id TEXT NOT NULL,
		amount INTEGER NOT NULL, currency TEXT NOT NULL, email TEXT NOT NULL, status TEXT NOT NULL,
		created_at TEXT NOT NULL, UNIQUE (provider, payment_id))`)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO orders (provider, payment_id, amount, currency, email, status, created_at)
		VALUES ('sandbox', 'pay_old', 100, 'usd', 'a@b.co', 'paid', '2026-01-01T00:00:00Z')`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	for range 2 { // twice: the column is added once
		o, err := openOrders(context.Background(), path)
		require.NoError(t, err)
		old, err := o.list(context.Background(), "")
		require.NoError(t, err)
		require.Len(t, old, 1)
		require.Empty(t, old[0].User)
		_, _, err = o.create(context.Background(), Order{Provider: "sandbox", PaymentID: "pay_new", Amount: 1, Currency: "usd", Status: "paid", User: "github:1"})
		require.NoError(t, err)
		mine, err := o.list(context.Background(), "github:1")
		require.NoError(t, err)
		require.Len(t, mine, 1)
		require.NoError(t, o.close())
	}
}
