package login

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
)

// LoginFunc is the application's part of a sign-in: it runs once per
// successful callback with the verified identity, and typically looks the
// user up by id.ID() and sets the application's own session cookie on w.
// It must not write a status or a body: when it returns nil the Handler
// redirects (303) to the sign-in's return-to URL; when it returns an error
// the sign-in fails with ErrRejected, so it must set the session only when
// it returns nil.
type LoginFunc func(w http.ResponseWriter, r *http.Request, id *Identity) error

// Handler serves sign-in with one or more providers: GET PATH/NAME starts a
// sign-in with provider NAME and GET PATH/NAME/callback completes it, where
// PATH is DefaultPath ("/login") unless WithPath says otherwise. It is a
// plain http.Handler: mount it on any router at PATH + "/".
//
// The start route accepts a return_to parameter: a local path, or an
// absolute URL on the public URL's origin or one allowed by
// WithReturnOrigins. Anything else fails with ErrReturnTo.
//
// The Handler keeps no sessions and no server-side state (unless given a
// store with WithStore): each sign-in in progress lives in its own sealed
// cookie until its callback. A Handler is safe for concurrent use.
type Handler struct {
	providers map[string]Provider
	names     []string
	base      string // public URL without a trailing slash
	path      string // route prefix without a trailing slash ("" for the root)
	sealer    *sealer
	secure    bool
	cookie    string // cookie name prefix
	cookiePth string
	policy    returnPolicy
	onLogin   LoginFunc
	cfg       handlerConfig
}

// maxPending is how many sign-ins one browser may have in progress at once
// (one state cookie each); starting another expires the oldest.
const maxPending = 4

// NewHandler returns a Handler for providers.
//
// publicURL is the URL the application is reachable at from browsers
// ("https://shop.example.com", or with a path prefix); the callback URL of
// provider NAME is publicURL + PATH + "/NAME/callback", which is the
// redirect URI to register with the provider. It must be https, except on
// a loopback host (localhost, 127.0.0.1, [::1]) for development.
//
// key seals the state cookies: at least 32 random bytes, the same on every
// replica. Changing it fails the sign-ins in progress, nothing else.
//
// onLogin runs for each successful sign-in. Errors wrap ErrInvalidConfig.
func NewHandler(publicURL string, key []byte, providers []Provider, onLogin LoginFunc, opts ...Option) (*Handler, error) {
	cfg := handlerConfig{
		path:          DefaultPath,
		maxAge:        DefaultMaxAge,
		defaultReturn: DefaultReturnTo,
		now:           time.Now,
		storeTimeout:  5 * time.Second,
	}
	for _, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("%w: nil option", ErrInvalidConfig)
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.errorPath != "" && cfg.errorHandler != nil {
		return nil, fmt.Errorf("%w: WithErrorPath and WithErrorHandler both given", ErrInvalidConfig)
	}
	if onLogin == nil {
		return nil, fmt.Errorf("%w: nil LoginFunc", ErrInvalidConfig)
	}
	base, secure, err := parsePublicURL(publicURL)
	if err != nil {
		return nil, err
	}
	s, err := newSealer(key)
	if err != nil {
		return nil, err
	}
	if len(providers) == 0 {
		return nil, fmt.Errorf("%w: no providers", ErrInvalidConfig)
	}
	h := &Handler{
		providers: make(map[string]Provider, len(providers)),
		base:      strings.TrimSuffix(base.String(), "/"),
		path:      cfg.path,
		sealer:    s,
		secure:    secure,
		onLogin:   onLogin,
		cfg:       cfg,
	}
	for i, p := range providers {
		if p == nil {
			return nil, fmt.Errorf("%w: provider %d is nil", ErrInvalidConfig, i)
		}
		name := p.Name()
		if !ValidName(name) {
			return nil, fmt.Errorf("%w: provider name %q: want 1 to 32 lower case letters, digits and dashes", ErrInvalidConfig, name)
		}
		if _, dup := h.providers[name]; dup {
			return nil, fmt.Errorf("%w: two providers named %q; give one another name", ErrInvalidConfig, name)
		}
		h.providers[name] = p
		h.names = append(h.names, name)
	}
	// __Host- cookies must be Secure, have Path=/ and no Domain: the
	// browser then refuses any such cookie set by a sibling sub-domain or
	// over plain HTTP.
	if secure {
		h.cookie, h.cookiePth = "__Host-sblogin-", "/"
	} else {
		h.cookie, h.cookiePth = "sblogin-", h.path+"/"
	}
	h.policy = returnPolicy{self: originOf(base), allowed: map[origin]bool{}, def: cfg.defaultReturn}
	for _, o := range cfg.returnOrigins {
		po, _ := parseOrigin(o) // checked by the option
		h.policy.allowed[po] = true
	}
	return h, nil
}

