package webhooks

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"net/textproto"
	"strings"
	"time"
)

// HMACConfig describes a provider's HMAC signature scheme for the generic
// verifier built by NewHMAC.
type HMACConfig struct {
	// Provider names the provider in lower case ("acme"). It prefixes the
	// idempotency keys of its events. Required.
	Provider string
	// Header is the request header holding the signature. Required.
	Header string
	// Hash is the hash function; the zero value is SHA256.
	Hash HashFunc
	// Encoding is how the signature is written; the zero value is Hex.
	Encoding Encoding
	// Prefix is text before the signature in the header, such as
	// "sha256=". A header without it is malformed.
	Prefix string
	// Separator, when set, splits the header into several signatures (for
	// rotation); each carries Prefix. Empty means one signature.
	Separator string
	// TimestampHeader is the header holding the signing time in Unix
	// seconds, when the scheme signs one. The verifier then rejects a
	// timestamp further than the tolerance from its clock (default five
	// minutes, both directions; see WithTolerance).
	TimestampHeader string
	// Signed is a template of the signed bytes. Placeholders: {body} (the
	// raw body), {timestamp} (the TimestampHeader value) and {header:Name}
	// (any header's value); everything else is literal. Empty means
	// "{body}"; a template without {body} is an error, since the body
	// would not be authenticated. Examples: "{timestamp}.{body}",
	// "v0:{timestamp}:{body}", "{header:X-Acme-Id}.{body}".
	Signed string
	// EventID returns the event's ID from a verified delivery; the Handler
	// de-duplicates on it (Event.DedupKey). It must read signed bytes only:
	// the body, or a header the Signed template covers ({header:Name}). An
	// ID taken from an unsigned header lets anyone who captured a delivery
	// run it again under a new ID, or send a captured body in advance under
	// the ID of a delivery they expect. When nil the ID is "sha256:" and the
	// hex SHA-256 of the body, so identical bodies are de-duplicated.
	EventID func(d *Delivery) (string, error)
	// EventType returns the event's type. When nil the type is empty and
	// the Handler's fallback receives every event.
	EventType func(d *Delivery) (string, error)
	// EventTime returns when the event happened; nil leaves Event.Time zero
	// unless the scheme has a TimestampHeader, whose time is used.
	EventTime func(d *Delivery) time.Time
}

type partKind uint8

const (
	partLiteral partKind = iota
	partBody
	partTimestamp
	partHeader
)

type templatePart struct {
	kind partKind
	text string // literal text, or canonical header name
}

func parseTemplate(t string) ([]templatePart, error) {
	if t == "" {
		t = "{body}"
	}
	var parts []templatePart
	for t != "" {
		open := strings.IndexByte(t, '{')
		if open < 0 {
			parts = append(parts, templatePart{kind: partLiteral, text: t})
			break
		}
		if open > 0 {
			parts = append(parts, templatePart{kind: partLiteral, text: t[:open]})
		}
		end := strings.IndexByte(t[open:], '}')
		if end < 0 {
			return nil, fmt.Errorf("%w: unclosed placeholder in signed template", ErrInvalidOption)
		}
		name := t[open+1 : open+end]
		switch {
		case name == "body":
			parts = append(parts, templatePart{kind: partBody})
		case name == "timestamp":
			parts = append(parts, templatePart{kind: partTimestamp})
		case strings.HasPrefix(name, "header:") && len(name) > len("header:"):
			parts = append(parts, templatePart{kind: partHeader, text: textproto.CanonicalMIMEHeaderKey(name[len("header:"):])})
		default:
			return nil, fmt.Errorf("%w: unknown placeholder {%s} in signed template", ErrInvalidOption, name)
		}
		t = t[open+end+1:]
	}
	return parts, nil
}

// hmacScheme is the signature check shared by every HMAC verifier whose
// signature sits in one header: GitHub, Paystack, Shopify, Slack,
// Flutterwave and the generic verifier.
type hmacScheme struct {
	provider  string
	header    string // canonical
	prefix    string
	separator string
	tsHeader  string // canonical, or empty
	enc       Encoding
	size      int
	parts     []templatePart
	keys      keyring
	now       func() time.Time
	tolerance time.Duration
}

