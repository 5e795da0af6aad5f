package webhooks

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/switchboard-go/switchboard/webhooks/internal/jsonscan"
)

// PaystackSignatureHeader carries the hex HMAC-SHA512 of the body, keyed
// with the account's secret key.
const PaystackSignatureHeader = "X-Paystack-Signature"

// paystackScheme is Paystack's signature: the hex HMAC-SHA512 of the body.
var paystackScheme = HMACConfig{Provider: "paystack", Header: PaystackSignatureHeader, Hash: SHA512, Encoding: Hex}

var paystackFields = jsonscan.NewFields("event", "data.id", "data.reference", "data.paid_at", "data.created_at", "data.createdAt")

// PaystackVerifier verifies Paystack webhook events. Build it with
// NewPaystack.
type PaystackVerifier struct {
	scheme *hmacScheme
}

// NewPaystack returns a verifier for Paystack events. secretKey is the
// account's secret API key (sk_live_... or sk_test_...): Paystack has no
// separate webhook secret. WithSecrets adds keys, for example to accept
// test and live keys on one endpoint.
//
// Paystack sends no event ID, so the ID is derived: event + ":" + data.id
// (the transaction, refund or transfer ID); when data has no id,
// event + ":ref:" + data.reference; failing both, event + ":sha256:" and
// the hex SHA-256 of the body. The type is the "event" field and the time
// is data.paid_at, else data.created_at or data.createdAt.
func NewPaystack(secretKey string, opts ...VerifierOption) (*PaystackVerifier, error) {
	c, err := newVerifierConfig("paystack", paystackScheme.accepts(), opts)
	if err != nil {
		return nil, err
	}
	secrets, err := checkSecrets("paystack", "secret key", secretKey, c.secrets)
	if err != nil {
		return nil, err
	}
	s, err := newHMACScheme(paystackScheme, stringKeys(secrets), c)
	if err != nil {
		return nil, err
	}
	return &PaystackVerifier{scheme: s}, nil
}

// Provider returns "paystack".
func (v *PaystackVerifier) Provider() string { return "paystack" }

// Verify checks the signature and returns the delivery's one event.
func (v *PaystackVerifier) Verify(d *Delivery) ([]Event, error) {
	if _, err := v.scheme.verify(d); err != nil {
		return nil, err
	}
	var vals [6][]byte
	if err := readJSON("paystack", "body", paystackFields, d.Body, vals[:]); err != nil {
		return nil, err
	}
	typ, err := jsonStringMember("paystack", "event", vals[0])
	if err != nil {
		return nil, err
	}
	if typ == "" {
		return nil, fmt.Errorf("%w: paystack body has no event field", ErrMalformedBody)
	}
	e := Event{Provider: "paystack", Type: typ, Data: d.Body, Delivery: d}
	id, _ := jsonscan.Scalar(vals[1])
	ref, _ := jsonscan.String(vals[2])
	for _, raw := range vals[3:] {
		if e.Time = jsonscan.Time(raw); !e.Time.IsZero() {
			break
		}
	}
	switch {
	case id != "":
		e.ID = typ + ":" + id
	case ref != "":
		e.ID = typ + ":ref:" + ref
	default:
		sum := sha256.Sum256(d.Body)
		e.ID = typ + ":sha256:" + hex.EncodeToString(sum[:])
	}
	// Every part of the ID comes from the signed body.
	e.DedupKey = e.ID
	return []Event{e}, nil
}
