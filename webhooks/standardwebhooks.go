package webhooks

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/webhooks/internal/jsonscan"
)

// Standard Webhooks headers (https://www.standardwebhooks.com), and the
// svix- names Svix sends.
const (
	// StandardWebhookIDHeader carries the message ID, the event ID.
	StandardWebhookIDHeader = "Webhook-Id"
	// StandardWebhookTimestampHeader carries the signing time in Unix
	// seconds.
	StandardWebhookTimestampHeader = "Webhook-Timestamp"
	// StandardWebhookSignatureHeader carries space-separated
	// "v1,<base64>" signatures.
	StandardWebhookSignatureHeader = "Webhook-Signature"
	// SvixIDHeader is Svix's name for the message ID header.
	SvixIDHeader = "Svix-Id"
	// SvixTimestampHeader is Svix's name for the timestamp header.
	SvixTimestampHeader = "Svix-Timestamp"
	// SvixSignatureHeader is Svix's name for the signature header.
	SvixSignatureHeader = "Svix-Signature"
)

// standardKeys are the payload members the specification's payload
// structure defines besides data.
var standardFields = jsonscan.NewFields("type", "timestamp")

// maxStandardSignatures bounds the signatures read from one header.
const maxStandardSignatures = 8

// parseStandardSignatures parses a webhook-signature value: a space-separated
// list of "version,signature". Only v1 entries whose signature is the
// base64 of 32 bytes are kept (up to eight); other versions, v1a included,
// are ignored. It reports how many it kept; an entry without a comma makes
// the header malformed.
func parseStandardSignatures(h string, out *[maxStandardSignatures]string) (int, error) {
	n := 0
	for rest := h; ; {
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			break
		}
		f := rest
		if j := strings.IndexAny(rest, " \t"); j >= 0 {
			f, rest = rest[:j], rest[j:]
		} else {
			rest = ""
		}
		ver, sig, ok := strings.Cut(f, ",")
		if !ok || ver == "" {
			return 0, fmt.Errorf("%w: webhook-signature entry is not version,signature", ErrMalformedHeader)
		}
		if ver == "v1" && n < maxStandardSignatures && wellFormed(Base64, sig, sha256.Size) {
			out[n] = sig
			n++
		}
	}
	if n == 0 {
		return 0, fmt.Errorf("%w: webhook-signature has no well-formed v1 signature", ErrMalformedHeader)
	}
	return n, nil
}

// StandardWebhooksVerifier verifies deliveries signed under the Standard
// Webhooks specification, and Svix's, which is the same scheme. Build it
// with NewStandardWebhooks or NewSvix.
type StandardWebhooksVerifier struct {
	provider  string
	svix      bool
	keys      keyring
	now       func() time.Time
	tolerance time.Duration
}

// NewStandardWebhooks returns a verifier for the Standard Webhooks
// symmetric scheme: webhook-id, webhook-timestamp and webhook-signature
// headers, the HMAC-SHA256 of id + "." + timestamp + "." + body, signatures
// "v1,<base64>" separated by spaces. secret is "whsec_" followed by the
// base64 key (the prefix is optional). The timestamp must be within five
// minutes of the clock in either direction, as the specification's
// libraries enforce; WithTolerance changes that (it must be positive). The event ID is webhook-id;
// the type and time are the body's "type" and "timestamp" members (the
// specification's payload structure), the time falling back to the signed
// timestamp. Events carry provider "standardwebhooks" unless
// WithProviderName names the service that signs them.
func NewStandardWebhooks(secret string, opts ...VerifierOption) (*StandardWebhooksVerifier, error) {
	return newStandard("standardwebhooks", false, secret, opts)
}

// NewSvix returns a verifier for Svix deliveries: the Standard Webhooks
// scheme under svix-id, svix-timestamp and svix-signature headers, falling
// back to the webhook- names when any of those is absent, as Svix's
// libraries do. Events carry provider "svix" unless WithProviderName names
// the service that sends through Svix.
func NewSvix(secret string, opts ...VerifierOption) (*StandardWebhooksVerifier, error) {
	return newStandard("svix", true, secret, opts)
}

