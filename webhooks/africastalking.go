package webhooks

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// AfricasTalkingTokenParam is the query parameter of the callback URL that
// carries the token an AfricasTalkingVerifier checks.
const AfricasTalkingTokenParam = "token"

// AfricasTalkingMinTokenLen is the shortest token NewAfricasTalking
// accepts: 32 characters (128 bits or more for a random hex or base64url
// token).
const AfricasTalkingMinTokenLen = 32

// AfricasTalkingVerifier authenticates Africa's Talking SMS notifications
// (delivery reports, incoming messages, bulk SMS opt-outs, subscription
// notifications). Africa's Talking signs none of them: it POSTs a form to
// the callback URL set in its dashboard, and nothing else. So the URL
// itself carries the credential: a long random token in its token query
// parameter, which the verifier compares in constant time (a SHA-256 of
// the token received against that of each accepted token, so that not
// even its length is compared early) with every token configured
// (WithSecrets adds more, for rotation).
//
// The token is read from the query of the URL the request arrived on
// (Delivery.URL) and nothing else of that URL decides anything: its host
// and path are the request's to choose. The URL to register at Africa's
// Talking is CallbackURL: the URL configured with WithPublicURL and the
// token. After Verify, Delivery.URL holds REDACTED in place of the token,
// so code that logs the delivery does not leak it; errors never hold it.
//
// Events: a delivery report (id and status) has the status as its type
// ("Success", "Failed", "Rejected", "Sent", "Submitted", "Buffered"), its
// ID is "id:status" and the Handler de-duplicates on the same; an incoming
// message (id, from, text) has the type "incoming" and de-duplicates on
// its id; a bulk SMS opt-out (senderId, phoneNumber) has the type "optout"
// and a subscription notification (updateType) "subscription", both
// de-duplicated on the SHA-256 of the body, which is also the ID and key
// of anything else. Event.Data is the form as a JSON object; Event.Time is
// zero (the reports carry no time).
//
// Residual risk, which no configuration removes: the token is a bearer
// secret in a URL. Whoever sees the callback URL (a user of the Africa's
// Talking dashboard, the access logs of a proxy or load balancer that
// records query strings, this server's own access log) can forge any
// notification, for as long as the token is accepted; nothing binds a body
// to the token, and there is no timestamp, so a captured request can be
// replayed once its de-duplication key has expired (WithTTL of the
// Handler). Keep the token out of access logs, rotate it (WithSecrets
// during the change) when it may have leaked, serve the URL over HTTPS
// only (NewAfricasTalking refuses a plain http URL except on a loopback
// host, for tests), and treat a report as a hint: never grant value, such
// as a refund or a delivery confirmation a customer is billed on, on a
// delivery report alone.
type AfricasTalkingVerifier struct {
	sums     [][sha256.Size]byte
	callback string
}

// NewAfricasTalking returns a verifier for notifications whose callback
// URL carries token in its token parameter. WithPublicURL is required: the
// notification URL as configured at Africa's Talking, https (http only
// for a loopback host), with or without the token parameter (which must
// then hold one of the accepted tokens; it is not part of the configured
// URL). Each token must have at least AfricasTalkingMinTokenLen characters
// from A-Z, a-z, 0-9 and - . _ ~ (so that it appears in the URL as
// is); generate one with 32 random bytes in hex. WithSecrets adds more
// tokens, for rotation. The scheme has no timestamp, so WithClock and
// WithTolerance are errors. Errors wrap ErrInvalidConfig and never quote a
// token or the URL.
func NewAfricasTalking(token string, opts ...VerifierOption) (*AfricasTalkingVerifier, error) {
	const provider = "africastalking"
	c, err := newVerifierConfig(provider, optSecrets|optPublicURL, opts)
	if err != nil {
		return nil, err
	}
	tokens, err := checkSecrets(provider, "token", token, c.secrets)
	if err != nil {
		return nil, err
	}
	v := &AfricasTalkingVerifier{}
	for i, t := range tokens {
		if len(t) < AfricasTalkingMinTokenLen {
			return nil, fmt.Errorf("%w: %s: token %d is shorter than %d characters", ErrInvalidSecret, provider, i, AfricasTalkingMinTokenLen)
		}
		if strings.ContainsFunc(t, func(r rune) bool { return !isUnreserved(r) }) {
			return nil, fmt.Errorf("%w: %s: token %d holds a character other than A-Z, a-z, 0-9 and - . _ ~", ErrInvalidSecret, provider, i)
		}
		v.sums = append(v.sums, sha256.Sum256([]byte(t)))
	}
	if c.publicURL == "" {
		return nil, fmt.Errorf("%w: %s: WithPublicURL must give the notification URL as configured at Africa's Talking", ErrInvalidOption, provider)
	}
	u, _ := url.Parse(c.publicURL) // checked by WithPublicURL
	if u.Scheme != "https" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("%w: %s: WithPublicURL must be an https URL: the token in it is a bearer credential (http is allowed for a loopback host only)", ErrInvalidOption, provider)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: %s: WithPublicURL must not hold user information", ErrInvalidOption, provider)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: WithPublicURL has a malformed query", ErrInvalidOption, provider)
	}
	if given, ok := q[AfricasTalkingTokenParam]; ok {
		if len(given) != 1 || !v.accepts(given[0]) {
			return nil, fmt.Errorf("%w: %s: the token parameter of WithPublicURL is not one of the accepted tokens", ErrInvalidOption, provider)
		}
		q.Del(AfricasTalkingTokenParam)
	}
	q.Set(AfricasTalkingTokenParam, token)
	u.RawQuery, u.Fragment, u.RawFragment = q.Encode(), "", ""
	v.callback = u.String()
	return v, nil
}

