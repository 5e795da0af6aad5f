package webhooks

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Headers of a signed SendGrid Event Webhook delivery.
const (
	// SendGridSignatureHeader carries the base64 ASN.1 DER ECDSA signature.
	SendGridSignatureHeader = "X-Twilio-Email-Event-Webhook-Signature"
	// SendGridTimestampHeader carries the Unix time the delivery was
	// signed at; it is part of the signed bytes.
	SendGridTimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp"
)

// ErrInvalidPublicKey is returned by NewSendGrid and ParseSendGridPublicKey
// when a public key does not parse as a base64 DER (PKIX) ECDSA P-256 key.
// It wraps ErrInvalidConfig.
var ErrInvalidPublicKey = fmt.Errorf("%w: invalid public key", ErrInvalidConfig)

// sendgridMaxSignature bounds the signature header: an ASN.1 DER P-256
// signature is at most 72 bytes.
const sendgridMaxSignature = 256

// SendGridVerifier checks Twilio SendGrid Event Webhook deliveries signed
// with the account's ECDSA key ("Signed Event Webhook Requests").
//
// SendGrid signs the timestamp header followed by the raw body: the
// signature is ECDSA P-256 over the SHA-256 of those bytes, ASN.1 DER
// encoded and then base64 encoded. A delivery is a JSON array of events;
// the verifier returns one Event per element, with the element's
// sg_event_id as ID (or "sha256:" and the hex SHA-256 of the element when
// it has none), its "event" as type, its "timestamp" as time and the
// element's JSON as data.
//
// SendGrid's own libraries do not bound the timestamp. This verifier checks
// it only when WithTolerance is given a positive duration, in both
// directions, against the clock set with WithClock.
type SendGridVerifier struct {
	keys      []*ecdsa.PublicKey
	tolerance time.Duration
	now       func() time.Time
}

// NewSendGrid returns a verifier for SendGrid Event Webhook deliveries.
// publicKey is the verification key SendGrid shows once signing is turned
// on: base64 of the DER (PKIX, SubjectPublicKeyInfo) encoding of an ECDSA
// P-256 key. A PEM "PUBLIC KEY" block is accepted too, with or without a
// final line break. WithSecrets adds further public keys in the same form,
// for a rotation. An empty key is ErrEmptySecret, a key with white space
// around it ErrInvalidSecret, one that does not parse ErrInvalidPublicKey;
// all wrap ErrInvalidConfig. WithTolerance turns on the timestamp check
// (SendGrid's own libraries have none) against the clock set with
// WithClock.
func NewSendGrid(publicKey string, opts ...VerifierOption) (*SendGridVerifier, error) {
	c, err := newVerifierConfig("sendgrid", optSecrets|optClock|optTolerance, opts)
	if err != nil {
		return nil, err
	}
	all := append([]string{publicKey}, c.secrets...)
	keys := make([]*ecdsa.PublicKey, 0, len(all))
	for i, s := range all {
		check := s
		if strings.HasPrefix(s, "-----BEGIN") {
			check = strings.TrimRight(s, "\r\n")
		}
		if _, err := checkSecrets("sendgrid", "public key", check, nil); err != nil {
			if i > 0 {
				return nil, fmt.Errorf("sendgrid: public key %d given through WithSecrets: %w", i, err)
			}
			return nil, err
		}
		k, err := ParseSendGridPublicKey(s)
		if err != nil {
			if i > 0 {
				return nil, fmt.Errorf("sendgrid: public key %d given through WithSecrets: %w", i, err)
			}
			return nil, err
		}
		keys = append(keys, k)
	}
	return &SendGridVerifier{keys: keys, now: c.now, tolerance: c.toleranceOr(0)}, nil
}

// ParseSendGridPublicKey parses a SendGrid verification key: base64 of its
// DER (PKIX) encoding, or a PEM "PUBLIC KEY" block. Errors wrap
// ErrInvalidPublicKey.
func ParseSendGridPublicKey(s string) (*ecdsa.PublicKey, error) {
	s = strings.TrimSpace(s)
	var der []byte
	if strings.HasPrefix(s, "-----BEGIN") {
		block, _ := pem.Decode([]byte(s))
		if block == nil {
			return nil, fmt.Errorf("%w: sendgrid key is not valid PEM", ErrInvalidPublicKey)
		}
		der = block.Bytes
	} else {
		var err error
		der, err = base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%w: sendgrid key is not base64", ErrInvalidPublicKey)
		}
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: sendgrid key is not a DER public key: %v", ErrInvalidPublicKey, err)
	}
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || k.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%w: sendgrid key is not an ECDSA P-256 key", ErrInvalidPublicKey)
	}
	return k, nil
}

