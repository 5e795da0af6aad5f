package logintest_test

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/switchboard-go/switchboard/login"
	"github.com/switchboard-go/switchboard/login/githublogin"
	"github.com/switchboard-go/switchboard/login/logintest"
)

// An application's sign-in test against the fake GitHub: the user is
// signed in as the app's LoginFunc sees them, and a user without a
// verified address is turned away.
func Example() {
	gh := logintest.NewGitHub()
	defer gh.Close()
	provider, err := githublogin.New(gh.ClientID, gh.ClientSecret,
		githublogin.WithOAuthURL(gh.URL), githublogin.WithBaseURL(gh.APIURL))
	if err != nil {
		fmt.Println(err)
		return
	}

	mux := http.NewServeMux()
	app := httptest.NewServer(mux)
	defer app.Close()
	key := make([]byte, 32)
	rand.Read(key)
	h, err := login.NewHandler(app.URL, key, []login.Provider{provider},
		func(w http.ResponseWriter, r *http.Request, id *login.Identity) error {
			fmt.Println("signed in:", id.ID(), id.Username, id.Email)
			return nil
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux.Handle("/login/", h)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "home") })

	// In a test, logintest.NewBrowser().Get(t, url) does this and fails t
	// on a transport error.
	visit := func(u string) *http.Response {
		resp, err := logintest.NewBrowser().Client.Get(u)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		return resp
	}
	gh.SignIn(logintest.User{Subject: "583231", Username: "octocat", Email: "octocat@github.example", EmailVerified: true})
	resp := visit(app.URL + "/login/github")
	fmt.Println(resp.StatusCode, resp.Request.URL.Path)

	gh.SignIn(logintest.User{Subject: "1", Username: "mallory", Email: "ceo@shop.example", EmailVerified: false})
	fmt.Println(visit(app.URL + "/login/github").StatusCode)
	// Output:
	// signed in: github:583231 octocat octocat@github.example
	// 200 /
	// 403
}

// The fake issuer answers discovery like any OpenID Connect issuer.
func ExampleNewIssuer() {
	iss := logintest.NewIssuer()
	defer iss.Close()
	resp, err := http.Get(iss.URL + "/.well-known/openid-configuration")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))
	// Output: 200 application/json
}
