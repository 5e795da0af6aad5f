package webhooks

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/webhooks/internal/jsonscan"
)

// StripeSignatureHeader carries "t=<unix>,v1=<hex>[,v1=<hex>...]": the
// signing time and the hex HMAC-SHA256 of t + "." + body under each of the
// endpoint's active secrets.
const StripeSignatureHeader = "Stripe-Signature"

// maxStripeSignatures bounds the v1 entries read from one header. Stripe
// sends one per active secret, so two during a roll.
const maxStripeSignatures = 8

// stripeHeader is a parsed Stripe-Signature header. Its strings point into
// the header value.
type stripeHeader struct {
	t  string
	ts time.Time
	v1 [maxStripeSignatures]string
	n  int
}

// parseStripeSignature parses a Stripe-Signature value. Every element must
// be key=value; t must appear once as Unix seconds; v1 entries that are not
// 64 hex digits are skipped (as Stripe's libraries do) and at least one must
// remain; other schemes, v0 included, are ignored so that no downgrade is
// possible. Errors wrap ErrMalformedHeader.
func parseStripeSignature(h string) (stripeHeader, error) {
	var p stripeHeader
	seenT := false
	for rest := h; ; {
		elem, next, more := strings.Cut(rest, ",")
		k, val, ok := strings.Cut(elem, "=")
		if !ok || k == "" {
			return stripeHeader{}, fmt.Errorf("%w: stripe Stripe-Signature element is not key=value", ErrMalformedHeader)
		}
		switch k {
		case "t":
			if seenT {
				return stripeHeader{}, fmt.Errorf("%w: stripe Stripe-Signature has more than one t", ErrMalformedHeader)
			}
			seenT = true
			ts, ok := parseUnix(val)
			if !ok {
				return stripeHeader{}, fmt.Errorf("%w: stripe Stripe-Signature t is not Unix seconds", ErrMalformedHeader)
			}
			p.t, p.ts = val, ts
		case "v1":
			if p.n < maxStripeSignatures && wellFormed(Hex, val, sha256.Size) {
				p.v1[p.n] = val
				p.n++
			}
		}
		if !more {
			break
		}
		rest = next
	}
	if !seenT {
		return stripeHeader{}, fmt.Errorf("%w: stripe Stripe-Signature has no t", ErrMalformedHeader)
	}
	if p.n == 0 {
		return stripeHeader{}, fmt.Errorf("%w: stripe Stripe-Signature has no well-formed v1 signature", ErrMalformedHeader)
	}
	return p, nil
}

// StripeVerifier verifies Stripe webhook events. Build it with NewStripe.
type StripeVerifier struct {
	keys      keyring
	now       func() time.Time
	tolerance time.Duration
}

// NewStripe returns a verifier for Stripe events signed with the
// endpoint's signing secret ("whsec_...", used as is). Only the v1 scheme
// counts. The signed timestamp must be within five minutes of the clock in
// either direction; WithTolerance changes the window (it must be positive)
// and WithClock the clock. During a secret roll Stripe signs with both
// secrets, so one secret suffices; WithSecrets adds more.
//
// Unlike stripe-go's ConstructEvent, the event's api_version is not
// compared with any library version, and the body is not decoded: the
// verifier reads only the top-level id, type and created members (so both
// snapshot and thin events pass) and hands the raw JSON on in Event.Data.
// The whole body must be valid JSON and must not give id, type or created
// twice (ErrMalformedBody); an event without a type is genuine and goes to
// the Handler's fallback.
func NewStripe(secret string, opts ...VerifierOption) (*StripeVerifier, error) {
	c, err := newVerifierConfig("stripe", optSecrets|optClock|optTolerance, opts)
	if err != nil {
		return nil, err
	}
	secrets, err := checkSecrets("stripe", "signing secret", secret, c.secrets)
	if err != nil {
		return nil, err
	}
	return &StripeVerifier{keys: newKeyring(sha256.New, stringKeys(secrets)), now: c.now, tolerance: c.toleranceOr(DefaultTolerance)}, nil
}

// Provider returns "stripe".
func (v *StripeVerifier) Provider() string { return "stripe" }

// Verify checks the signature and timestamp and returns the event.
func (v *StripeVerifier) Verify(d *Delivery) ([]Event, error) {
	raw := headerValue(d.Header, StripeSignatureHeader)
	if raw == "" {
		return nil, fmt.Errorf("%w: stripe header Stripe-Signature is absent", ErrMissingSignature)
	}
	h, err := parseStripeSignature(raw)
	if err != nil {
		return nil, err
	}
	if err := checkTime("stripe", h.ts, v.now(), v.tolerance); err != nil {
		return nil, err
	}
	if !v.match(&h, d.Body) {
		return nil, fmt.Errorf("%w: stripe signature matches no configured secret", ErrInvalidSignature)
	}
	e := Event{Provider: "stripe", Data: d.Body, Delivery: d}
	var vals [3][]byte
	if err := readJSON("stripe", "body", stripeFields, d.Body, vals[:]); err != nil {
		return nil, err
	}
	var err2 error
	if e.ID, err2 = jsonStringMember("stripe", "id", vals[0]); err2 != nil {
		return nil, err2
	}
	if e.ID == "" {
		return nil, fmt.Errorf("%w: stripe event has no id", ErrMalformedBody)
	}
	// An event without a type is still genuine: it goes to the fallback.
	if e.Type, err2 = jsonStringMember("stripe", "type", vals[1]); err2 != nil {
		return nil, err2
	}
	e.Time = jsonscan.Time(vals[2])
	e.DedupKey = e.ID
	return []Event{e}, nil
}

func (v *StripeVerifier) match(h *stripeHeader, body []byte) bool {
	for _, k := range v.keys {
		st := k.get()
		st.writeString(h.t)
		st.h.Write(dot)
		st.h.Write(body)
		mac := st.mac()
		ok := false
		for _, sig := range h.v1[:h.n] {
			if st.equal(Hex, sig, mac) {
				ok = true
			}
		}
		k.put(st)
		if ok {
			return true
		}
	}
	return false
}

var dot = []byte{'.'}

var stripeFields = jsonscan.NewFields("id", "type", "created")
