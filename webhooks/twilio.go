package webhooks

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// TwilioSignatureHeader is the header that carries Twilio's request
// signature.
const TwilioSignatureHeader = "X-Twilio-Signature"

// twilioBodyHashParam is the query parameter Twilio adds to the URL of a
// request with a JSON body: the hex SHA-256 of the body.
const twilioBodyHashParam = "bodySHA256"

// TwilioVerifier checks Twilio webhook requests (Messaging, Voice and the
// other products that sign with X-Twilio-Signature).
//
// Twilio signs the full URL it called, from the scheme through the end of
// the query string, followed, for a form-encoded POST, by every POST
// parameter sorted by name with its name and value appended with no
// delimiter. The signature is the base64 HMAC-SHA1 of that string keyed
// with the account's Auth Token. For a JSON body Twilio adds a bodySHA256
// query parameter holding the hex SHA-256 of the body and signs the URL
// alone.
//
// The verifier checks against the URL configured with WithPublicURL, never
// one taken from the request: the Auth Token signs every webhook of the
// account, so a URL built from the request would let a delivery made for
// another URL, or form fields moved into the query string, verify. The
// mode follows the request's Content-Type: application/json checks the
// signature over the configured URL with the bodySHA256 the verifier
// computes from the body itself (whatever the request's query says);
// application/x-www-form-urlencoded checks it over the configured URL and
// the parameters, which must not have an empty name or one starting with
// "?" or "&" (so that no form can spell a JSON delivery's signed URL). Any
// other Content-Type is rejected.
//
// Because Twilio's products differ on whether the signed URL carries the
// default port (":443" for https, ":80" for http), a request is accepted
// when the signature matches the URL with the port or without it, as
// Twilio's own SDKs do. User information and any fragment (where Twilio's
// connection overrides go) are not part of the signed URL.
//
// A parameter sent several times contributes each distinct value once, in
// sorted order, which is what twilio-python does.
//
// The Handler de-duplicates on a digest of the signed bytes (Event.DedupKey
// is "sha256:" and the hex SHA-256 of the configured URL followed by the
// sorted parameters, or of the JSON body): Twilio's string has no
// delimiters, so the same signature also covers the same parameters split
// differently between names and values, and every such spelling of one
// delivery has the same key. Event IDs are informational and come from the
// signed parameters, never from unsigned headers: "<Sid>:<Status>" from the
// first of RecordingSid/RecordingStatus, TranscriptionSid/TranscriptionStatus,
// MessageSid/MessageStatus (or SmsStatus), SmsSid/SmsStatus and
// CallSid/CallStatus that is present. The event type is that status
// ("delivered", "received", "completed", ...). A delivery without any of
// these has the DedupKey as its ID and an empty type. Event.Time is the
// Timestamp parameter when Twilio sends one (Voice status callbacks) and
// zero otherwise. Event.Data is the form as a JSON object (a parameter sent
// several times becomes an array of strings) or the JSON body itself.
type TwilioVerifier struct {
	keys []*urlsigKey
	url  string // the configured URL, cleaned
	alt  string // the same with the default port added or removed, or ""
}

// NewTwilio returns a verifier for Twilio requests signed with authToken.
// WithPublicURL is required: the webhook URL exactly as configured at
// Twilio, query included. WithSecrets adds further Auth Tokens (during a
// rotation, the secondary token before it is promoted). The scheme has no
// timestamp, so WithClock and WithTolerance are errors.
func NewTwilio(authToken string, opts ...VerifierOption) (*TwilioVerifier, error) {
	keys, u, err := urlsigConfig("twilio", "Auth Token", authToken, opts)
	if err != nil {
		return nil, err
	}
	clean := urlsigCleanURL(u)
	if q, err := url.ParseQuery(rawQuery(clean)); err == nil && q.Has(twilioBodyHashParam) {
		return nil, fmt.Errorf("%w: twilio: WithPublicURL must not carry bodySHA256, which Twilio adds per request", ErrInvalidOption)
	}
	return &TwilioVerifier{keys: keys, url: clean, alt: twilioAlternateURL(clean)}, nil
}

// rawQuery returns the query of a URL string without its fragment.
func rawQuery(s string) string {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	if i := strings.IndexByte(s, '?'); i >= 0 {
		return s[i+1:]
	}
	return ""
}

