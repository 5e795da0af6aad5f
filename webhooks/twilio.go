package webhooks

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"net/url"
	"sort"
	"strings"
	"sync"
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
// query parameter holding the hex SHA-256 of the body, signs the URL alone,
// and the verifier also checks the body against that hash.
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
// Event IDs come from the signed parameters, never from unsigned headers:
// "<Sid>:<Status>" from the first of RecordingSid/RecordingStatus,
// TranscriptionSid/TranscriptionStatus, MessageSid/MessageStatus (or
// SmsStatus), SmsSid/SmsStatus and CallSid/CallStatus that is present, so
// each status callback of a message or call is its own event. The event
// type is that status ("delivered", "received", "completed", ...). A
// delivery without any of these has the ID "sha256:" followed by the hex
// SHA-256 of its body and an empty type. Event.Time is the Timestamp
// parameter when Twilio sends one (Voice status callbacks) and zero
// otherwise. Event.Data is the form as a JSON object (a parameter sent
// several times becomes an array of strings) or the JSON body itself.
type TwilioVerifier struct {
	keys []*urlsigKey
	url  string
}

// urlsigKey is one accepted Auth Token with a pool of keyed HMAC-SHA1
// states, so that verifying does not rehash the key for every request.
type urlsigKey struct {
	pool sync.Pool
}

func newURLSigKey(secret string) *urlsigKey {
	key := []byte(secret)
	k := &urlsigKey{}
	k.pool.New = func() any { return hmac.New(sha1.New, key) }
	return k
}

func (k *urlsigKey) get() hash.Hash {
	h := k.pool.Get().(hash.Hash)
	h.Reset()
	return h
}

func (k *urlsigKey) put(h hash.Hash) { k.pool.Put(h) }

// matches reports whether the HMAC-SHA1 of msg equals sig, in constant
// time.
func (k *urlsigKey) matches(msg, sig []byte) bool {
	h := k.get()
	h.Write(msg)
	var sum [sha1.Size]byte
	ok := hmac.Equal(h.Sum(sum[:0]), sig)
	k.put(h)
	return ok
}

// urlsigMessage returns signedURL followed by suffix, reusing buf.
func urlsigMessage(buf []byte, signedURL string, suffix []byte) []byte {
	buf = append(buf[:0], signedURL...)
	return append(buf, suffix...)
}

// urlsigKeys builds the keys for a constructor's secret and the ones given
// through WithSecrets, rejecting empty ones.
func urlsigKeys(provider, secret string, extra []string) ([]*urlsigKey, error) {
	all := append([]string{secret}, extra...)
	keys := make([]*urlsigKey, 0, len(all))
	for i, s := range all {
		if s == "" {
			if i == 0 {
				return nil, fmt.Errorf("%w: %s needs a key", ErrEmptySecret, provider)
			}
			return nil, fmt.Errorf("%w: %s key %d given through WithSecrets is empty", ErrEmptySecret, provider, i)
		}
		keys = append(keys, newURLSigKey(s))
	}
	return keys, nil
}

// urlsigCheckURL rejects a URL that cannot be the address a provider
// signed: it must be absolute, http or https, with a host.
func urlsigCheckURL(provider, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("webhooks: %s: WithURL is not a valid URL", provider)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("webhooks: %s: WithURL must be an absolute http or https URL", provider)
	}
	return nil
}

// NewTwilio returns a verifier for Twilio requests signed with authToken.
// WithSecrets adds further Auth Tokens (during a rotation, the secondary
// token before it is promoted). WithURL sets the webhook URL as configured
// at Twilio; without it the verifier uses Delivery.URL, which behind a
// proxy must be the public address. WithClock and WithTolerance do not
// apply: the scheme has no timestamp.
func NewTwilio(authToken string, opts ...Option) (*TwilioVerifier, error) {
	o := newOptions(opts)
	keys, err := urlsigKeys("twilio", authToken, o.secrets)
	if err != nil {
		return nil, err
	}
	if o.url != "" {
		if err := urlsigCheckURL("twilio", o.url); err != nil {
			return nil, err
		}
	}
	return &TwilioVerifier{keys: keys, url: o.url}, nil
}

// Provider returns "twilio".
func (v *TwilioVerifier) Provider() string { return "twilio" }

