package oidclogin_test

import (
	"context"
	"fmt"
	"net/url"

	"github.com/switchboard-go/switchboard/login"
	"github.com/switchboard-go/switchboard/login/logintest"
	"github.com/switchboard-go/switchboard/login/oidclogin"
)

func Example() {
	issuer := logintest.NewIssuer() // stands in for https://login.example.com
	defer issuer.Close()

	okta, err := oidclogin.New(context.Background(), issuer.URL, issuer.ClientID, issuer.ClientSecret,
		oidclogin.WithName("okta"),
		oidclogin.WithScopes("email", "profile", "groups"),
		oidclogin.WithAuthParam("prompt", "select_account"))
	if err != nil {
		fmt.Println(err)
		return
	}
	u, _ := url.Parse(okta.AuthCodeURL(&login.AuthRequest{
		RedirectURL:  "https://shop.example/login/okta/callback",
		State:        "state-from-the-handler",
		Nonce:        "nonce-from-the-handler",
		CodeVerifier: "verifier-from-the-handler-0123456789-abcdefgh",
	}))
	q := u.Query()
	fmt.Println(okta.Name(), q.Get("scope"), q.Get("prompt"), q.Get("code_challenge_method"))
	// Output: okta openid email profile groups select_account S256
}
