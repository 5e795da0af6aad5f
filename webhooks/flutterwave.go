package webhooks

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"time"
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
	f, ok := flutterwaveRead(d.Body)
	if !ok {
		return nil, fmt.Errorf("%w: flutterwave body is not a JSON object", ErrMalformedBody)
	}
	if f.typ == "" {
		return nil, fmt.Errorf("%w: flutterwave body has no type or event field", ErrMalformedBody)
	}
	e := Event{Provider: "flutterwave", ID: f.id, Type: f.typ, Time: f.time, Data: d.Body, Delivery: d}
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

// flutterwaveFields are what a Flutterwave body says about its event.
type flutterwaveFields struct {
	typ  string
	id   string
	time time.Time
}

// flutterwaveRead reads a Flutterwave body's event type, data.id and
// data.created_at in one walk over its members.
//
// v4 payloads name the type in "type", v3 ones in "event". The members
// before the first "data" member decide: the last "type" there, else the
// "event" read while no type was set. When they leave the type empty, the
// first "type" member of the whole object is used, else its first "event".
// ok is false when the members up to "data" (or all of them, without one)
// do not read as an object.
//
// In data, id and created_at are read until both are set; a later id seen
// before that replaces an earlier one.
func flutterwaveRead(b []byte) (f flutterwaveFields, ok bool) {
	start := -1
	var firstType, firstEvent []byte
	ok = scanMembers(b, func(key []byte, i int) (int, bool) {
		if string(key) == "data" {
			start = i
			return i, false
		}
		end := skipValue(b, i)
		if end < 0 {
			return -1, false
		}
		val := b[i:end]
		switch string(key) {
		case "type":
			f.typ, _ = jsonString(val)
			if firstType == nil {
				firstType = val
			}
		case "event":
			if f.typ == "" {
				f.typ, _ = jsonString(val)
			}
			if firstEvent == nil {
				firstEvent = val
			}
		}
		return end, true
	})
	if !ok || start < 0 {
		return f, ok
	}
	dataMember := func(k, val []byte) bool {
		switch string(k) {
		case "id":
			f.id, _ = jsonScalar(val)
		case "created_at":
			f.time = jsonTime(val)
		}
		return f.id == "" || f.time.IsZero()
	}
	if f.typ != "" {
		scanObject(b[start:], dataMember)
		return f, true
	}
	// The members before "data" named no type: read data to its end, then
	// on past it until the first "type" and "event" members are known.
	// Bytes that stop reading as members end the search with what it found.
	end := flutterwaveData(b, start, dataMember)
	if end >= 0 && (firstType == nil || firstEvent == nil) {
		membersAfter(b, end, func(key, val []byte) bool {
			switch string(key) {
			case "type":
				if firstType == nil {
					firstType = val
				}
			case "event":
				if firstEvent == nil {
					firstEvent = val
				}
			}
			return firstType == nil || firstEvent == nil
		})
	}
	if f.typ, _ = jsonString(firstType); f.typ == "" {
		f.typ, _ = jsonString(firstEvent)
	}
	return f, true
}

// flutterwaveData reads the data member starting at b[start] with member
// (as scanObject would, until member returns false) and returns where the
// value ends as skipValue sees it, or -1. One walk does both when the
// object reads cleanly: every member well formed and no bare value holding
// a quote or bracket, which skipValue would read differently.
func flutterwaveData(b []byte, start int, member func(k, v []byte) bool) int {
	reading, clean := true, true
	end := walkObject(b, start, func(k, v []byte) bool {
		if reading {
			reading = member(k, v)
		}
		if c := v[0]; c != '"' && c != '{' && c != '[' && bytes.ContainsAny(v, `"{}[]`) {
			clean = false
		}
		return true
	})
	if end >= 0 && clean {
		return end
	}
	return skipValue(b, start)
}