// Verify checks d's X-Twilio-Signature and returns its one event.
func (v *TwilioVerifier) Verify(d *Delivery) ([]Event, error) {
	if d == nil {
		return nil, fmt.Errorf("%w: twilio: no delivery", ErrMissingSignature)
	}
	sig, err := twilioDecodeSignature(d.Header.Get(TwilioSignatureHeader))
	if err != nil {
		return nil, err
	}
	signedURL, err := v.signedURL(d)
	if err != nil {
		return nil, err
	}
	bodyHash, jsonBody, err := twilioBodyHash(signedURL)
	if err != nil {
		return nil, err
	}

	var (
		suffix []byte
		form   url.Values
	)
	if !jsonBody {
		form, err = url.ParseQuery(string(d.Body))
		if err != nil {
			return nil, fmt.Errorf("%w: twilio: body is not form-encoded", ErrMalformedBody)
		}
		suffix = urlsigSortedParams(form)
	}

	if !v.matchAny(signedURL, suffix, sig) {
		return nil, fmt.Errorf("%w: twilio: signature does not match the URL and parameters", ErrInvalidSignature)
	}
	if jsonBody {
		sum := sha256.Sum256(d.Body)
		if subtle.ConstantTimeCompare(sum[:], bodyHash) != 1 {
			return nil, fmt.Errorf("%w: twilio: body does not match bodySHA256", ErrInvalidSignature)
		}
		return twilioJSONEvent(d)
	}
	return twilioFormEvent(d, form)
}

