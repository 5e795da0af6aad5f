package logintest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Fault is a defect the fake issuer puts in the next ID token it issues,
// to prove that a client refuses it.
type Fault int

// Faults.
const (
	// WrongNonce sets nonce to a value the client did not send.
	WrongNonce Fault = iota + 1
	// NoNonce leaves the nonce out.
	NoNonce
	// WrongAudience issues the token to another client.
	WrongAudience
	// ExtraAudience adds a second audience without an azp claim.
	ExtraAudience
	// WrongAuthorizedParty sets azp to another client.
	WrongAuthorizedParty
	// Expired issues a token whose exp passed an hour ago.
	Expired
	// WrongIssuer sets iss to another issuer.
	WrongIssuer
	// BadSignature signs with a key the issuer does not publish.
	BadSignature
	// WrongAccessTokenHash sets at_hash to another token's hash.
	WrongAccessTokenHash
	// NoIDToken leaves id_token out of the token response.
	NoIDToken
)

// Faults lists every Fault, for tests that try each.
func Faults() []Fault {
	return []Fault{WrongNonce, NoNonce, WrongAudience, ExtraAudience, WrongAuthorizedParty, Expired, WrongIssuer, BadSignature, WrongAccessTokenHash, NoIDToken}
}

// String names the fault.
func (f Fault) String() string {
	switch f {
	case WrongNonce:
		return "WrongNonce"
	case NoNonce:
		return "NoNonce"
	case WrongAudience:
		return "WrongAudience"
	case ExtraAudience:
		return "ExtraAudience"
	case WrongAuthorizedParty:
		return "WrongAuthorizedParty"
	case Expired:
		return "Expired"
	case WrongIssuer:
		return "WrongIssuer"
	case BadSignature:
		return "BadSignature"
	case WrongAccessTokenHash:
		return "WrongAccessTokenHash"
	case NoIDToken:
		return "NoIDToken"
	}
	return "Fault(?)"
}

// The issuer signs with RSA keys (RS256, as Google does). Generating one
// takes a while, so every Issuer of a test binary shares the same two: the
// published one and the one for BadSignature.
var keys = sync.OnceValue(func() [2]*rsa.PrivateKey {
	var k [2]*rsa.PrivateKey
	for i := range k {
		pk, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic("logintest: generating an RSA key: " + err.Error())
		}
		k[i] = pk
	}
	return k
})

const keyID = "logintest-1"

// Issuer is an in-process OpenID Connect issuer for tests, on an
// httptest.Server: discovery (/.well-known/openid-configuration), keys
// (/jwks), authorization (/authorize), token (/token) and userinfo
// (/userinfo) endpoints, as the specifications and Google describe them.
//
// The authorization endpoint signs in the current User at once (no page):
// it checks client_id, redirect_uri, response_type=code, PKCE (S256 only,
// required) and nonce, then redirects to the redirect URI with code, state
// and iss. The token endpoint takes client_secret_basic or
// client_secret_post, checks the code (ten minutes, single use: a second
// use fails with invalid_grant), the redirect URI and the PKCE verifier,
// and answers an RS256 ID token with iss, sub, aud, azp, exp, iat, nonce,
// at_hash, email, email_verified, name, preferred_username, picture and hd.
//
// Deny, Tamper and FailNext make the next authorization, ID token or token
// request fail as a real issuer can. An Issuer is safe for concurrent use.
type Issuer struct {
	*core
	// URL is the issuer URL (the server's root).
	URL string
	// ClientID and ClientSecret are the credentials of the registered
	// client.
	ClientID, ClientSecret string

	srv    *httptest.Server
	faults []Fault // guarded by core.mu
}

// NewIssuer starts an Issuer. Close it when done (defer iss.Close(), or
// t.Cleanup(iss.Close)), as with httptest.NewServer.
func NewIssuer(opts ...Option) *Issuer {
	cfg := newConfig(opts)
	iss := &Issuer{core: newCore(cfg), ClientID: cfg.clientID, ClientSecret: cfg.secret}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", iss.discovery)
	mux.HandleFunc("GET /jwks", iss.jwks)
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		iss.authorize(w, r, true, url.Values{"iss": {iss.URL}})
	})
	mux.HandleFunc("POST /token", iss.token)
	mux.HandleFunc("GET /userinfo", iss.userinfo)
	mux.HandleFunc("POST /userinfo", iss.userinfo)
	iss.srv = httptest.NewServer(iss.count(mux))
	iss.URL = iss.srv.URL
	_ = keys() // generate now rather than inside a timed request
	return iss
}

// Close stops the server.
func (i *Issuer) Close() { i.srv.Close() }

// Client returns an http.Client for the issuer's server.
func (i *Issuer) Client() *http.Client { return i.srv.Client() }

// Tamper puts f into the next ID token issued.
func (i *Issuer) Tamper(f Fault) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.faults = append(i.faults, f)
}

