package login

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
)

// Identity is the signed-in user as a provider vouches for them. Key your
// users by Provider and Subject (or ID, which joins them): an email address
// can change hands and is unique only while the provider says so.
type Identity struct {
	// Provider is the name of the provider that signed the user in
	// ("google", "github", or the name given to an OpenID Connect
	// provider).
	Provider string `json:"provider"`
	// Issuer identifies the authority behind Subject: the OpenID Connect
	// issuer URL, or GitHub's OAuth URL.
	Issuer string `json:"issuer,omitempty"`
	// Subject is the provider's stable identifier of the user: the ID
	// token's sub claim, GitHub's numeric user id.
	Subject string `json:"subject"`
	// Email is the user's address: the ID token's email claim, GitHub's
	// primary address. It may be empty.
	Email string `json:"email,omitempty"`
	// EmailVerified says the provider has verified that the user controls
	// Email. The Handler refuses identities without a verified email unless
	// it was built WithUnverifiedEmail.
	EmailVerified bool `json:"email_verified"`
	// Name is the display name, when the provider gives one.
	Name string `json:"name,omitempty"`
	// Username is the provider's handle for the user (GitHub's login, the
	// preferred_username claim), when it has one. It is not stable.
	Username string `json:"username,omitempty"`
	// Picture is the URL of the user's avatar, when the provider gives one.
	Picture string `json:"picture,omitempty"`
	// Raw holds what the provider said about the user, as JSON: the ID
	// token's verified claims, or GitHub's /user answer.
	Raw json.RawMessage `json:"raw,omitempty"`
}

// ID returns Provider + ":" + Subject, a key for the user that is stable
// and unique across the providers of one Handler.
func (id *Identity) ID() string { return id.Provider + ":" + id.Subject }

// AuthRequest is one sign-in as the Handler started it. The Handler makes
// State, Nonce and CodeVerifier fresh for every sign-in and keeps them in
// the sealed state cookie until the callback.
type AuthRequest struct {
	// RedirectURL is the callback URL the provider sends the browser back
	// to. It is sent in the authorization request and again in the token
	// request.
	RedirectURL string
	// State is the opaque value the provider echoes in the callback, which
	// ties the callback to the browser that started the sign-in.
	State string
	// Nonce is sent to OpenID Connect providers, which put it in the ID
	// token; Exchange checks it there. Providers without ID tokens ignore
	// it.
	Nonce string
	// CodeVerifier is the PKCE code verifier (RFC 7636). AuthCodeURL sends
	// its S256 challenge; Exchange sends the verifier with the code.
	CodeVerifier string
}

// Callback is what the provider sent to the redirect URL, after the
// Handler has checked its state.
type Callback struct {
	// Code is the authorization code.
	Code string
	// Issuer is the iss parameter of the authorization response (RFC 9207),
	// empty when the provider sent none.
	Issuer string
}

// Provider is one identity provider. Implementations are safe for
// concurrent use.
type Provider interface {
	// Name is the provider's name: its route under the Handler
	// (/login/NAME), Identity.Provider, and the provider named in errors
	// and log lines. It is lower case letters, digits and dashes.
	Name() string
	// AuthCodeURL returns the URL of the provider's authorization page for
	// the sign-in req: response_type=code, the client id, req.RedirectURL,
	// req.State, the S256 challenge of req.CodeVerifier and, for OpenID
	// Connect, req.Nonce.
	AuthCodeURL(req *AuthRequest) string
	// Exchange redeems cb.Code with req.CodeVerifier and req.RedirectURL
	// and returns who signed in. OpenID Connect providers verify the ID
	// token's signature, issuer, audience, expiry and nonce. Failures are
	// *Error values whose Kind is one of this package's sentinels.
	Exchange(ctx context.Context, req *AuthRequest, cb *Callback) (*Identity, error)
}

