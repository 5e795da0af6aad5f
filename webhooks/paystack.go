package webhooks

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// PaystackSignatureHeader carries the hex HMAC-SHA512 of the body, keyed
// with the account's secret key.
const PaystackSignatureHeader = "X-Paystack-Signature"

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
func NewPaystack(secretKey string, opts ...Option) (*PaystackVerifier, error) {
	o := newOptions(opts)
	secrets, err := secretList("paystack", secretKey, o)
	if err != nil {
		return nil, err
	}
	s, err := newHMACScheme("paystack", stringKeys(secrets), SHA512, Hex, PaystackSignatureHeader, "", "", "", "", o)
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
	var typ string
	start, ok := leadingMembers(d.Body, "data", func(k, val []byte) bool {
		if string(k) == "event" {
			typ, _ = jsonString(val)
		}
		return true
	})
	if ok && typ == "" && start >= 0 {
		typ, _ = jsonString(objectField(d.Body, "event")) // event after data
	}
	if !ok || typ == "" {
		return nil, fmt.Errorf("%w: paystack body has no event field", ErrMalformedBody)
	}
	e := Event{Provider: "paystack", Type: typ, Data: d.Body, Delivery: d}
	var id, ref string
	paid := false
	if start >= 0 {
		// Read data only as far as needed: its id and paid_at come early.
		scanObject(d.Body[start:], func(k, val []byte) bool {
			switch string(k) {
			case "id":
				id, _ = jsonScalar(val)
			case "reference":
				ref, _ = jsonString(val)
			case "paid_at":
				if t := jsonTime(val); !t.IsZero() {
					e.Time, paid = t, true
				}
			case "created_at", "createdAt":
				if e.Time.IsZero() {
					e.Time = jsonTime(val)
				}
			}
			return id == "" || !paid
		})
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
	return []Event{e}, nil
}
