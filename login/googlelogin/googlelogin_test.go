package googlelogin_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/login"
	"github.com/switchboard-go/switchboard/login/googlelogin"
	"github.com/switchboard-go/switchboard/login/logintest"
)

func request() *login.AuthRequest {
	return &login.AuthRequest{
		RedirectURL: "http://127.0.0.1:9/login/google/callback", State: "state-0123456789",
		Nonce: "nonce-0123456789", CodeVerifier: "verifier-0123456789-0123456789-0123456789",
	}
}

func signIn(t *testing.T, p login.Provider) (*login.Identity, error) {
	req := request()
	back := logintest.Authorize(t, p.AuthCodeURL(req))
	return p.Exchange(context.Background(), req, &login.Callback{Code: back.Query().Get("code"), Issuer: back.Query().Get("iss")})
}

func TestHostedDomain(t *testing.T) {
	iss := logintest.NewIssuer()
	t.Cleanup(iss.Close)
	p, err := googlelogin.New(context.Background(), iss.ClientID, iss.ClientSecret,
		googlelogin.WithBaseURL(iss.URL), googlelogin.WithHostedDomain("Example.com"))
	require.NoError(t, err)
	u, err := url.Parse(p.AuthCodeURL(request()))
	require.NoError(t, err)
	require.Equal(t, "example.com", u.Query().Get("hd"), "one domain: the hd hint is sent")

	for hd, ok := range map[string]bool{"example.com": true, "EXAMPLE.COM": true, "": false, "other.example": false, "example.com.evil.example": false} {
		user := logintest.DefaultUser()
		user.HostedDomain = hd
		iss.SignIn(user)
		id, err := signIn(t, p)
		if ok {
			require.NoError(t, err, "hd %q", hd)
			require.Equal(t, "google", id.Provider)
		} else {
			require.ErrorIs(t, err, login.ErrHostedDomain, "hd %q", hd)
		}
	}

	p, err = googlelogin.New(context.Background(), iss.ClientID, iss.ClientSecret,
		googlelogin.WithBaseURL(iss.URL), googlelogin.WithHostedDomain("a.example", "b.example"))
	require.NoError(t, err)
	u, err = url.Parse(p.AuthCodeURL(request()))
	require.NoError(t, err)
	require.Empty(t, u.Query().Get("hd"), "several domains: no single hint")
}

func TestConfigErrors(t *testing.T) {
	iss := logintest.NewIssuer()
	t.Cleanup(iss.Close)
	for name, opts := range map[string][]googlelogin.Option{
		"no domain":     {googlelogin.WithHostedDomain()},
		"bad domain":    {googlelogin.WithHostedDomain("user@example.com")},
		"wildcard":      {googlelogin.WithHostedDomain("*")},
		"http issuer":   {googlelogin.WithBaseURL("http://accounts.example")},
		"nil option":    {nil},
		"nil client":    {googlelogin.WithHTTPClient(nil)},
		"nil logger":    {googlelogin.WithLogger(nil)},
		"nil clock":     {googlelogin.WithClock(nil)},
		"renamed badly": {googlelogin.WithOIDCOptions(nil)},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := googlelogin.New(context.Background(), iss.ClientID, iss.ClientSecret,
				append([]googlelogin.Option{googlelogin.WithBaseURL(iss.URL)}, opts...)...)
			require.ErrorIs(t, err, login.ErrInvalidConfig)
		})
	}
	_, err := googlelogin.New(context.Background(), "", iss.ClientSecret, googlelogin.WithBaseURL(iss.URL))
	require.ErrorIs(t, err, login.ErrInvalidConfig)
}
