package webhooks

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"
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
// WithSecrets adds further keys (rotation). WithURL sets the webhook URL
// exactly as entered at Mandrill; without it the verifier uses
// Delivery.URL. WithClock and WithTolerance do not apply: the scheme has no
// timestamp.
func NewMandrill(webhookKey string, opts ...Option) (*MandrillVerifier, error) {
	o := newOptions(opts)
	keys, err := urlsigKeys("mandrill", webhookKey, o.secrets)
	if err != nil {
		return nil, err
	}
	if o.url != "" {
		if err := urlsigCheckURL("mandrill", o.url); err != nil {
			return nil, err
		}
	}
	return &MandrillVerifier{keys: keys, url: o.url}, nil
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
	h := d.Header.Get(MandrillSignatureHeader)
	if h == "" {
		return nil, fmt.Errorf("%w: mandrill: no %s header", ErrMissingSignature, MandrillSignatureHeader)
	}
	sig, err := urlsigDecodeSHA1("mandrill", h)
	if err != nil {
		return nil, err
	}
	signedURL := v.url
	if signedURL == "" {
		if d.URL == nil || d.URL.Scheme == "" || d.URL.Host == "" {
			return nil, fmt.Errorf("%w: mandrill: no absolute URL to verify against: set WithURL or Delivery.URL", ErrInvalidSignature)
		}
		signedURL = d.URL.String()
	}
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

// mandrillEvent holds the fields of a batch element that identify it.
type mandrillEvent struct {
	ID     string
	Event  string
	TS     string
	Type   string
	Action string
	MsgID  string
}

// Members of a batch element the verifier reads.
const (
	mdOther = iota
	mdID
	mdEvent
	mdTS
	mdType
	mdAction
	mdMsg
)

var mdNames = [...]string{mdID: "_id", mdEvent: "event", mdTS: "ts", mdType: "type", mdAction: "action", mdMsg: "msg"}

// mandrillEvents parses the mandrill_events JSON array. It reads the
// elements with the package's scanner after one validity check of the
// whole array, and decodes the members it needs the way encoding/json
// decodes them into a struct: names match case-insensitively, a later
// member overrides an earlier one, null leaves a field as it was, and a
// value of the wrong kind rejects the element.
func mandrillEvents(d *Delivery, batch []byte) ([]Event, error) {
	if !json.Valid(batch) {
		return nil, fmt.Errorf("%w: mandrill: mandrill_events is not a JSON array", ErrMalformedBody)
	}
	i := skipSpace(batch, 0)
	if batch[i] != '[' && batch[i] != 'n' {
		return nil, fmt.Errorf("%w: mandrill: mandrill_events is not a JSON array", ErrMalformedBody)
	}
	events := make([]Event, 0, 1)
	if batch[i] == 'n' { // null: no events, as encoding/json reads it
		return events, nil
	}
	i = skipSpace(batch, i+1)
	for n := 0; batch[i] != ']'; n++ {
		var m mandrillEvent
		end := -1
		if batch[i] == '{' {
			end = walkObject(batch, i, m.member)
		}
		if end < 0 {
			return nil, fmt.Errorf("%w: mandrill: event %d is not an event object", ErrMalformedBody, n)
		}
		el := batch[i:end:end]
		ts := mandrillUnixTime(json.Number(m.TS))
		typ := m.Event
		if typ == "" && m.Type != "" && m.Action != "" {
			typ = m.Type + "." + m.Action
		}
		id := m.ID
		switch {
		case id != "":
		case m.Event != "" && m.MsgID != "":
			id = m.TS + ":" + m.Event + ":" + m.MsgID
		default:
			sum := sha256.Sum256(el)
			id = "sha256:" + hex.EncodeToString(sum[:])
		}
		events = append(events, Event{
			Provider: "mandrill",
			ID:       id,
			Type:     typ,
			Time:     ts,
			Data:     el,
			Delivery: d,
		})
		i = skipSpace(batch, end)
		if batch[i] == ',' {
			i = skipSpace(batch, i+1)
		}
	}
	return events, nil
}

// member reads one member of a batch element into m; it reports false
// when the value has a kind its field cannot hold.
func (m *mandrillEvent) member(k, v []byte) bool {
	var dst *string
	switch jsonFieldIndex(k, mdNames[:]) {
	case mdID:
		dst = &m.ID
	case mdEvent:
		dst = &m.Event
	case mdType:
		dst = &m.Type
	case mdAction:
		dst = &m.Action
	case mdTS:
		return jsonNumberInto(v, &m.TS)
	case mdMsg:
		switch v[0] {
		case 'n':
			return true
		case '{':
			ok := true
			scanObject(v, func(k, v []byte) bool {
				if jsonFieldIndex(k, mdNames[:mdID+1]) == mdID {
					ok = jsonStringInto(v, &m.MsgID)
				}
				return ok
			})
			return ok
		}
		return false
	default:
		return true
	}
	return jsonStringInto(v, dst)
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
