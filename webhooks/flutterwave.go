package webhooks

import (
	"crypto/subtle"
	"fmt"

	"github.com/switchboard-go/switchboard/webhooks/internal/jsonscan"
)

// Flutterwave delivery headers.
const (
	// FlutterwaveSignatureHeader carries the base64 HMAC-SHA256 of the
	// body, keyed with the secret hash set in the dashboard.
	FlutterwaveSignatureHeader = "Flutterwave-Signature"
	// FlutterwaveVerifHashHeader is the legacy (v3) header that carries the
	// secret hash itself. It is read only with WithFlutterwaveVerifHash.
	FlutterwaveVerifHashHeader = "Verif-Hash"
)

// WithFlutterwaveVerifHash makes a Flutterwave verifier also accept the
// legacy verif-hash header, which carries the secret hash itself rather
// than a signature of the body. It proves only that the sender knows the
// secret, not that the body is unchanged, so it is off by default. A
// delivery carrying flutterwave-signature is always checked by that
// signature alone. Other verifiers reject this option.
func WithFlutterwaveVerifHash() VerifierOption {
	return verifierFunc(func(c *verifierConfig) { c.given |= optVerifHash })
}

// flutterwaveScheme is Flutterwave's signature: the base64 HMAC-SHA256 of
// the body.
var flutterwaveScheme = HMACConfig{Provider: "flutterwave", Header: FlutterwaveSignatureHeader, Hash: SHA256, Encoding: Base64}

// FlutterwaveVerifier verifies Flutterwave webhook deliveries. Build it
// with NewFlutterwave.
type FlutterwaveVerifier struct {
	scheme  *hmacScheme
	secrets [][]byte
	legacy  bool
}

// NewFlutterwave returns a verifier for Flutterwave webhooks. secretHash is
// the secret hash configured in the dashboard. The event ID is data.id,
// the type is "type" (v4) or "event" (v3), the time data.created_at.
func NewFlutterwave(secretHash string, opts ...VerifierOption) (*FlutterwaveVerifier, error) {
	c, err := newVerifierConfig("flutterwave", flutterwaveScheme.accepts()|optVerifHash, opts)
	if err != nil {
		return nil, err
	}
	secrets, err := checkSecrets("flutterwave", "secret hash", secretHash, c.secrets)
	if err != nil {
		return nil, err
	}
	keys := stringKeys(secrets)
	s, err := newHMACScheme(flutterwaveScheme, keys, c)
	if err != nil {
		return nil, err
	}
	return &FlutterwaveVerifier{scheme: s, secrets: keys, legacy: c.given&optVerifHash != 0}, nil
}

// Provider returns "flutterwave".
func (v *FlutterwaveVerifier) Provider() string { return "flutterwave" }

// Verify checks the signature and returns the delivery's one event.
func (v *FlutterwaveVerifier) Verify(d *Delivery) ([]Event, error) {
	if headerValue(d.Header, FlutterwaveSignatureHeader) != "" || !v.legacy {
		if _, err := v.scheme.verify(d); err != nil {
			return nil, err
		}
	} else if err := v.verifyHash(d); err != nil {
		return nil, err
	}
	var vals [4][]byte
	if err := readJSON("flutterwave", "body", flutterwaveFields, d.Body, vals[:]); err != nil {
		return nil, err
	}
	// v4 names the type in "type", v3 in "event".
	typ, err := jsonStringMember("flutterwave", "type", vals[0])
	if err != nil {
		return nil, err
	}
	if typ == "" {
		if typ, err = jsonStringMember("flutterwave", "event", vals[1]); err != nil {
			return nil, err
		}
	}
	if typ == "" {
		return nil, fmt.Errorf("%w: flutterwave body has no type or event field", ErrMalformedBody)
	}
	id, _ := jsonscan.Scalar(vals[2])
	e := Event{Provider: "flutterwave", ID: id, DedupKey: id, Type: typ, Time: jsonscan.Time(vals[3]), Data: d.Body, Delivery: d}
	if e.ID == "" {
		return nil, fmt.Errorf("%w: flutterwave body has no data.id", ErrMalformedBody)
	}
	return []Event{e}, nil
}

func (v *FlutterwaveVerifier) verifyHash(d *Delivery) error {
	got := headerValue(d.Header, FlutterwaveVerifHashHeader)
	if got == "" {
		return fmt.Errorf("%w: flutterwave headers flutterwave-signature and verif-hash are absent", ErrMissingSignature)
	}
	match := 0
	for _, s := range v.secrets {
		match |= subtle.ConstantTimeCompare([]byte(got), s)
	}
	if match != 1 {
		return fmt.Errorf("%w: flutterwave verif-hash matches no configured secret hash", ErrInvalidSignature)
	}
	return nil
}

var flutterwaveFields = jsonscan.NewFields("type", "event", "data.id", "data.created_at")