// Provider returns "sendgrid".
func (v *SendGridVerifier) Provider() string { return "sendgrid" }

// Verify checks d's signature and returns the events of its batch.
func (v *SendGridVerifier) Verify(d *Delivery) ([]Event, error) {
	if d == nil {
		return nil, fmt.Errorf("%w: sendgrid: no delivery", ErrMissingSignature)
	}
	sig, ts, err := sendgridHeaders(d.Header.Get(SendGridSignatureHeader), d.Header.Get(SendGridTimestampHeader))
	if err != nil {
		return nil, err
	}
	if v.tolerance > 0 {
		if err := sendgridCheckTime(ts, v.now(), v.tolerance); err != nil {
			return nil, err
		}
	}
	digest := sendgridDigest(ts, d.Body)
	ok := false
	for _, k := range v.keys {
		if ecdsa.VerifyASN1(k, digest[:], sig) {
			ok = true
			break
		}
	}
	if !ok {
		return nil, fmt.Errorf("%w: sendgrid: signature does not match the timestamp and body", ErrInvalidSignature)
	}
	return sendgridEvents(d)
}

// sendgridHeaders decodes the signature header and checks the timestamp
// header is a Unix time.
func sendgridHeaders(sigHeader, tsHeader string) ([]byte, string, error) {
	if sigHeader == "" {
		return nil, "", fmt.Errorf("%w: sendgrid: no %s header", ErrMissingSignature, SendGridSignatureHeader)
	}
	if tsHeader == "" {
		return nil, "", fmt.Errorf("%w: sendgrid: no %s header", ErrMissingSignature, SendGridTimestampHeader)
	}
	if len(sigHeader) > sendgridMaxSignature {
		return nil, "", fmt.Errorf("%w: sendgrid signature is too long", ErrMalformedHeader)
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sigHeader))
	if err != nil || len(sig) == 0 {
		return nil, "", fmt.Errorf("%w: sendgrid signature is not base64", ErrMalformedHeader)
	}
	if _, err := strconv.ParseUint(tsHeader, 10, 63); err != nil {
		return nil, "", fmt.Errorf("%w: sendgrid timestamp is not a Unix time", ErrMalformedHeader)
	}
	return sig, tsHeader, nil
}

// sendgridCheckTime rejects a timestamp further than tol from now.
func sendgridCheckTime(ts string, now time.Time, tol time.Duration) error {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: sendgrid timestamp is not a Unix time", ErrMalformedHeader)
	}
	// Compare in seconds so that huge values cannot overflow a Duration.
	diff := now.Unix() - sec
	limit := int64(tol / time.Second)
	if diff > limit {
		return fmt.Errorf("%w: sendgrid timestamp is older than %v", ErrTimestampOutOfRange, tol)
	}
	if diff < -limit {
		return fmt.Errorf("%w: sendgrid timestamp is more than %v in the future", ErrTimestampOutOfRange, tol)
	}
	return nil
}

// sendgridDigest is the SHA-256 of the timestamp followed by the body.
func sendgridDigest(ts string, body []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(ts))
	h.Write(body)
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

// sendgridEvent holds the fields of a batch element that identify it.
type sendgridEvent struct {
	ID        string      `json:"sg_event_id"`
	Event     string      `json:"event"`
	Timestamp json.Number `json:"timestamp"`
}

// sendgridEvents parses the JSON array of a delivery.
func sendgridEvents(d *Delivery) ([]Event, error) {
	var elems []json.RawMessage
	if err := json.Unmarshal(d.Body, &elems); err != nil {
		return nil, fmt.Errorf("%w: sendgrid: body is not a JSON array of events", ErrMalformedBody)
	}
	events := make([]Event, 0, len(elems))
	for i, el := range elems {
		var e sendgridEvent
		if len(el) == 0 || el[0] != '{' {
			return nil, fmt.Errorf("%w: sendgrid: event %d is not an event object", ErrMalformedBody, i)
		}
		if err := json.Unmarshal(el, &e); err != nil {
			return nil, fmt.Errorf("%w: sendgrid: event %d is not an event object", ErrMalformedBody, i)
		}
		id := e.ID
		if id == "" {
			sum := sha256.Sum256(el)
			id = "sha256:" + hex.EncodeToString(sum[:])
		}
		events = append(events, Event{
			Provider: "sendgrid",
			ID:       id,
			DedupKey: id, // sg_event_id is in the signed body
			Type:     e.Event,
			Time:     mandrillUnixTime(e.Timestamp),
			Data:     el,
			Delivery: d,
		})
	}
	return events, nil
}
