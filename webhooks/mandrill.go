package webhooks

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/switchboard-go/switchboard/webhooks/internal/jsonscan"
)

// MandrillSignatureHeader is the header that carries the signature of a
// Mailchimp Transactional (Mandrill) webhook.
const MandrillSignatureHeader = "X-Mandrill-Signature"

// mandrillEventsField is the single POST field of a Mandrill webhook.
const mandrillEventsField = "mandrill_events"

// MandrillVerifier checks Mailchimp Transactional (Mandrill) webhooks.
//
// Mandrill signs the webhook URL exactly as entered in its settings
// (including any query string; a trailing slash matters), followed by every
// POST variable sorted by key with its key and value appended with no
// delimiter. The signature is the base64 HMAC-SHA1 of that string keyed
// with the webhook's authentication key. The body is form-encoded with one
// field, mandrill_events, a JSON array of up to 1,000 events; the verifier
// returns one Event per element.
//
// An event's ID is its "_id"; an element without one (sync and inbound
// events carry none) gets "<ts>:<event>:<msg._id>" when it has an event
// name and a message ID, and otherwise "sha256:" followed by the hex
// SHA-256 of the element's JSON. Its type is "event" ("send", "open",
// "hard_bounce", "inbound", ...) or, for sync events, "<type>.<action>"
// ("denylist.add", "whitelist.remove"). Its time is "ts", Unix seconds.
//
// Mandrill checks a new webhook URL with an unsigned HEAD request before it
// reveals the key; ProbesWithHead tells the handler to answer it.
type MandrillVerifier struct {
	keys []*urlsigKey
	url  string
}

// NewMandrill returns a verifier for Mandrill webhooks signed with
// webhookKey, the key shown for the webhook in Mandrill's settings.
// WithPublicURL is required: the webhook URL exactly as entered at
// Mandrill (the signature covers it, so a URL taken from the request is
// never used). WithSecrets adds further keys (rotation). The scheme has no
// timestamp, so WithClock and WithTolerance are errors.
func NewMandrill(webhookKey string, opts ...VerifierOption) (*MandrillVerifier, error) {
	keys, u, err := urlsigConfig("mandrill", "webhook key", webhookKey, opts)
	if err != nil {
		return nil, err
	}
	return &MandrillVerifier{keys: keys, url: u}, nil
}

// Provider returns "mandrill".
func (v *MandrillVerifier) Provider() string { return "mandrill" }

// ProbesWithHead reports true: Mandrill sends an unsigned HEAD request to a
// webhook URL when it is added, and the handler must answer it with 200.
// It implements HeadProber.
func (v *MandrillVerifier) ProbesWithHead() bool { return true }

// Verify checks d's X-Mandrill-Signature and returns the events of its
// batch.
func (v *MandrillVerifier) Verify(d *Delivery) ([]Event, error) {
	if d == nil {
		return nil, fmt.Errorf("%w: mandrill: no delivery", ErrMissingSignature)
	}
	h := headerValue(d.Header, MandrillSignatureHeader)
	if h == "" {
		return nil, fmt.Errorf("%w: mandrill: no %s header", ErrMissingSignature, MandrillSignatureHeader)
	}
	sig, err := urlsigDecodeSHA1("mandrill", h)
	if err != nil {
		return nil, err
	}
	signedURL := v.url
	form, err := url.ParseQuery(string(d.Body))
	if err != nil {
		return nil, fmt.Errorf("%w: mandrill: body is not form-encoded", ErrMalformedBody)
	}
	msg := urlsigMessage(nil, signedURL, urlsigSortedParams(form))
	ok := false
	for _, k := range v.keys {
		if k.matches(msg, sig) {
			ok = true
		}
	}
	if !ok {
		return nil, fmt.Errorf("%w: mandrill: signature does not match the URL and fields", ErrInvalidSignature)
	}
	raw, present := form[mandrillEventsField]
	if !present || len(raw) != 1 {
		return nil, fmt.Errorf("%w: mandrill: want exactly one mandrill_events field", ErrMalformedBody)
	}
	return mandrillEvents(d, []byte(raw[0]))
}

var mandrillFields = jsonscan.NewFields("_id", "event", "ts", "type", "action", "msg", "msg._id")