// Provider returns "twilio".
func (v *TwilioVerifier) Provider() string { return "twilio" }

// Verify checks d's X-Twilio-Signature and returns its one event.
func (v *TwilioVerifier) Verify(d *Delivery) ([]Event, error) {
	if d == nil {
		return nil, fmt.Errorf("%w: twilio: no delivery", ErrMissingSignature)
	}
	h := headerValue(d.Header, TwilioSignatureHeader)
	if h == "" {
		return nil, fmt.Errorf("%w: twilio: no %s header", ErrMissingSignature, TwilioSignatureHeader)
	}
	sig, err := urlsigDecodeSHA1("twilio", h)
	if err != nil {
		return nil, err
	}
	ct := headerValue(d.Header, "Content-Type")
	switch {
	case isMediaType(ct, "application/json"):
		sum := sha256.Sum256(d.Body)
		q := "?"
		if strings.Contains(v.url, "?") {
			q = "&"
		}
		tail := q + twilioBodyHashParam + "=" + hex.EncodeToString(sum[:])
		if !v.matchAny([]byte(tail), sig) {
			return nil, fmt.Errorf("%w: twilio: signature does not match the configured URL with the body's bodySHA256", ErrInvalidSignature)
		}
		return twilioJSONEvent(d, digestString(sum[:]))
	case isForm(ct):
		form, err := url.ParseQuery(string(d.Body))
		if err != nil {
			return nil, fmt.Errorf("%w: twilio: body is not form-encoded", ErrMalformedBody)
		}
		for name := range form {
			if name == "" || name[0] == '?' || name[0] == '&' {
				return nil, fmt.Errorf("%w: twilio: a form parameter has an empty name or one starting with ? or &", ErrMalformedBody)
			}
		}
		params := urlsigSortedParams(form)
		if !v.matchAny(params, sig) {
			return nil, fmt.Errorf("%w: twilio: signature does not match the configured URL and the parameters", ErrInvalidSignature)
		}
		dh := sha256.New()
		dh.Write([]byte(v.url))
		dh.Write(params)
		var sum [sha256.Size]byte
		return twilioFormEvent(d, form, digestString(dh.Sum(sum[:0])))
	}
	return nil, fmt.Errorf("%w: twilio: Content-Type is neither application/x-www-form-urlencoded nor application/json", ErrMalformedHeader)
}

// matchAny tries every key against the configured URL followed by suffix,
// with and without the default port.
func (v *TwilioVerifier) matchAny(suffix, sig []byte) bool {
	msg := urlsigMessage(make([]byte, 0, len(v.url)+len(suffix)+8), v.url, suffix)
	var altMsg []byte
	if v.alt != "" {
		altMsg = urlsigMessage(make([]byte, 0, len(v.alt)+len(suffix)), v.alt, suffix)
	}
	// Each comparison is constant-time; which key or URL form matched is
	// not secret, so the search stops at the first match.
	for _, k := range v.keys {
		if k.matches(msg, sig) || (altMsg != nil && k.matches(altMsg, sig)) {
			return true
		}
	}
	return false
}

// twilioAlternateURL returns the other form of a signed URL: with the
// scheme's default port added when it has no port, or with its port
// removed when it has one. It returns "" when there is no other form.
func twilioAlternateURL(s string) string {
	start, end := urlsigAuthority(s)
	if start < 0 {
		return ""
	}
	host := s[start:end]
	// The port follows the last colon, unless that colon is inside an IPv6
	// literal.
	if i := strings.LastIndexByte(host, ':'); i >= 0 && i > strings.LastIndexByte(host, ']') {
		return s[:start] + host[:i] + s[end:]
	}
	var port string
	switch strings.ToLower(s[:start-3]) {
	case "https":
		port = ":443"
	case "http":
		port = ":80"
	default:
		return ""
	}
	return s[:start] + host + port + s[end:]
}

// twilioIDFields are the (sid, status) parameter pairs that identify an
// event, most specific first.
var twilioIDFields = [...]struct{ sid, status, altStatus string }{
	{"RecordingSid", "RecordingStatus", ""},
	{"TranscriptionSid", "TranscriptionStatus", ""},
	{"MessageSid", "MessageStatus", "SmsStatus"},
	{"SmsSid", "SmsStatus", ""},
	{"CallSid", "CallStatus", ""},
}