func parsePublicURL(raw string) (*url.URL, bool, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, false, fmt.Errorf("%w: public URL %q is not an absolute URL", ErrInvalidConfig, raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return nil, false, fmt.Errorf("%w: public URL must hold no user info, query or fragment", ErrInvalidConfig)
	}
	switch u.Scheme {
	case "https":
		return u, true, nil
	case "http":
		if isLoopback(u.Hostname()) {
			return u, false, nil
		}
		return nil, false, fmt.Errorf("%w: public URL %q must be https (plain http only on a loopback host)", ErrInvalidConfig, raw)
	default:
		return nil, false, fmt.Errorf("%w: public URL %q must be https", ErrInvalidConfig, raw)
	}
}

// Providers returns the providers' names in the order given to NewHandler.
func (h *Handler) Providers() []string { return slices.Clone(h.names) }

// StartPath returns the local path that starts a sign-in with the provider
// called name ("/login/google"), for links and buttons. Append
// "?return_to=" + url.QueryEscape(path) to come back somewhere other than
// the default.
func (h *Handler) StartPath(name string) string { return h.path + "/" + name }

// RedirectURL returns the callback URL of the provider called name: the
// redirect URI to register with it.
func (h *Handler) RedirectURL(name string) string { return h.base + h.path + "/" + name + "/callback" }

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, h.path+"/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	name, sub, _ := strings.Cut(rest, "/")
	p, ok := h.providers[name]
	if !ok || (sub != "" && sub != "callback") {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	r = h.observeStart(r, name, sub)
	if sub == "" {
		h.start(w, r, p)
		return
	}
	h.callback(w, r, p)
}

// start begins a sign-in: it seals a fresh state, nonce and PKCE verifier
// in a cookie and redirects to the provider.
func (h *Handler) start(w http.ResponseWriter, r *http.Request, p Provider) {
	name := p.Name()
	q := r.URL.Query()
	if len(q["return_to"]) > 1 {
		h.fail(w, r, &Error{Kind: ErrReturnTo, Provider: name, Reason: "return_to given more than once"}, name, time.Time{})
		return
	}
	ret, err := h.policy.check(q.Get("return_to"))
	if err != nil {
		h.fail(w, r, &Error{Kind: ErrReturnTo, Provider: name, Reason: err.Error()}, name, time.Time{})
		return
	}
	f := &flow{
		Provider: name,
		State:    randomToken(),
		Nonce:    randomToken(),
		Verifier: randomToken(),
		ReturnTo: ret,
		Expires:  h.cfg.now().Add(h.cfg.maxAge),
	}
	cname := h.cookie + cookieSuffix(f.State)
	v, err := h.sealer.seal(cname, f)
	if err != nil { // only for a field too long, which the checks above exclude
		h.fail(w, r, &Error{Kind: ErrReturnTo, Provider: name, Reason: "return_to too long"}, name, time.Time{})
		return
	}
	h.prune(w, r)
	http.SetCookie(w, &http.Cookie{
		Name: cname, Value: v, Path: h.cookiePth, MaxAge: int(h.cfg.maxAge / time.Second),
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode,
	})
	authURL := p.AuthCodeURL(&AuthRequest{
		RedirectURL: h.RedirectURL(name), State: f.State, Nonce: f.Nonce, CodeVerifier: f.Verifier,
	})
	noStore(w)
	h.log(r.Context(), slog.LevelDebug, "sign-in started", slog.String("provider", name), slog.String("outcome", "started"))
	h.observeEnd(r, nil)
	http.Redirect(w, r, authURL, http.StatusFound)
}

// prune expires the oldest state cookies this browser sent beyond
// maxPending-1, so that a browser starting sign-ins over and over does not
// grow its Cookie header without bound.
func (h *Handler) prune(w http.ResponseWriter, r *http.Request) {
	type pending struct {
		name string
		exp  time.Time
	}
	var all []pending
	for _, c := range r.Cookies() {
		if !strings.HasPrefix(c.Name, h.cookie) {
			continue
		}
		var exp time.Time // zero for a cookie that does not open: expired first
		if f, err := h.sealer.open(c.Name, c.Value); err == nil {
			exp = f.Expires
		}
		all = append(all, pending{c.Name, exp})
	}
	if len(all) < maxPending {
		return
	}
	slices.SortFunc(all, func(a, b pending) int { return a.exp.Compare(b.exp) })
	for _, c := range all[:len(all)-(maxPending-1)] {
		h.expire(w, c.name)
	}
}