// mandrillEvents parses the mandrill_events JSON array in one pass that
// validates it whole, and reads the members of each element the way
// encoding/json decodes them into a struct: names match
// case-insensitively, null leaves a field empty, a value of the wrong kind
// rejects the element, and a member given twice rejects the batch.
func mandrillEvents(d *Delivery, batch []byte) ([]Event, error) {
	if t := bytes.TrimSpace(batch); string(t) == "null" {
		return []Event{}, nil // no events, as encoding/json reads it
	}
	events := make([]Event, 0, 1)
	var vals [7][]byte
	err := mandrillFields.ReadArray(batch, vals[:], func(el []byte, vals [][]byte) error {
		n := len(events)
		var strs [4]string // _id, event, type, action
		for i, j := range [4]int{0, 1, 3, 4} {
			s, ok := jsonscan.String(vals[j])
			if vals[j] != nil && !ok {
				return fmt.Errorf("%w: mandrill: event %d has a member of the wrong kind", ErrMalformedBody, n)
			}
			strs[i] = s
		}
		id, event, typ, action := strs[0], strs[1], strs[2], strs[3]
		ts, ok := mandrillNumber(vals[2])
		if !ok {
			return fmt.Errorf("%w: mandrill: event %d has a ts that is not a number", ErrMalformedBody, n)
		}
		if m := vals[5]; m != nil && m[0] != '{' && m[0] != 'n' {
			return fmt.Errorf("%w: mandrill: event %d has a msg that is not an object", ErrMalformedBody, n)
		}
		msgID, ok := jsonscan.String(vals[6])
		if vals[6] != nil && !ok {
			return fmt.Errorf("%w: mandrill: event %d has a msg._id that is not a string", ErrMalformedBody, n)
		}
		name := event
		if name == "" && typ != "" && action != "" {
			name = typ + "." + action // sync events: "denylist.add"
		}
		switch {
		case id != "":
		case event != "" && msgID != "":
			id = ts + ":" + event + ":" + msgID
		default:
			sum := sha256.Sum256(el)
			id = "sha256:" + hex.EncodeToString(sum[:])
		}
		events = append(events, Event{
			Provider: "mandrill",
			ID:       id,
			DedupKey: id, // every part comes from the signed form
			Type:     name,
			Time:     mandrillUnixTime(json.Number(ts)),
			Data:     el[:len(el):len(el)],
			Delivery: d,
		})
		return nil
	})
	if err != nil {
		return nil, jsonError("mandrill", "mandrill_events", err)
	}
	return events, nil
}

// mandrillNumber reads a value the way encoding/json stores it in a
// json.Number: a number as written, a string holding a valid number, null
// as "".
func mandrillNumber(raw []byte) (string, bool) {
	if raw == nil || raw[0] == 'n' {
		return "", true
	}
	s, ok := jsonscan.Scalar(raw)
	if !ok {
		return "", false
	}
	if raw[0] == '"' && !validJSONNumber(s) {
		return "", false
	}
	return s, true
}

// validJSONNumber reports whether s is a number in JSON's grammar.
func validJSONNumber(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	switch {
	case s == "":
		return false
	case s[0] == '0':
		s = s[1:]
	case s[0] >= '1' && s[0] <= '9':
		s = s[1:]
		for s != "" && s[0] >= '0' && s[0] <= '9' {
			s = s[1:]
		}
	default:
		return false
	}
	if len(s) >= 2 && s[0] == '.' && s[1] >= '0' && s[1] <= '9' {
		s = s[2:]
		for s != "" && s[0] >= '0' && s[0] <= '9' {
			s = s[1:]
		}
	}
	if len(s) >= 2 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s[0] == '+' || s[0] == '-' {
			s = s[1:]
			if s == "" {
				return false
			}
		}
		for s != "" && s[0] >= '0' && s[0] <= '9' {
			s = s[1:]
		}
	}
	return s == ""
}

// mandrillUnixTime reads Unix seconds from a JSON number, with or without a
// fraction. It returns the zero time for anything else.
func mandrillUnixTime(n json.Number) time.Time {
	if n == "" {
		return time.Time{}
	}
	if s, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return time.Unix(s, 0).UTC()
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f < 0 || f > 1e12 {
		return time.Time{}
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
}
