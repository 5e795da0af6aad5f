// Package logintest helps test code that signs users in with package
// login: in-process fakes of an OpenID Connect issuer (Google, or any
// other) and of GitHub, a small cookie-keeping Browser, and the
// conformance suite every login.Provider passes.
//
// The fakes are built from the providers' documented requests and
// answers and are strict where the real ones are: PKCE S256 is required,
// codes live ten minutes and work once, the redirect URI of the token
// request must repeat the authorization request's, and client credentials
// are checked. They sign in the current User at once, with no page:
//
//	iss := logintest.NewIssuer()
//	defer iss.Close()
//	google, _ := googlelogin.New(ctx, iss.ClientID, iss.ClientSecret, googlelogin.WithBaseURL(iss.URL))
//	// ... build the application with google, serve it on httptest ...
//	iss.SignIn(logintest.User{Subject: "42", Email: "ada@example.com", EmailVerified: true})
//	page := logintest.NewBrowser().Get(t, app.URL+"/login/google?return_to=/me")
//
// To prove the application refuses what it must, make the next step fail:
// Deny (the user declines consent), Tamper (an ID token with a wrong nonce,
// audience, issuer, signature or at_hash, or expired), FailNext (a 429 or
// 5xx from the token endpoint), a User with EmailVerified false or another
// HostedDomain, and GitHub.HideEmails.
//
// Run is the conformance suite; IssuerHarness and GitHubHarness connect it
// to providers built on the fakes.
package logintest