func (h *Handler) expire(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: h.cookiePth, MaxAge: -1,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode,
	})
}

// callback completes a sign-in.
func (h *Handler) callback(w http.ResponseWriter, r *http.Request, p Provider) {
	start := h.cfg.now()
	name := p.Name()
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" || len(state) > 512 || len(q["state"]) > 1 {
		h.fail(w, r, &Error{Kind: ErrInvalidState, Provider: name, Reason: "no single state parameter"}, name, start)
		return
	}
	cname := h.cookie + cookieSuffix(state)
	c, err := r.Cookie(cname)
	if err != nil {
		h.fail(w, r, &Error{Kind: ErrInvalidState, Provider: name, Reason: "no state cookie for this state (expired, already used, or another browser)"}, name, start)
		return
	}
	// Single use: whatever happens next, this browser never sends the
	// cookie again.
	h.expire(w, cname)
	f, err := h.sealer.open(cname, c.Value)
	switch {
	case err != nil:
		h.fail(w, r, &Error{Kind: ErrInvalidState, Provider: name, Reason: "state cookie does not open"}, name, start)
		return
	case f.Provider != name:
		h.fail(w, r, &Error{Kind: ErrInvalidState, Provider: name, Reason: "state cookie is for another provider"}, name, start)
		return
	case subtle.ConstantTimeCompare([]byte(state), []byte(f.State)) != 1:
		h.fail(w, r, &Error{Kind: ErrInvalidState, Provider: name, Reason: "state does not match the cookie"}, name, start)
		return
	case !start.Before(f.Expires):
		h.fail(w, r, &Error{Kind: ErrInvalidState, Provider: name, Reason: "sign-in expired"}, name, start)
		return
	}
	if e := q.Get("error"); e != "" {
		kind := ErrProvider
		if e == "access_denied" {
			kind = ErrAccessDenied
		}
		h.fail(w, r, &Error{Kind: kind, Provider: name, Code: SafeCode(e), Reason: "the provider answered with an error"}, name, start)
		return
	}
	code := q.Get("code")
	if code == "" || len(q["code"]) > 1 {
		h.fail(w, r, &Error{Kind: ErrProvider, Provider: name, Reason: "no single code parameter"}, name, start)
		return
	}
	if h.cfg.store != nil {
		if err := h.consume(r.Context(), f, start); err != nil {
			h.fail(w, r, err, name, start)
			return
		}
	}
	req := &AuthRequest{RedirectURL: h.RedirectURL(name), State: f.State, Nonce: f.Nonce, CodeVerifier: f.Verifier}
	id, err := p.Exchange(r.Context(), req, &Callback{Code: code, Issuer: q.Get("iss")})
	if err != nil {
		h.fail(w, r, asError(name, err), name, start)
		return
	}
	if id == nil || id.Subject == "" {
		h.fail(w, r, &Error{Kind: ErrProvider, Provider: name, Reason: "the provider gave no subject"}, name, start)
		return
	}
	id.Provider = name
	if !h.cfg.allowUnverfied && (!id.EmailVerified || id.Email == "") {
		h.fail(w, r, &Error{Kind: ErrEmailNotVerified, Provider: name, Reason: "the identity has no verified email"}, name, start)
		return
	}
	ret, err := h.policy.check(f.ReturnTo)
	if err != nil {
		h.fail(w, r, &Error{Kind: ErrReturnTo, Provider: name, Reason: err.Error()}, name, start)
		return
	}
	if err := h.onLogin(w, r, id); err != nil {
		h.fail(w, r, &Error{Kind: ErrRejected, Provider: name, Reason: "the application refused the identity", Err: err}, name, start)
		return
	}
	h.log(r.Context(), slog.LevelInfo, "signed in", slog.String("provider", name), slog.String("outcome", "signed_in"),
		slog.Duration("duration", h.cfg.now().Sub(start)))
	h.observeEnd(r, nil)
	noStore(w)
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Location", ret)
	w.WriteHeader(http.StatusSeeOther)
}

