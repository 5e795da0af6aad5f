// Package githublogin signs users in with GitHub, through an OAuth app or
// a GitHub App's user authorization (the same web flow), and implements
// login.Provider on golang.org/x/oauth2.
//
// Register the login.Handler's RedirectURL("github")
// (https://YOUR.HOST/login/github/callback) as the app's callback URL.
// GitHub accepts any redirect URI whose host and port match and whose path
// is under the registered one, and falls back to the registered callback
// when none is sent, so the provider always sends redirect_uri, in the
// authorization request and again in the token request, and the Handler
// gives each provider a dedicated callback path.
//
// Every authorization request carries state and an S256 PKCE challenge
// (GitHub supports PKCE for OAuth and GitHub Apps); GitHub has no ID token
// and no nonce. Exchange redeems the code at /login/oauth/access_token
// (GitHub reports errors such as bad_verification_code with status 200,
// which become login.ErrProvider with that code), then reads:
//
//   - GET /user: Identity.Subject is the numeric id, stable across
//     renames (key users by Identity.ID, "github:" + id); Username is the
//     login, Name, Picture the avatar; Raw the whole answer;
//   - GET /user/emails (scope user:email, or a GitHub App's "Email
//     addresses" permission): Identity.Email is the primary address and
//     EmailVerified whether GitHub has verified it. A token that may not
//     read addresses gives an identity without email, which login.Handler
//     refuses unless WithUnverifiedEmail.
//
// API requests send Accept: application/vnd.github+json and
// X-GitHub-Api-Version: 2022-11-28. 429, 5xx and a 403 for an exhausted
// rate limit are login.ErrTemporary. WithBaseURL and WithOAuthURL point at
// GitHub Enterprise Server (https://HOST/api/v3 and https://HOST) or at a
// fake such as logintest.GitHub.
package githublogin
