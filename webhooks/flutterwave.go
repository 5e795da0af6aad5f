package webhooks

import (
	"crypto/subtle"
	"fmt"
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
// signature alone. Other verifiers ignore this option.
func WithFlutterwaveVerifHash() Option {
	return func(o *options) { o.flutterwaveVerifHash = true }
}

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
func NewFlutterwave(secretHash string, opts ...Option) (*FlutterwaveVerifier, error) {
	o := newOptions(opts)
	secrets, err := secretList("flutterwave", secretHash, o)
	if err != nil {
		return nil, err
	}
	keys := stringKeys(secrets)
	s, err := newHMACScheme("flutterwave", keys, SHA256, Base64, FlutterwaveSignatureHeader, "", "", "", "", o)
	if err != nil {
		return nil, err
	}
	return &FlutterwaveVerifier{scheme: s, secrets: keys, legacy: o.flutterwaveVerifHash}, nil
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
	// v4 payloads name the type in "type", v3 ones in "event".
	var typ string
	start, ok := leadingMembers(d.Body, "data", func(k, val []byte) bool {
		switch string(k) {
		case "type":
			typ, _ = jsonString(val)
		case "event":
			if typ == "" {
				typ, _ = jsonString(val)
			}
		}
		return true
	})
	if !ok {
		return nil, fmt.Errorf("%w: flutterwave body is not a JSON object", ErrMalformedBody)
	}
	if typ == "" && start >= 0 {
		if typ, _ = jsonString(objectField(d.Body, "type")); typ == "" {
			typ, _ = jsonString(objectField(d.Body, "event"))
		}
	}
	if typ == "" {
		return nil, fmt.Errorf("%w: flutterwave body has no type or event field", ErrMalformedBody)
	}
	e := Event{Provider: "flutterwave", Type: typ, Data: d.Body, Delivery: d}
	if start >= 0 {
		scanObject(d.Body[start:], func(k, val []byte) bool {
			switch string(k) {
			case "id":
				e.ID, _ = jsonScalar(val)
			case "created_at":
				e.Time = jsonTime(val)
			}
			return e.ID == "" || e.Time.IsZero()
		})
	}
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