func newHMACScheme(cfg HMACConfig, secrets [][]byte, c verifierConfig) (*hmacScheme, error) {
	provider := cfg.Provider
	newHash, size, err := cfg.Hash.new()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidOption, provider, err)
	}
	if cfg.Encoding != Hex && cfg.Encoding != Base64 {
		return nil, fmt.Errorf("%w: %s: unknown encoding %d", ErrInvalidOption, provider, int(cfg.Encoding))
	}
	if cfg.Header == "" {
		return nil, fmt.Errorf("%w: %s needs a signature header", ErrInvalidOption, provider)
	}
	parts, err := parseTemplate(cfg.Signed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", provider, err)
	}
	s := &hmacScheme{
		provider:  provider,
		header:    textproto.CanonicalMIMEHeaderKey(cfg.Header),
		prefix:    cfg.Prefix,
		separator: cfg.Separator,
		enc:       cfg.Encoding,
		size:      size,
		parts:     parts,
		keys:      newKeyring(newHash, secrets),
		now:       c.now,
	}
	if cfg.TimestampHeader != "" {
		s.tsHeader = textproto.CanonicalMIMEHeaderKey(cfg.TimestampHeader)
		s.tolerance = c.toleranceOr(DefaultTolerance)
	}
	hasBody := false
	for _, p := range parts {
		if p.kind == partTimestamp && s.tsHeader == "" {
			return nil, fmt.Errorf("%w: %s: signed template uses {timestamp} but no timestamp header is set", ErrInvalidOption, provider)
		}
		if p.kind == partBody {
			hasBody = true
		}
	}
	if !hasBody {
		return nil, fmt.Errorf("%w: %s: signed template must include {body}, or the body is not authenticated", ErrInvalidOption, provider)
	}
	return s, nil
}

// hmacAccepts returns the verifier options an HMAC scheme accepts: secrets
// always, the clock and tolerance only with a signed timestamp.
func (cfg HMACConfig) accepts() verifierOpt {
	if cfg.TimestampHeader != "" {
		return optSecrets | optClock | optTolerance
	}
	return optSecrets
}