// twilioIdentify derives an event's ID and type from its parameters; the
// ID is key when none identifies it.
func twilioIdentify(get func(string) string, key string) (id, typ string) {
	for _, f := range twilioIDFields {
		sid := get(f.sid)
		if sid == "" {
			continue
		}
		status := get(f.status)
		if status == "" && f.altStatus != "" {
			status = get(f.altStatus)
		}
		if status == "" {
			return sid, ""
		}
		return sid + ":" + status, status
	}
	return key, ""
}

// twilioTime parses the Timestamp parameter of Voice status callbacks
// ("Mon, 16 Aug 2010 03:45:01 +0000").
func twilioTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC1123Z, time.RFC1123, time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// twilioFormJSON writes a form as a JSON object with its names sorted: a name
// sent once maps to its value, one sent several times to an array of its
// values in the order received. sizeHint is the encoded form's length.
func twilioFormJSON(form url.Values, sizeHint int) []byte {
	names := make([]string, 0, len(form))
	for k := range form {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]byte, 0, sizeHint+4*len(form)+2)
	out = append(out, '{')
	for i, k := range names {
		if i > 0 {
			out = append(out, ',')
		}
		out = twilioAppendJSONString(out, k)
		out = append(out, ':')
		vs := form[k]
		if len(vs) == 1 {
			out = twilioAppendJSONString(out, vs[0])
			continue
		}
		out = append(out, '[')
		for j, v := range vs {
			if j > 0 {
				out = append(out, ',')
			}
			out = twilioAppendJSONString(out, v)
		}
		out = append(out, ']')
	}
	return append(out, '}')
}

// twilioAppendJSONString appends s as a JSON string. It escapes quotes,
// backslashes, control characters, U+2028 and U+2029, and writes invalid
// UTF-8 as U+FFFD, as encoding/json does (without its HTML escaping).
func twilioAppendJSONString(out []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	out = append(out, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			out = append(out, s[start:i]...)
			switch c {
			case '"', '\\':
				out = append(out, '\\', c)
			case '\n':
				out = append(out, '\\', 'n')
			case '\r':
				out = append(out, '\\', 'r')
			case '\t':
				out = append(out, '\\', 't')
			default:
				out = append(out, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			out = append(out, s[start:i]...)
			out = append(out, "\\ufffd"...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			out = append(out, s[start:i]...)
			out = append(out, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	out = append(out, s[start:]...)
	return append(out, '"')
}

func twilioFormEvent(d *Delivery, form url.Values, key string) ([]Event, error) {
	// Twilio's parameter names are ASCII. Two names that are not valid
	// UTF-8 could both become U+FFFD in Event.Data, giving it one member
	// twice, so such a form is refused rather than reshaped.
	for k := range form {
		if !utf8.ValidString(k) {
			return nil, fmt.Errorf("%w: twilio form parameter name is not valid UTF-8", ErrMalformedBody)
		}
	}
	data := twilioFormJSON(form, len(d.Body))
	id, typ := twilioIdentify(form.Get, key)
	return []Event{{
		Provider: "twilio",
		ID:       id,
		DedupKey: key,
		Type:     typ,
		Time:     twilioTime(form.Get("Timestamp")),
		Data:     data,
		Delivery: d,
	}}, nil
}

func twilioJSONEvent(d *Delivery, key string) ([]Event, error) {
	if !json.Valid(d.Body) {
		return nil, fmt.Errorf("%w: twilio: body is not JSON", ErrMalformedBody)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(d.Body, &obj); err != nil {
		var ute *json.UnmarshalTypeError
		if !errors.As(err, &ute) {
			return nil, fmt.Errorf("%w: twilio: body is not JSON", ErrMalformedBody)
		}
		obj = nil // a JSON array or scalar: no fields to read
	}
	get := func(name string) string {
		var s string
		if raw, ok := obj[name]; ok && json.Unmarshal(raw, &s) == nil {
			return s
		}
		return ""
	}
	id, typ := twilioIdentify(get, key)
	return []Event{{
		Provider: "twilio",
		ID:       id,
		DedupKey: key,
		Type:     typ,
		Time:     twilioTime(get("Timestamp")),
		Data:     json.RawMessage(append([]byte(nil), d.Body...)),
		Delivery: d,
	}}, nil
}