// consume records the sign-in's state in the store; a second callback for
// the same state finds it there and fails with ErrReplayed.
func (h *Handler) consume(ctx context.Context, f *flow, now time.Time) *Error {
	sum := sha256.Sum256([]byte(f.State))
	key := "login:" + hex.EncodeToString(sum[:])
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.cfg.storeTimeout)
	defer cancel()
	c, err := h.cfg.store.Claim(ctx, key, "", time.Minute)
	if err != nil {
		return &Error{Kind: ErrTemporary, Provider: f.Provider, Reason: "replay store unavailable", Err: err}
	}
	if c.State != idempotency.Acquired {
		return &Error{Kind: ErrReplayed, Provider: f.Provider, Reason: "callback already used"}
	}
	ttl := max(f.Expires.Sub(now), 0) + time.Minute
	if err := h.cfg.store.Complete(ctx, key, c.Token, idempotency.Record{Status: http.StatusSeeOther}, ttl); err != nil {
		return &Error{Kind: ErrTemporary, Provider: f.Provider, Reason: "replay store unavailable", Err: err}
	}
	return nil
}

// asError makes err an *Error naming provider: a Provider outside this
// module may return plain errors.
func asError(provider string, err error) *Error {
	var le *Error
	if errors.As(err, &le) && le.Kind != nil {
		return le
	}
	kind := KindOf(err)
	if kind == nil {
		kind = ErrProvider
	}
	return &Error{Kind: kind, Provider: provider, Reason: "exchange failed", Err: err}
}

// fail answers a failed sign-in: the error handler, the error path or the
// Handler's own page.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err *Error, provider string, start time.Time) {
	h.observeEnd(r, err)
	if h.cfg.logger != nil && h.cfg.logger.Enabled(r.Context(), slog.LevelWarn) {
		attrs := []slog.Attr{
			slog.String("provider", provider), slog.String("outcome", "refused"),
			slog.String("reason", Reason(err)), slog.String("err", err.Error()),
		}
		if !start.IsZero() {
			attrs = append(attrs, slog.Duration("duration", h.cfg.now().Sub(start)))
		}
		h.cfg.logger.LogAttrs(r.Context(), slog.LevelWarn, "sign-in failed", attrs...)
	}
	noStore(w)
	w.Header().Set("Referrer-Policy", "no-referrer")
	switch {
	case h.cfg.errorHandler != nil:
		h.cfg.errorHandler(w, r, err)
	case h.cfg.errorPath != "":
		sep := "?"
		if strings.Contains(h.cfg.errorPath, "?") {
			sep = "&"
		}
		v := url.Values{"error": {Reason(err)}}
		if provider != "" {
			v.Set("provider", provider)
		}
		w.Header().Set("Location", h.cfg.errorPath+sep+v.Encode())
		w.WriteHeader(http.StatusSeeOther)
	default:
		retry := ""
		if _, ok := h.providers[provider]; ok && !errors.Is(err, ErrReturnTo) && !errors.Is(err, ErrRejected) {
			retry = h.StartPath(provider)
		}
		writePage(w, Status(err), err, retry, h.cfg.defaultReturn)
	}
}

func (h *Handler) log(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	if h.cfg.logger == nil || !h.cfg.logger.Enabled(ctx, level) {
		return
	}
	h.cfg.logger.LogAttrs(ctx, level, msg, attrs...)
}

func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}

// Status maps a sign-in failure to the HTTP status of the Handler's error
// page: 502 for ErrTemporary, 403 for an identity that signed in but is not
// admitted (ErrEmailNotVerified, ErrHostedDomain, ErrRejected), 400 for
// everything else.
func Status(err error) int {
	switch KindOf(err) {
	case ErrTemporary:
		return http.StatusBadGateway
	case ErrEmailNotVerified, ErrHostedDomain, ErrRejected:
		return http.StatusForbidden
	default:
		return http.StatusBadRequest
	}
}

// Reason maps a sign-in failure to the short code that WithErrorPath puts
// in the error parameter: invalid_state, replayed, access_denied,
// provider_error, invalid_token, email_not_verified, hosted_domain,
// return_to, rejected, temporarily_unavailable, or failed for anything
// else.
func Reason(err error) string {
	switch KindOf(err) {
	case ErrInvalidState:
		return "invalid_state"
	case ErrReplayed:
		return "replayed"
	case ErrAccessDenied:
		return "access_denied"
	case ErrProvider:
		return "provider_error"
	case ErrInvalidToken:
		return "invalid_token"
	case ErrEmailNotVerified:
		return "email_not_verified"
	case ErrHostedDomain:
		return "hosted_domain"
	case ErrReturnTo:
		return "return_to"
	case ErrRejected:
		return "rejected"
	case ErrTemporary:
		return "temporarily_unavailable"
	default:
		return "failed"
	}
}