// wellFormed reports whether sig could be a signature of this scheme.
func wellFormed(enc Encoding, sig string, size int) bool {
	switch enc {
	case Hex:
		if len(sig) != 2*size {
			return false
		}
		for i := 0; i < len(sig); i++ {
			c := sig[i]
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
		return true
	case Base64:
		if len(sig) != base64.StdEncoding.EncodedLen(size) {
			return false
		}
		var buf [96]byte
		n := copy(buf[:], sig)
		var dst [72]byte
		_, err := base64.StdEncoding.Decode(dst[:], buf[:n])
		return err == nil
	}
	return false
}

// verify checks d and returns the signed timestamp (zero without one).
func (s *hmacScheme) verify(d *Delivery) (time.Time, error) {
	raw := headerValue(d.Header, s.header)
	if raw == "" {
		return time.Time{}, fmt.Errorf("%w: %s header %s is absent", ErrMissingSignature, s.provider, s.header)
	}
	var ts time.Time
	var tsRaw string
	if s.tsHeader != "" {
		tsRaw = headerValue(d.Header, s.tsHeader)
		if tsRaw == "" {
			return time.Time{}, fmt.Errorf("%w: %s timestamp header %s is absent", ErrMalformedHeader, s.provider, s.tsHeader)
		}
		var ok bool
		if ts, ok = parseUnix(tsRaw); !ok {
			return time.Time{}, fmt.Errorf("%w: %s timestamp header %s is not Unix seconds", ErrMalformedHeader, s.provider, s.tsHeader)
		}
		if err := checkTime(s.provider, ts, s.now(), s.tolerance); err != nil {
			return time.Time{}, err
		}
	}
	// Check the form of every candidate before spending any HMAC.
	candidates := 0
	for rest := raw; ; {
		one := rest
		more := false
		if s.separator != "" {
			one, rest, more = strings.Cut(rest, s.separator)
		}
		one = strings.TrimSpace(one)
		if sig, ok := strings.CutPrefix(one, s.prefix); ok && wellFormed(s.enc, sig, s.size) {
			candidates++
		}
		if !more {
			break
		}
	}
	if candidates == 0 {
		return time.Time{}, fmt.Errorf("%w: %s header %s holds no well-formed signature", ErrMalformedHeader, s.provider, s.header)
	}
	for _, k := range s.keys {
		st := k.get()
		for _, p := range s.parts {
			switch p.kind {
			case partLiteral:
				st.writeString(p.text)
			case partBody:
				st.h.Write(d.Body)
			case partTimestamp:
				st.writeString(tsRaw)
			case partHeader:
				st.writeString(headerValue(d.Header, p.text))
			}
		}
		mac := st.mac()
		matched := false
		for rest := raw; ; {
			one := rest
			more := false
			if s.separator != "" {
				one, rest, more = strings.Cut(rest, s.separator)
			}
			one = strings.TrimSpace(one)
			if sig, ok := strings.CutPrefix(one, s.prefix); ok && st.equal(s.enc, sig, mac) {
				matched = true
			}
			if !more {
				break
			}
		}
		k.put(st)
		if matched {
			return ts, nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: %s signature matches no configured secret", ErrInvalidSignature, s.provider)
}

// HMACVerifier verifies a provider's HMAC scheme described by an
// HMACConfig. Build it with NewHMAC.
type HMACVerifier struct {
	scheme *hmacScheme
	cfg    HMACConfig
}

// NewHMAC returns a verifier for any provider that signs deliveries with
// an HMAC in one header. secret is used as raw bytes; WithSecrets adds
// more for rotation, WithClock and WithTolerance apply when the scheme has
// a TimestampHeader. An empty secret fails with ErrEmptySecret, an
// incomplete configuration with ErrInvalidOption.
//
// For example, a provider sending "X-Acme-Signature: sha512=<hex>" of
// timestamp + "." + body, with the time in "X-Acme-Timestamp":
//
//	v, err := webhooks.NewHMAC(secret, webhooks.HMACConfig{
//		Provider:        "acme",
//		Header:          "X-Acme-Signature",
//		Hash:            webhooks.SHA512,
//		Prefix:          "sha512=",
//		TimestampHeader: "X-Acme-Timestamp",
//		Signed:          "{timestamp}.{body}",
//	})
func NewHMAC(secret string, cfg HMACConfig, opts ...VerifierOption) (*HMACVerifier, error) {
	if cfg.Provider == "" {
		return nil, fmt.Errorf("%w: HMACConfig.Provider is required", ErrInvalidOption)
	}
	c, err := newVerifierConfig(cfg.Provider, cfg.accepts(), opts)
	if err != nil {
		return nil, err
	}
	secrets, err := checkSecrets(cfg.Provider, "secret", secret, c.secrets)
	if err != nil {
		return nil, err
	}
	s, err := newHMACScheme(cfg, stringKeys(secrets), c)
	if err != nil {
		return nil, err
	}
	return &HMACVerifier{scheme: s, cfg: cfg}, nil
}

// Provider returns HMACConfig.Provider.
func (v *HMACVerifier) Provider() string { return v.cfg.Provider }

// Verify checks the signature and builds one Event with the configured
// extraction functions. Errors from those functions are wrapped in
// ErrMalformedBody.
func (v *HMACVerifier) Verify(d *Delivery) ([]Event, error) {
	ts, err := v.scheme.verify(d)
	if err != nil {
		return nil, err
	}
	e := Event{Provider: v.cfg.Provider, Data: d.Body, Delivery: d, Time: ts}
	if v.cfg.EventID != nil {
		if e.ID, err = v.cfg.EventID(d); err != nil {
			return nil, fmt.Errorf("%w: %s event id: %w", ErrMalformedBody, v.cfg.Provider, err)
		}
	} else {
		sum := sha256.Sum256(d.Body)
		e.ID = "sha256:" + hex.EncodeToString(sum[:])
	}
	if e.ID == "" {
		return nil, fmt.Errorf("%w: %s event has no id", ErrMalformedBody, v.cfg.Provider)
	}
	e.DedupKey = e.ID
	if v.cfg.EventType != nil {
		if e.Type, err = v.cfg.EventType(d); err != nil {
			return nil, fmt.Errorf("%w: %s event type: %w", ErrMalformedBody, v.cfg.Provider, err)
		}
	}
	if v.cfg.EventTime != nil {
		e.Time = v.cfg.EventTime(d)
	}
	return []Event{e}, nil
}

// Encoding is how a signature's bytes are written in its header.
type Encoding int

// Signature encodings.
const (
	// Hex is lowercase or uppercase hexadecimal.
	Hex Encoding = iota
	// Base64 is standard base64 with padding (RFC 4648 section 4).
	Base64
)

// String returns "hex" or "base64".
func (e Encoding) String() string {
	switch e {
	case Hex:
		return "hex"
	case Base64:
		return "base64"
	}
	return fmt.Sprintf("Encoding(%d)", int(e))
}

// HashFunc names a hash function for HMAC signatures.
type HashFunc int

// Hash functions a generic HMAC verifier can use.
const (
	// SHA256 is HMAC-SHA256, the most common choice.
	SHA256 HashFunc = iota
	// SHA1 is HMAC-SHA1, still used by older providers.
	SHA1
	// SHA512 is HMAC-SHA512.
	SHA512
)

// String returns "sha256", "sha1" or "sha512".
func (f HashFunc) String() string {
	switch f {
	case SHA256:
		return "sha256"
	case SHA1:
		return "sha1"
	case SHA512:
		return "sha512"
	}
	return fmt.Sprintf("HashFunc(%d)", int(f))
}

func (f HashFunc) new() (func() hash.Hash, int, error) {
	switch f {
	case SHA256:
		return sha256.New, sha256.Size, nil
	case SHA1:
		return sha1.New, sha1.Size, nil
	case SHA512:
		return sha512.New, sha512.Size, nil
	}
	return nil, 0, fmt.Errorf("unknown hash function %d", int(f))
}
