package githublogin_test

import (
	"fmt"
	"net/url"

	"github.com/switchboard-go/switchboard/login"
	"github.com/switchboard-go/switchboard/login/githublogin"
)

func Example() {
	gh, err := githublogin.New("Iv1.0123456789abcdef", "client-secret-from-the-app-settings")
	if err != nil {
		fmt.Println(err)
		return
	}
	u, _ := url.Parse(gh.AuthCodeURL(&login.AuthRequest{
		RedirectURL: "https://shop.example/login/github/callback",
		State:       "state-from-the-handler", CodeVerifier: "verifier-0123456789-0123456789-0123456789",
	}))
	q := u.Query()
	fmt.Println(u.Host+u.Path, q.Get("redirect_uri"), q.Get("scope"), q.Get("code_challenge_method"))
	// Output: github.com/login/oauth/authorize https://shop.example/login/github/callback read:user user:email S256
}