func (i *Issuer) nextFault() Fault {
	i.mu.Lock()
	defer i.mu.Unlock()
	if len(i.faults) == 0 {
		return 0
	}
	f := i.faults[0]
	i.faults = i.faults[1:]
	return f
}

func (i *Issuer) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                i.URL,
		"authorization_endpoint":                i.URL + "/authorize",
		"token_endpoint":                        i.URL + "/token",
		"userinfo_endpoint":                     i.URL + "/userinfo",
		"jwks_uri":                              i.URL + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "email", "profile"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":      []string{"S256"},
		"grant_types_supported":                 []string{"authorization_code"},
		"claims_supported": []string{"iss", "sub", "aud", "azp", "exp", "iat", "nonce", "at_hash",
			"email", "email_verified", "name", "preferred_username", "picture", "hd"},
		"authorization_response_iss_parameter_supported": true,
	})
}

func (i *Issuer) jwks(w http.ResponseWriter, r *http.Request) {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &keys()[0].PublicKey, KeyID: keyID, Algorithm: string(jose.RS256), Use: "sig",
	}}}
	writeJSON(w, http.StatusOK, set)
}

func tokenError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func (i *Issuer) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "form does not parse")
		return
	}
	if s := i.nextFailure(); s != 0 {
		code := "server_error"
		if s == http.StatusServiceUnavailable || s == http.StatusTooManyRequests {
			code = "temporarily_unavailable"
		}
		tokenError(w, s, code, "injected failure")
		return
	}
	if !i.clientOK(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="token"`)
		tokenError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "only authorization_code")
		return
	}
	g, code := i.redeem(r.PostForm.Get("code"), r.PostForm.Get("redirect_uri"), r.PostForm.Get("code_verifier"))
	if code != "" {
		tokenError(w, http.StatusBadRequest, code, "the code is invalid, expired, already used, or was issued for another redirect_uri or code_challenge")
		return
	}
	access := i.issueToken(g.user)
	resp := map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": 3600, "scope": g.scope}
	f := i.nextFault()
	if f != NoIDToken {
		idt, err := i.idToken(g, access, f)
		if err != nil {
			tokenError(w, http.StatusInternalServerError, "server_error", "signing failed")
			return
		}
		resp["id_token"] = idt
	}
	writeJSON(w, http.StatusOK, resp)
}

// IDToken signs an ID token for u issued to the issuer's client with the
// given nonce, for tests that call a verifier directly.
func (i *Issuer) IDToken(u User, nonce string) (string, error) {
	return i.idToken(&grant{clientID: i.ClientID, nonce: nonce, user: u}, "", 0)
}

func (i *Issuer) idToken(g *grant, access string, f Fault) (string, error) {
	now := i.cfg.now()
	claims := userClaims(g.user)
	claims["iss"] = i.URL
	claims["aud"] = g.clientID
	claims["azp"] = g.clientID
	claims["iat"] = now.Unix()
	claims["exp"] = now.Add(time.Hour).Unix()
	claims["auth_time"] = now.Unix()
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	if access != "" {
		claims["at_hash"] = atHash(access)
	}
	key := keys()[0]
	switch f {
	case WrongNonce:
		claims["nonce"] = "not-the-nonce-you-sent"
	case NoNonce:
		delete(claims, "nonce")
	case WrongAudience:
		claims["aud"], claims["azp"] = "another-client", "another-client"
	case ExtraAudience:
		claims["aud"] = []string{g.clientID, "another-client"}
		delete(claims, "azp")
	case WrongAuthorizedParty:
		claims["azp"] = "another-client"
	case Expired:
		claims["iat"] = now.Add(-2 * time.Hour).Unix()
		claims["exp"] = now.Add(-time.Hour).Unix()
	case WrongIssuer:
		claims["iss"] = "https://issuer.invalid"
	case BadSignature:
		key = keys()[1]
	case WrongAccessTokenHash:
		claims["at_hash"] = atHash("another-access-token")
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: keyID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// atHash is the at_hash of an access token for RS256: the left half of
// its SHA-256, base64url.
func atHash(access string) string {
	sum := sha256.Sum256([]byte(access))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

func userClaims(u User) map[string]any {
	c := map[string]any{"sub": u.Subject}
	if u.Email != "" {
		c["email"] = u.Email
		c["email_verified"] = u.EmailVerified
	}
	for k, v := range map[string]string{"name": u.Name, "preferred_username": u.Username, "picture": u.Picture, "hd": u.HostedDomain} {
		if v != "" {
			c[k] = v
		}
	}
	return c
}

func (i *Issuer) userinfo(w http.ResponseWriter, r *http.Request) {
	u, ok := i.tokenUser(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		tokenError(w, http.StatusUnauthorized, "invalid_token", "unknown access token")
		return
	}
	writeJSON(w, http.StatusOK, userClaims(u))
}