func newStandard(provider string, svix bool, secret string, opts []VerifierOption) (*StandardWebhooksVerifier, error) {
	c, err := newVerifierConfig(provider, optSecrets|optClock|optTolerance|optProviderName, opts)
	if err != nil {
		return nil, err
	}
	if c.provider != "" {
		provider = c.provider
	}
	secrets, err := checkSecrets(provider, "secret", secret, c.secrets)
	if err != nil {
		return nil, err
	}
	keys := make([][]byte, len(secrets))
	for i, s := range secrets {
		k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: secret %d is not whsec_ followed by base64", ErrInvalidSecret, provider, i)
		}
		if len(k) == 0 {
			return nil, fmt.Errorf("%w: %s: secret %d is empty after its whsec_ prefix", ErrEmptySecret, provider, i)
		}
		keys[i] = k
	}
	return &StandardWebhooksVerifier{provider: provider, svix: svix, keys: newKeyring(sha256.New, keys), now: c.now, tolerance: c.toleranceOr(DefaultTolerance)}, nil
}

// Provider returns "standardwebhooks", "svix" for a verifier built by
// NewSvix, or the name given with WithProviderName.
func (v *StandardWebhooksVerifier) Provider() string { return v.provider }

func (v *StandardWebhooksVerifier) headers(d *Delivery) (id, ts, sig string) {
	if v.svix {
		id = headerValue(d.Header, SvixIDHeader)
		ts = headerValue(d.Header, SvixTimestampHeader)
		sig = headerValue(d.Header, SvixSignatureHeader)
		if id != "" && ts != "" && sig != "" {
			return id, ts, sig
		}
	}
	return headerValue(d.Header, StandardWebhookIDHeader),
		headerValue(d.Header, StandardWebhookTimestampHeader),
		headerValue(d.Header, StandardWebhookSignatureHeader)
}

// Verify checks the signature and timestamp and returns the delivery's one
// event.
func (v *StandardWebhooksVerifier) Verify(d *Delivery) ([]Event, error) {
	id, tsRaw, sigRaw := v.headers(d)
	if sigRaw == "" {
		return nil, fmt.Errorf("%w: %s signature header is absent", ErrMissingSignature, v.provider)
	}
	if id == "" {
		return nil, fmt.Errorf("%w: %s id header is absent", ErrMalformedHeader, v.provider)
	}
	ts, ok := parseUnix(tsRaw)
	if !ok {
		return nil, fmt.Errorf("%w: %s timestamp header is absent or not Unix seconds", ErrMalformedHeader, v.provider)
	}
	var sigs [maxStandardSignatures]string
	n, err := parseStandardSignatures(sigRaw, &sigs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", v.provider, err)
	}
	if err := checkTime(v.provider, ts, v.now(), v.tolerance); err != nil {
		return nil, err
	}
	matched := false
	for _, k := range v.keys {
		st := k.get()
		st.writeString(id)
		st.h.Write(dot)
		st.writeString(tsRaw)
		st.h.Write(dot)
		st.h.Write(d.Body)
		mac := st.mac()
		for _, sig := range sigs[:n] {
			if st.equal(Base64, sig, mac) {
				matched = true
			}
		}
		k.put(st)
		if matched {
			break
		}
	}
	if !matched {
		return nil, fmt.Errorf("%w: %s signature matches no configured secret", ErrInvalidSignature, v.provider)
	}
	// webhook-id is signed, so it identifies the event.
	e := Event{Provider: v.provider, ID: id, DedupKey: id, Time: ts, Data: d.Body, Delivery: d}
	var vals [2][]byte
	if err := readJSON(v.provider, "body", standardFields, d.Body, vals[:]); err != nil {
		return nil, err
	}
	if e.Type, err = jsonStringMember(v.provider, "type", vals[0]); err != nil {
		return nil, err
	}
	if t := jsonscan.Time(vals[1]); !t.IsZero() {
		e.Time = t
	}
	return []Event{e}, nil
}
