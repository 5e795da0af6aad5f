// Package oidclogin signs users in with any OpenID Connect issuer
// (Microsoft Entra ID, Okta, Auth0, Keycloak, Google, ...) and implements
// login.Provider, on golang.org/x/oauth2 and github.com/coreos/go-oidc/v3.
//
// New reads the issuer's discovery document
// (ISSUER/.well-known/openid-configuration), whose issuer must equal the
// issuer URL given exactly, and refuses an issuer that offers no
// authorization code flow, no S256 PKCE, or neither client_secret_basic nor
// client_secret_post at its token endpoint. Endpoints must be https (plain
// http only on loopback, for tests).
//
// Every authorization request carries response_type=code, the redirect
// URI, scope (openid, email and profile unless WithScopes), state, nonce
// and the S256 code_challenge. Exchange redeems the code with the verifier
// and verifies the ID token completely:
//
//   - signature against the issuer's JWKS (refetched when a new key id
//     appears), issuer, audience (the client id), expiry and not-before,
//     by go-oidc;
//   - then what go-oidc leaves to its caller: the nonce equals the one
//     sent, azp equals the client id when present and is present when the
//     token has several audiences, at_hash matches the access token when
//     present, and sub is not empty;
//   - the authorization response's iss parameter (RFC 9207), when sent,
//     names the issuer, and is sent when the issuer says it sends it.
//
// The Identity carries sub, email, email_verified (a JSON boolean, or the
// string "true" some issuers send), name, preferred_username and picture;
// Raw holds every claim. When the ID token has no email and the issuer has
// a userinfo endpoint, the userinfo answer for the same subject fills in
// what is missing. WithClaimCheck adds the application's own checks, such
// as a tenant: Microsoft Entra ID's multi-tenant endpoints need one on the
// tid claim.
//
// Failures are *login.Error: login.ErrInvalidToken for a token that fails
// a check, login.ErrProvider for a refused code (invalid_grant for a reused
// or expired code or a PKCE mismatch), login.ErrTemporary for 429, 5xx and
// network failures.
package oidclogin
