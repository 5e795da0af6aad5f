package webhooks

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"time"
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
func NewStripe(secret string, opts ...Option) (*StripeVerifier, error) {
	o := newOptions(opts)
	secrets, err := secretList("stripe", secret, o)
	if err != nil {
		return nil, err
	}
	tol, err := tolerance("stripe", o, 5*time.Minute)
	if err != nil {
		return nil, err
	}
	return &StripeVerifier{keys: newKeyring(sha256.New, stringKeys(secrets)), now: o.now, tolerance: tol}, nil
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
	findMembers(d.Body, stripeKeys[:], vals[:])
	e.ID, _ = jsonString(vals[0])
	e.Type, _ = jsonString(vals[1])
	e.Time = jsonTime(vals[2])
	if e.ID == "" || e.Type == "" {
		return nil, fmt.Errorf("%w: stripe event has no id or type", ErrMalformedBody)
	}
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

var stripeKeys = [3]string{"id", "type", "created"}
