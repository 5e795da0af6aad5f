package googlelogin_test

import (
	"context"
	"fmt"
	"net/url"

	"github.com/switchboard-go/switchboard/login"
	"github.com/switchboard-go/switchboard/login/googlelogin"
	"github.com/switchboard-go/switchboard/login/logintest"
	"github.com/switchboard-go/switchboard/login/oidclogin"
)

func Example() {
	fake := logintest.NewIssuer() // in production: no WithBaseURL
	defer fake.Close()

	google, err := googlelogin.New(context.Background(), fake.ClientID, fake.ClientSecret,
		googlelogin.WithBaseURL(fake.URL),
		googlelogin.WithHostedDomain("example.com"),
		googlelogin.WithOIDCOptions(oidclogin.WithAuthParam("prompt", "select_account")))
	if err != nil {
		fmt.Println(err)
		return
	}
	u, _ := url.Parse(google.AuthCodeURL(&login.AuthRequest{
		RedirectURL: "https://shop.example/login/google/callback",
		State:       "s", Nonce: "n", CodeVerifier: "verifier-0123456789-0123456789-0123456789",
	}))
	fmt.Println(google.Name(), u.Query().Get("hd"), u.Query().Get("prompt"), u.Query().Get("scope"))
	// Output: google example.com select_account openid email profile
}
