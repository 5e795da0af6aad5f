package email

import (
	"fmt"
	"mime"
	"net/mail"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultMaxSize is the default limit on a message's total content size,
// in bytes: 25 MiB. See WithMaxSize.
const DefaultMaxSize = 25 << 20

// ValidateOption configures Validate.
type ValidateOption func(*validateConfig)

type validateConfig struct {
	maxSize int64
}

// WithMaxSize sets the largest total content size Validate accepts, in
// bytes. The size counts the subject, the text and HTML bodies, header
// names and values, and attachment data before any transfer encoding
// (base64 adds about a third on the wire). A value of zero or less keeps
// DefaultMaxSize.
func WithMaxSize(n int64) ValidateOption {
	return func(c *validateConfig) {
		if n > 0 {
			c.maxSize = n
		}
	}
}

// reservedHeaders are set from Message fields or by the sender itself and
// may not appear in Message.Headers.
var reservedHeaders = map[string]bool{
	"From":                      true,
	"To":                        true,
	"Cc":                        true,
	"Bcc":                       true,
	"Reply-To":                  true,
	"Subject":                   true,
	"Sender":                    true,
	"Content-Type":              true,
	"Content-Transfer-Encoding": true,
	"Mime-Version":              true,
	"Date":                      true,
}

// Validate reports whether m is safe to hand to a provider. It is
// shorthand for Validate(m) with the default options.
func (m *Message) Validate() error { return Validate(m) }

// Validate checks m before anything is sent:
//
//   - From and every To, Cc, Bcc and ReplyTo entry is one RFC 5322 address
//     as parsed by net/mail ("Ada <ada@example.com>" or "ada@example.com");
//   - there is at least one recipient in To, Cc or Bcc;
//   - no header value or name holds CR, LF or NUL: From, the recipients,
//     Subject, custom header names and values, attachment file names,
//     content types and content IDs, tags and metadata keys; header names
//     are RFC 7230 tokens and do not name a header the sender sets itself
//     (From, To, Subject, Content-Type, ...); a Message-ID header, which
//     senders that can use it honour, looks like <left@right>;
//   - Text or HTML is set;
//   - the total size stays under the limit (DefaultMaxSize unless
//     WithMaxSize says otherwise).
//
// A failure is a *ValidationError naming the first invalid field, which
// unwraps to ErrInvalidMessage.
func Validate(m *Message, opts ...ValidateOption) error {
	cfg := validateConfig{maxSize: DefaultMaxSize}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if m == nil {
		return invalid("Message", "message is nil")
	}
	if _, err := ParseAddresses(m); err != nil {
		return err
	}
	if err := checkHeaderValue("Subject", m.Subject); err != nil {
		return err
	}
	if m.Text == "" && m.HTML == "" {
		return invalid("Text", "the message needs a Text or an HTML body")
	}
	size := int64(len(m.Subject) + len(m.Text) + len(m.HTML))
	for _, name := range SortedKeys(m.Headers) {
		value := m.Headers[name]
		field := headerField(name)
		if !ValidHeaderName(name) {
			return invalid(field, "header name must be a token of letters, digits and !#$%&'*+-.^_`|~")
		}
		if reservedHeaders[CanonicalHeaderName(name)] {
			return invalid(field, "header is set from the message fields and cannot be overridden")
		}
		if err := checkHeaderValue(field, value); err != nil {
			return err
		}
		if CanonicalHeaderName(name) == "Message-Id" && !validMessageID(value) {
			return invalid(field, "Message-ID must look like <left@right>")
		}
		size += int64(len(name) + len(value))
	}
	cids := make(map[string]bool)
	for i, a := range m.Attachments {
		prefix := "Attachments[" + strconv.Itoa(i) + "]"
		if a.Filename == "" {
			return invalid(prefix+".Filename", "file name is required")
		}
		if err := checkHeaderValue(prefix+".Filename", a.Filename); err != nil {
			return err
		}
		if a.ContentType != "" {
			if err := checkHeaderValue(prefix+".ContentType", a.ContentType); err != nil {
				return err
			}
			if _, _, err := mime.ParseMediaType(a.ContentType); err != nil {
				return invalid(prefix+".ContentType", "not a MIME media type")
			}
		}
		if a.ContentID != "" {
			if err := checkContentID(a.ContentID); err != nil {
				return invalid(prefix+".ContentID", err.Error())
			}
			if cids[a.ContentID] {
				return invalid(prefix+".ContentID", "content ID is used twice")
			}
			cids[a.ContentID] = true
		}
		size += int64(len(a.Filename) + len(a.ContentType) + len(a.Data))
	}
	for i, tag := range m.Tags {
		field := "Tags[" + strconv.Itoa(i) + "]"
		if tag == "" {
			return invalid(field, "tag is empty")
		}
		if err := checkHeaderValue(field, tag); err != nil {
			return err
		}
		size += int64(len(tag))
	}
	for _, k := range SortedKeys(m.Metadata) {
		v := m.Metadata[k]
		field := "Metadata[" + safeName(k) + "]"
		if k == "" {
			return invalid(field, "metadata key is empty")
		}
		if err := checkHeaderValue(field, k); err != nil {
			return err
		}
		if strings.ContainsRune(v, 0) || !utf8.ValidString(v) {
			return invalid(field, "metadata value holds NUL or invalid UTF-8")
		}
		size += int64(len(k) + len(v))
	}
	if size > cfg.maxSize {
		return invalid("Message", fmt.Sprintf("content is %d bytes, over the %d byte limit", size, cfg.maxSize))
	}
	return nil
}

// Addresses are a message's addresses, parsed.
type Addresses struct {
	From    *mail.Address
	To      []*mail.Address
	Cc      []*mail.Address
	Bcc     []*mail.Address
	ReplyTo []*mail.Address
}

// Recipients returns the bare addresses of every To, Cc and Bcc
// recipient, in that order, without duplicates (compared case-insensitively).
// They form the SMTP envelope.
func (a *Addresses) Recipients() []string {
	seen := make(map[string]bool)
	var out []string
	for _, list := range [][]*mail.Address{a.To, a.Cc, a.Bcc} {
		for _, addr := range list {
			k := strings.ToLower(addr.Address)
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, addr.Address)
		}
	}
	return out
}