// Sentinel errors. Errors from providers and the Handler unwrap to one of
// these.
var (
	// ErrInvalidConfig is wrapped by every constructor error in this
	// package and its providers.
	ErrInvalidConfig = errors.New("login: invalid configuration")
	// ErrInvalidState means the callback does not belong to a sign-in this
	// browser started: the state is missing or does not match, the state
	// cookie is missing, expired, tampered with or from another sign-in,
	// or the authorization response came from another issuer.
	ErrInvalidState = errors.New("login: invalid or expired sign-in state")
	// ErrReplayed means the callback of this sign-in was already used.
	ErrReplayed = errors.New("login: sign-in already used")
	// ErrAccessDenied means the user declined (error=access_denied).
	ErrAccessDenied = errors.New("login: access denied by the user")
	// ErrProvider means the provider refused: an error in the callback
	// other than access_denied, or a token or API request refused (a
	// reused or expired code, a PKCE verifier or redirect URL that does
	// not match, bad client credentials).
	ErrProvider = errors.New("login: provider refused")
	// ErrInvalidToken means the ID token failed verification: signature,
	// issuer, audience, authorized party, expiry, nonce or access token
	// hash.
	ErrInvalidToken = errors.New("login: invalid ID token")
	// ErrEmailNotVerified means the identity has no verified email and the
	// Handler requires one.
	ErrEmailNotVerified = errors.New("login: email not verified")
	// ErrHostedDomain means the account is not in an allowed hosted
	// domain (a Google Workspace restriction).
	ErrHostedDomain = errors.New("login: account not in an allowed domain")
	// ErrReturnTo means the return-to URL is neither a local path nor on
	// an allowed origin.
	ErrReturnTo = errors.New("login: return-to URL not allowed")
	// ErrRejected means the application's LoginFunc refused the identity.
	ErrRejected = errors.New("login: sign-in rejected by the application")
	// ErrTemporary means the provider or the replay store could not be
	// reached or failed (a network error, 429, 5xx); starting the sign-in
	// again may succeed.
	ErrTemporary = errors.New("login: temporary failure")
)

// Error is a failed sign-in. Its text never holds a code, a token, a
// secret or text the provider or the browser sent.
type Error struct {
	// Kind is one of the package's sentinels.
	Kind error
	// Provider is the name of the provider involved, if any.
	Provider string
	// Code is the OAuth error code the provider gave ("access_denied",
	// "invalid_grant", "bad_verification_code"), when it gave one and the
	// code is a plain token; it is never shown to the user.
	Code string
	// Reason says what failed, for logs.
	Reason string
	// Err is the underlying error, if any. Its text is not part of
	// Error(), since it may quote what the provider sent.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("login: ")
	if e.Provider != "" {
		b.WriteString(e.Provider)
		b.WriteString(": ")
	}
	b.WriteString(strings.TrimPrefix(e.Kind.Error(), "login: "))
	if e.Code != "" {
		b.WriteString(" [")
		b.WriteString(e.Code)
		b.WriteString("]")
	}
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	return b.String()
}

// Unwrap returns the kind and the underlying error.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

// Temporary reports whether starting the sign-in again may succeed.
func (e *Error) Temporary() bool { return errors.Is(e.Kind, ErrTemporary) }

// kinds lists the sentinels in the order KindOf looks for them.
var kinds = []error{
	ErrInvalidConfig, ErrInvalidState, ErrReplayed, ErrAccessDenied, ErrProvider,
	ErrInvalidToken, ErrEmailNotVerified, ErrHostedDomain, ErrReturnTo, ErrRejected, ErrTemporary,
}

// KindOf returns the sentinel err wraps, or nil when it wraps none.
func KindOf(err error) error {
	var le *Error
	if errors.As(err, &le) && le.Kind != nil {
		return le.Kind
	}
	for _, k := range kinds {
		if errors.Is(err, k) {
			return k
		}
	}
	return nil
}

// SafeCode returns code when it is a plain OAuth error code (letters,
// digits, '_', '-', '.', at most 64 bytes) and "" otherwise, so that text
// a provider or a browser sent never reaches a log line unchecked.
func SafeCode(code string) string {
	if code == "" || len(code) > 64 {
		return ""
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return ""
		}
	}
	return code
}

// ValidName reports whether name can be a provider's name: 1 to 32 lower
// case letters, digits and dashes, starting with a letter.
func ValidName(name string) bool {
	if name == "" || len(name) > 32 || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
