// Package googlelogin signs users in with Google accounts: a thin preset
// of oidclogin for Google's OpenID Connect issuer,
// https://accounts.google.com, whose endpoints and keys it discovers at
// start-up.
//
// Create a "Web application" OAuth client in the Google Cloud console and
// add the login.Handler's RedirectURL("google")
// (https://YOUR.HOST/login/google/callback) as an authorized redirect URI.
// The provider requests openid, email and profile; every authorization
// request carries state, nonce and an S256 PKCE challenge, and every ID
// token is verified in full (signature with Google's rotating keys, issuer
// https://accounts.google.com or accounts.google.com, audience, azp,
// expiry, nonce, at_hash).
//
// Key users by Identity.ID ("google:" + the sub claim): Google's own
// advice, since an address can change. Identity.EmailVerified is the
// email_verified claim.
//
// WithHostedDomain restricts sign-in to Google Workspace domains by
// checking the hd claim (failing with login.ErrHostedDomain); the hd
// request parameter it also sends only tunes the account chooser and is
// never trusted on its own.
package googlelogin