// ParseAddresses parses and checks every address of m. It fails with a
// *ValidationError naming the field ("From", "To[1]", ...) when an address
// does not parse, holds CR, LF or NUL, or when there is no recipient.
func ParseAddresses(m *Message) (*Addresses, error) {
	if m == nil {
		return nil, invalid("Message", "message is nil")
	}
	if strings.TrimSpace(m.From) == "" {
		return nil, invalid("From", "sender address is required")
	}
	from, err := ParseAddress("From", m.From)
	if err != nil {
		return nil, err
	}
	a := &Addresses{From: from}
	lists := []struct {
		name string
		in   []string
		out  *[]*mail.Address
	}{
		{"To", m.To, &a.To},
		{"Cc", m.Cc, &a.Cc},
		{"Bcc", m.Bcc, &a.Bcc},
		{"ReplyTo", m.ReplyTo, &a.ReplyTo},
	}
	for _, l := range lists {
		for i, s := range l.in {
			addr, err := ParseAddress(l.name+"["+strconv.Itoa(i)+"]", s)
			if err != nil {
				return nil, err
			}
			*l.out = append(*l.out, addr)
		}
	}
	if len(a.To)+len(a.Cc)+len(a.Bcc) == 0 {
		return nil, invalid("To", "at least one recipient in To, Cc or Bcc is required")
	}
	return a, nil
}

// ParseAddress parses one RFC 5322 address with net/mail, refusing CR, LF
// and NUL anywhere in s. field names the field in the *ValidationError it
// returns.
func ParseAddress(field, s string) (*mail.Address, error) {
	if err := checkHeaderValue(field, s); err != nil {
		return nil, err
	}
	addr, err := mail.ParseAddress(s)
	if err != nil {
		return nil, invalid(field, "not an RFC 5322 address")
	}
	if err := checkHeaderValue(field, addr.Name); err != nil {
		return nil, err
	}
	at := strings.LastIndexByte(addr.Address, '@')
	if at <= 0 || at == len(addr.Address)-1 {
		return nil, invalid(field, "address needs a local part and a domain")
	}
	return addr, nil
}

// ValidHeaderName reports whether name is a non-empty RFC 7230 token,
// the form every header name must have ("X-Campaign", "List-Unsubscribe").
func ValidHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			return false
		}
	}
	return true
}

// CanonicalHeaderName returns the canonical form of a header name
// ("x-tag" becomes "X-Tag"), as net/textproto writes it.
func CanonicalHeaderName(name string) string {
	parts := strings.Split(strings.ToLower(name), "-")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "-")
}

// SortedKeys returns the keys of m in sorted order, so senders can emit
// headers and metadata deterministically.
func SortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// checkHeaderValue refuses CR, LF, NUL and invalid UTF-8 in a value that
// ends up in a header.
func checkHeaderValue(field, v string) error {
	if i := strings.IndexAny(v, "\r\n\x00"); i >= 0 {
		switch v[i] {
		case '\r':
			return invalid(field, "contains a carriage return (CR)")
		case '\n':
			return invalid(field, "contains a line feed (LF)")
		default:
			return invalid(field, "contains a NUL byte")
		}
	}
	if !utf8.ValidString(v) {
		return invalid(field, "is not valid UTF-8")
	}
	return nil
}

// checkContentID accepts the id-left@id-right or bare-token forms used in
// cid: URLs, without the angle brackets.
func checkContentID(id string) error {
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c <= ' ' || c >= 0x7f {
			return fmt.Errorf("content ID must be printable ASCII without spaces")
		}
		if strings.IndexByte(`<>()[]\",;:`, c) >= 0 {
			return fmt.Errorf("content ID must not hold <>()[]\\\",;: (give it without angle brackets)")
		}
	}
	return nil
}

// validMessageID accepts "<left@right>" or "left@right" made of printable
// ASCII without spaces or angle brackets inside.
func validMessageID(v string) bool {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "<") != strings.HasSuffix(v, ">") {
		return false
	}
	v = strings.TrimSuffix(strings.TrimPrefix(v, "<"), ">")
	left, right, ok := strings.Cut(v, "@")
	if !ok || left == "" || right == "" || strings.Contains(right, "@") {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c >= 0x7f || c == '<' || c == '>' {
			return false
		}
	}
	return true
}

// headerField names a custom header in a ValidationError, quoting names
// that are not tokens so hostile input is never echoed raw.
func headerField(name string) string {
	return "Headers[" + safeName(name) + "]"
}

func safeName(s string) string {
	if ValidHeaderName(s) {
		return s
	}
	q := strconv.QuoteToASCII(s)
	if len(q) > 66 {
		q = q[:62] + `..."`
	}
	return q
}

func invalid(field, reason string) *ValidationError {
	return &ValidationError{Field: field, Reason: reason}
}