// isUnreserved reports whether r may appear in a URL query as it is.
func isUnreserved(r rune) bool {
	return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' || r == '~'
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Provider returns "africastalking".
func (v *AfricasTalkingVerifier) Provider() string { return "africastalking" }

// CallbackURL returns the URL to register in the Africa's Talking
// dashboard (SMS, SMS Callback URLs): the configured URL with the first
// token in its token parameter. It holds the secret: store it like one and
// never log it.
func (v *AfricasTalkingVerifier) CallbackURL() string { return v.callback }

// String describes the verifier without its token.
func (v *AfricasTalkingVerifier) String() string { return "webhooks.AfricasTalkingVerifier" }

// GoString is String, so that %#v does not print the token either.
func (v *AfricasTalkingVerifier) GoString() string { return v.String() }

// accepts reports, in constant time, whether token is one of the accepted
// tokens. Every token is compared, so the time taken does not tell which
// one matched.
func (v *AfricasTalkingVerifier) accepts(token string) bool {
	sum := sha256.Sum256([]byte(token))
	ok := 0
	for i := range v.sums {
		ok |= subtle.ConstantTimeCompare(sum[:], v.sums[i][:])
	}
	return ok == 1
}

// Verify checks the token of d.URL, replaces it there with REDACTED, and
// returns the notification as one event.
func (v *AfricasTalkingVerifier) Verify(d *Delivery) ([]Event, error) {
	if d == nil || d.URL == nil {
		return nil, fmt.Errorf("%w: africastalking: no delivery URL to read the token from", ErrMissingSignature)
	}
	q, qerr := url.ParseQuery(d.URL.RawQuery)
	tokens := q[AfricasTalkingTokenParam]
	if len(tokens) > 0 {
		redacted := *d.URL
		q.Set(AfricasTalkingTokenParam, "REDACTED")
		redacted.RawQuery = q.Encode()
		d.URL = &redacted
	}
	switch {
	case qerr != nil:
		return nil, fmt.Errorf("%w: africastalking: the URL's query is malformed", ErrMalformedHeader)
	case len(tokens) == 0:
		return nil, fmt.Errorf("%w: africastalking: the URL has no %s parameter", ErrMissingSignature, AfricasTalkingTokenParam)
	case len(tokens) > 1:
		return nil, fmt.Errorf("%w: africastalking: the URL has more than one %s parameter", ErrMalformedHeader, AfricasTalkingTokenParam)
	case !v.accepts(tokens[0]):
		return nil, fmt.Errorf("%w: africastalking: the token does not match", ErrInvalidSignature)
	}
	if !isForm(headerValue(d.Header, "Content-Type")) {
		return nil, fmt.Errorf("%w: africastalking: Content-Type is not application/x-www-form-urlencoded", ErrMalformedHeader)
	}
	form, err := url.ParseQuery(string(d.Body))
	if err != nil {
		return nil, fmt.Errorf("%w: africastalking: body is not form-encoded", ErrMalformedBody)
	}
	for name, vs := range form {
		if name == "" {
			return nil, fmt.Errorf("%w: africastalking: a form parameter has an empty name", ErrMalformedBody)
		}
		if len(vs) > 1 {
			return nil, fmt.Errorf("%w: africastalking: parameter %q is given more than once", ErrMalformedBody, truncateName(name))
		}
	}
	sum := sha256.Sum256(d.Body)
	digest := digestString(sum[:])
	e := Event{Provider: "africastalking", ID: digest, DedupKey: digest, Data: twilioFormJSON(form, len(d.Body)), Delivery: d}
	id, status := form.Get("id"), form.Get("status")
	switch {
	case id != "" && status != "":
		e.Type, e.ID = status, id+":"+status
		e.DedupKey = "dlr:" + e.ID
	case id != "" && form.Has("text") && form.Has("from"):
		e.Type, e.ID = "incoming", id
		e.DedupKey = "incoming:" + id
	case form.Has("senderId") && form.Has("phoneNumber"):
		e.Type = "optout"
	case form.Has("updateType"):
		e.Type = "subscription"
	case id != "" || status != "":
		return nil, fmt.Errorf("%w: africastalking: a delivery report needs both id and status", ErrMalformedBody)
	}
	return []Event{e}, nil
}

// truncateName bounds a parameter name quoted in an error.
func truncateName(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}