// matchAny tries every key against the URL as given and with the default
// port added or the port removed.
func (v *TwilioVerifier) matchAny(signedURL string, suffix, sig []byte) bool {
	msg := urlsigMessage(make([]byte, 0, len(signedURL)+len(suffix)+8), signedURL, suffix)
	var altMsg []byte
	if alt := twilioAlternateURL(signedURL); alt != "" {
		altMsg = urlsigMessage(make([]byte, 0, len(alt)+len(suffix)), alt, suffix)
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

// signedURL returns the URL the request was signed over: from the scheme
// through the end of the query string, as Twilio documents, so without
// user information or fragment (Twilio's connection overrides live in the
// fragment of a configured URL). With WithURL it is the configured URL, to
// which the bodySHA256 parameter of the request URL is appended when the
// configured one lacks it (Twilio appends it to the configured URL when it
// calls).
func (v *TwilioVerifier) signedURL(d *Delivery) (string, error) {
	if v.url == "" {
		if d.URL == nil || d.URL.Scheme == "" || d.URL.Host == "" {
			return "", fmt.Errorf("%w: twilio: no absolute URL to verify against: set WithURL or Delivery.URL", ErrInvalidSignature)
		}
		return twilioCleanURL(d.URL.String()), nil
	}
	s := twilioCleanURL(v.url)
	if d.URL == nil {
		return s, nil
	}
	h, ok := twilioQueryValue(d.URL.RawQuery, twilioBodyHashParam)
	if !ok {
		return s, nil
	}
	if _, has := twilioQueryValue(twilioRawQuery(s), twilioBodyHashParam); has {
		return s, nil
	}
	sep := "?"
	if strings.Contains(s, "?") {
		sep = "&"
	}
	return s + sep + twilioBodyHashParam + "=" + url.QueryEscape(h), nil
}

// twilioCleanURL drops the user information and the fragment of a URL.
func twilioCleanURL(s string) string {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	return urlsigStripUserinfo(s)
}

// twilioDecodeSignature decodes a base64 HMAC-SHA1 signature header.
func twilioDecodeSignature(h string) ([]byte, error) {
	if h == "" {
		return nil, fmt.Errorf("%w: twilio: no %s header", ErrMissingSignature, TwilioSignatureHeader)
	}
	return urlsigDecodeSHA1("twilio", h)
}

// urlsigDecodeSHA1 decodes a standard base64 HMAC-SHA1 signature.
func urlsigDecodeSHA1(provider, h string) ([]byte, error) {
	h = strings.TrimSpace(h)
	if len(h) != base64.StdEncoding.EncodedLen(sha1.Size) {
		return nil, fmt.Errorf("%w: %s signature is not a base64 HMAC-SHA1", ErrMalformedHeader, provider)
	}
	sig := make([]byte, sha1.Size+2)
	n, err := base64.StdEncoding.Decode(sig, []byte(h))
	if err != nil || n != sha1.Size {
		return nil, fmt.Errorf("%w: %s signature is not a base64 HMAC-SHA1", ErrMalformedHeader, provider)
	}
	return sig[:n], nil
}

// twilioBodyHash reports whether the signed URL carries bodySHA256 and, if
// so, its decoded value.
func twilioBodyHash(signedURL string) ([]byte, bool, error) {
	v, ok := twilioQueryValue(twilioRawQuery(signedURL), twilioBodyHashParam)
	if !ok {
		return nil, false, nil
	}
	b, err := hex.DecodeString(v)
	if err != nil || len(b) != sha256.Size {
		return nil, true, fmt.Errorf("%w: twilio: bodySHA256 is not a hex SHA-256", ErrMalformedHeader)
	}
	return b, true, nil
}

// twilioRawQuery returns the query of a URL string, without the fragment.
func twilioRawQuery(s string) string {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	if i := strings.IndexByte(s, '?'); i >= 0 {
		return s[i+1:]
	}
	return ""
}

// twilioQueryValue returns the first value of name in a raw query, decoded.
// Pairs that do not decode are skipped.
func twilioQueryValue(rawQuery, name string) (string, bool) {
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		k, val, _ := strings.Cut(pair, "=")
		k, err := url.QueryUnescape(k)
		if err != nil || k != name {
			continue
		}
		val, err = url.QueryUnescape(val)
		if err != nil {
			continue
		}
		return val, true
	}
	return "", false
}

// urlsigStripUserinfo removes "user:password@" from the authority of a URL
// string, leaving every other byte as it was.
func urlsigStripUserinfo(s string) string {
	start, end := urlsigAuthority(s)
	if start < 0 {
		return s
	}
	auth := s[start:end]
	if i := strings.LastIndexByte(auth, '@'); i >= 0 {
		return s[:start] + auth[i+1:] + s[end:]
	}
	return s
}

// urlsigAuthority returns the bounds of the authority ("host:port") of an
// absolute URL string, or -1 when there is none.
func urlsigAuthority(s string) (int, int) {
	i := strings.Index(s, "://")
	if i < 0 {
		return -1, -1
	}
	start := i + 3
	end := len(s)
	if j := strings.IndexAny(s[start:], "/?#"); j >= 0 {
		end = start + j
	}
	return start, end
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

// urlsigSortedParams returns the parameters in Twilio's signed order: by
// name in byte order, each distinct value of a name in byte order, each as
// name followed by value.
func urlsigSortedParams(form url.Values) []byte {
	if len(form) == 0 {
		return nil
	}
	names := make([]string, 0, len(form))
	size := 0
	for k, vs := range form {
		names = append(names, k)
		for _, v := range vs {
			size += len(k) + len(v)
		}
	}
	sort.Strings(names)
	out := make([]byte, 0, size)
	for _, k := range names {
		vs := form[k]
		if len(vs) == 1 {
			out = append(out, k...)
			out = append(out, vs[0]...)
			continue
		}
		sorted := append([]string(nil), vs...)
		sort.Strings(sorted)
		for i, v := range sorted {
			if i > 0 && v == sorted[i-1] {
				continue
			}
			out = append(out, k...)
			out = append(out, v...)
		}
	}
	return out
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

// twilioIdentify derives an event's ID and type from its parameters.
func twilioIdentify(get func(string) string, body []byte) (id, typ string) {
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
	sum := sha256.Sum256(body)
	return "sha256:" + hex.EncodeToString(sum[:]), ""
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

func twilioFormEvent(d *Delivery, form url.Values) ([]Event, error) {
	data := twilioFormJSON(form, len(d.Body))
	id, typ := twilioIdentify(form.Get, d.Body)
	return []Event{{
		Provider: "twilio",
		ID:       id,
		Type:     typ,
		Time:     twilioTime(form.Get("Timestamp")),
		Data:     data,
		Delivery: d,
	}}, nil
}

func twilioJSONEvent(d *Delivery) ([]Event, error) {
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
	id, typ := twilioIdentify(get, d.Body)
	return []Event{{
		Provider: "twilio",
		ID:       id,
		Type:     typ,
		Time:     twilioTime(get("Timestamp")),
		Data:     json.RawMessage(append([]byte(nil), d.Body...)),
		Delivery: d,
	}}, nil
}
