// Package login signs users in with Google, GitHub or any OpenID Connect
// issuer, through one http.Handler that gets the security details right:
// state, nonce and PKCE on every sign-in, ID tokens verified in full,
// single-use callbacks and no open redirects.
//
// A Provider builds the authorization URL and redeems the code for an
// Identity:
//
//	type Provider interface {
//		Name() string
//		AuthCodeURL(req *AuthRequest) string
//		Exchange(ctx context.Context, req *AuthRequest, cb *Callback) (*Identity, error)
//	}
//
// Providers live in their own packages: googlelogin (OpenID Connect
// discovery at accounts.google.com, with an optional Workspace domain
// restriction), githublogin (OAuth apps and GitHub Apps: the user from the
// API, the primary verified email from /user/emails) and oidclogin (any
// issuer: Microsoft Entra ID, Okta, Auth0, Keycloak, ...).
//
// # Handler
//
// NewHandler mounts a start route and a callback per provider:
//
//	GET /login/NAME[?return_to=/path]  sets a state cookie, redirects to the provider
//	GET /login/NAME/callback           checks state, redeems the code, calls LoginFunc
//
// The start route makes a fresh state, nonce and PKCE code verifier (32
// random bytes each) and seals them, with the provider's name, the
// return-to URL and an expiry, in a cookie of its own, encrypted and
// authenticated with AES-256-GCM under a key derived from the application's
// key, with the cookie's name as additional data. The cookie is HttpOnly,
// SameSite=Lax (the callback is a cross-site top-level GET), Secure with the
// __Host- prefix unless the public URL is plain http on a loopback host,
// and lives ten minutes (WithMaxAge). Its name carries a hash of the state,
// so sign-ins started in several tabs do not overwrite one another; a
// browser keeps at most four in progress.
//
// The callback finds the cookie named after the state parameter, deletes
// it, opens it, checks that it belongs to this provider, has not expired and
// holds the same state (compared in constant time), then turns
// error=access_denied into ErrAccessDenied, redeems the code with the PKCE
// verifier and the same redirect URI, and hands the Identity to the
// application's LoginFunc, which sets its own session. The Handler then
// redirects (303) to the return-to URL.
//
// OpenID Connect providers verify the ID token's signature against the
// issuer's published keys, its issuer, audience, expiry and not-before,
// then what go-oidc leaves to its caller: the nonce (against the one in the
// cookie), the authorized party when there are several audiences, and the
// access token hash when present. An authorization response carrying an
// iss parameter (RFC 9207) must name the issuer.
//
// By default the Handler admits only identities with an email the provider
// has verified (ErrEmailNotVerified otherwise); WithUnverifiedEmail turns
// that off for applications that key users by Identity.ID alone.
//
// # Single use
//
// A callback works once. Without server state this rests on three things:
// the first callback deletes the browser's state cookie, so the browser
// cannot send it again; the provider refuses an authorization code used
// twice (OAuth 2.0 requires it of every authorization server), so a
// replayed callback URL fails at the token endpoint even with a copy of
// the cookie; and the code is bound to the PKCE verifier sealed in the
// cookie, so a code is worth nothing without the cookie of its own
// sign-in. What remains is a replay of both the callback URL and a copy of
// its cookie, within the cookie's lifetime, against a provider that does
// not enforce single-use codes. WithStore closes that too: the Handler
// records each state in an idempotency.Store shared by the replicas and
// refuses a second callback with ErrReplayed before any network call.
//
// # Return-to URLs
//
// The return_to parameter of the start route is followed after sign-in
// only when it is a local path (one leading '/', not "//" or "/\") or an
// absolute http(s) URL on the public URL's origin or an origin given to
// WithReturnOrigins. A backslash, a space or a control character, in the
// value or in any percent-decoding of it, refuses it, so "//evil.example",
// "https://evil.example", "/\evil.example", "/%5Cevil.example" and
// "/%2F%2Fevil.example" all fail with ErrReturnTo.
//
// # Failures
//
// Every failure is an *Error whose Kind is a sentinel (ErrInvalidState,
// ErrReplayed, ErrAccessDenied, ErrProvider, ErrInvalidToken,
// ErrEmailNotVerified, ErrHostedDomain, ErrReturnTo, ErrRejected,
// ErrTemporary). The Handler answers it with a short HTML page (400; 403
// when the identity is not admitted; 502 when the provider could not be
// reached) that says what happened in plain words and nothing more, or a
// 303 to WithErrorPath with error=REASON, or hands it to WithErrorHandler.
// Never a 500, never internals, never text the provider or the browser
// sent.
//
// # Sessions
//
// The package keeps no sessions: what the application does with the
// Identity is its own business, as net/http leaves sessions to the
// application. The package example shows a minimal signed-cookie session.
//
// # Testing
//
// Package logintest runs a fake OpenID Connect issuer and a fake GitHub
// in-process (httptest), for the application's own tests, and holds the
// conformance suite every Provider passes. Package loginmock has a
// generated mock of Provider.
package login

//go:generate go run go.uber.org/mock/mockgen@v0.6.0 -write_package_comment=false -destination=loginmock/provider.go -package=loginmock github.com/switchboard-go/switchboard/login Provider
