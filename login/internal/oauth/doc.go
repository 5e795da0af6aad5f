// Package oauth holds what the login providers share: the default HTTP
// client (a timeout on every request, redirects only within one origin),
// the client context of golang.org/x/oauth2 and go-oidc, checks of base
// URLs and credentials, and the mapping of OAuth and HTTP failures onto
// login's error kinds: 429, 5xx, server_error, temporarily_unavailable and
// network failures are login.ErrTemporary; other refusals are
// login.ErrProvider with the OAuth error code when it is a plain token.
package oauth
