package sms

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxLength is the longest body a Sender of this module accepts, in UTF-16
// code units: 1,600, the limit Twilio documents for the Messages API
// (Africa's Talking documents none). Limits.MaxLength can lower it.
const MaxLength = 1600

// Bounds Validate enforces on the other fields.
const (
	// MaxMetadata is the most Metadata entries a Message may carry.
	MaxMetadata = 32
	// MaxMetadataKeyLen and MaxMetadataValueLen bound a Metadata entry,
	// in bytes.
	MaxMetadataKeyLen   = 64
	MaxMetadataValueLen = 512
	// MaxURLLen bounds StatusCallback and each media URL, in bytes.
	MaxURLLen = 2048
)

// Limits is what a provider accepts, for Validate. Each Sender validates
// with its provider's Limits (twiliosms.Limits, africastalkingsms.Limits).
type Limits struct {
	// Provider names the provider in reasons ("twilio").
	Provider string
	// MaxLength is the longest body in UTF-16 code units; zero means
	// MaxLength.
	MaxLength int
	// MaxMediaURLs is how many MediaURLs a message may carry; zero means
	// the provider takes no media and any MediaURLs are refused.
	MaxMediaURLs int
	// MessagingService reports whether the provider takes a
	// Message.MessagingService (Twilio).
	MessagingService bool
	// StatusCallback reports whether the provider takes a status callback
	// URL per message (Twilio); Africa's Talking reads it from its
	// dashboard.
	StatusCallback bool
	// RequireSender reports whether a message needs From or
	// MessagingService after the Sender's defaults are applied (Twilio
	// does; Africa's Talking falls back to its shared sender).
	RequireSender bool
}

// Validate checks m against what every provider requires and what l says
// this one accepts, before anything is sent:
//
//   - To is an E.164 number: "+", a country code that does not start with
//     0, and 7 to 15 digits in all, nothing else (no spaces or dashes);
//   - From, when set, is an E.164 number, a short code (3 to 8 digits) or
//     an alphanumeric sender ID (1 to 11 of A-Z, a-z, 0-9, space, + - _ &,
//     with at least one letter and no space at either end);
//     MessagingService, when set, is "MG" and 32 hex digits, exclusive
//     with From, and allowed only where l says so;
//   - Body is valid UTF-8 without NUL or other control characters (LF, CR
//     and tab are allowed), not empty or only white space unless MediaURLs
//     are given, and at most l.MaxLength UTF-16 code units;
//   - MediaURLs and StatusCallback are allowed only where l says so, and
//     each is an absolute http or https URL with a host (no underscore in
//     a status callback's host, which Twilio refuses), at most MaxURLLen
//     bytes, without CR, LF, NUL or spaces;
//   - Metadata and IdempotencyKey stay within their bounds and hold no
//     control characters.
//
// It returns the body's Segments. A failure is a *ValidationError naming
// the first invalid field; it matches ErrInvalidMessage, and
// ErrInvalidNumber for a phone number. Reasons never quote the value.
func Validate(m *Message, l Limits) (Segments, error) {
	if m == nil {
		return Segments{}, &ValidationError{Field: "Message", Reason: "is nil"}
	}
	if err := checkNumberField("To", m.To); err != nil {
		return Segments{}, err
	}
	if m.From != "" && m.MessagingService != "" {
		return Segments{}, &ValidationError{Field: "MessagingService", Reason: "is exclusive with From: give one"}
	}
	if m.From != "" {
		if err := CheckSender(m.From); err != nil {
			return Segments{}, err
		}
	}
	if m.MessagingService != "" {
		if !l.MessagingService {
			return Segments{}, &ValidationError{Field: "MessagingService", Reason: "is not supported by " + providerName(l)}
		}
		if !validServiceSID(m.MessagingService) {
			return Segments{}, &ValidationError{Field: "MessagingService", Reason: `must be "MG" followed by 32 hexadecimal digits`}
		}
	}
	if l.RequireSender && m.From == "" && m.MessagingService == "" {
		return Segments{}, &ValidationError{Field: "From", Reason: providerName(l) + " needs a sender: set From or MessagingService (or the sender's default)"}
	}
	if len(m.MediaURLs) > 0 {
		if l.MaxMediaURLs == 0 {
			return Segments{}, &ValidationError{Field: "MediaURLs", Reason: "media is not supported by " + providerName(l)}
		}
		if len(m.MediaURLs) > l.MaxMediaURLs {
			return Segments{}, &ValidationError{Field: "MediaURLs", Reason: "more than " + strconv.Itoa(l.MaxMediaURLs) + " URLs"}
		}
		for i, u := range m.MediaURLs {
			if r := checkURL(u, false); r != "" {
				return Segments{}, &ValidationError{Field: "MediaURLs[" + strconv.Itoa(i) + "]", Reason: r}
			}
		}
	}
	if m.StatusCallback != "" {
		if !l.StatusCallback {
			return Segments{}, &ValidationError{Field: "StatusCallback", Reason: providerName(l) + " takes its delivery-report URL from its dashboard, not per message"}
		}
		if r := checkURL(m.StatusCallback, true); r != "" {
			return Segments{}, &ValidationError{Field: "StatusCallback", Reason: r}
		}
	}
	if err := checkBody(m.Body, len(m.MediaURLs) > 0); err != nil {
		return Segments{}, err
	}
	seg := CountSegments(m.Body)
	maxLen := l.MaxLength
	if maxLen <= 0 || maxLen > MaxLength {
		maxLen = MaxLength
	}
	if seg.Length > maxLen {
		return Segments{}, &ValidationError{Field: "Body", Reason: strconv.Itoa(seg.Length) + " characters (UTF-16 code units), more than the " +
			strconv.Itoa(maxLen) + " " + providerName(l) + " accepts"}
	}
	if err := checkMetadata(m.Metadata); err != nil {
		return Segments{}, err
	}
	if err := checkKey(m.IdempotencyKey); err != nil {
		return Segments{}, err
	}
	return seg, nil
}

func providerName(l Limits) string {
	if l.Provider == "" {
		return "the provider"
	}
	return l.Provider
}

// CheckNumber reports whether s is an E.164 phone number: "+", a country
// code that does not start with 0, and 7 to 15 digits in all, nothing
// else. The error is a *ValidationError for the field "To" that matches
// ErrInvalidNumber and ErrInvalidMessage. It checks the form only; package
// sms/e164 checks a number against the numbering plan of its country and
// normalizes national numbers.
func CheckNumber(s string) error { return checkNumberField("To", s) }

func checkNumberField(field, s string) error {
	if r := numberProblem(s); r != "" {
		return &ValidationError{Field: field, Reason: r, Number: true}
	}
	return nil
}

// numberProblem returns why s is not an E.164 number, or "".
func numberProblem(s string) string {
	switch {
	case s == "":
		return "is empty: an E.164 number such as +233241234567 is required"
	case s[0] != '+':
		return `must be in E.164 form, starting with "+" and the country code (use sms/e164 to normalize a national number)`
	}
	digits := s[1:]
	for i := 0; i < len(digits); i++ {
		if c := digits[i]; c < '0' || c > '9' {
			return `must be "+" followed by digits only, without spaces, dashes or other characters`
		}
	}
	switch {
	case len(digits) == 0 || digits[0] == '0':
		return "must have a country code after the +, which never starts with 0"
	case len(digits) < 7:
		return "has " + strconv.Itoa(len(digits)) + " digits, fewer than the 7 of the shortest E.164 number"
	case len(digits) > 15:
		return "has " + strconv.Itoa(len(digits)) + " digits, more than the 15 E.164 allows"
	}
	return ""
}

// CheckSender reports whether s can be a Message.From: an E.164 number, a
// short code of 3 to 8 digits, or an alphanumeric sender ID of 1 to 11
// characters from A-Z, a-z, 0-9, space and + - _ &, with at least one
// letter and no space at either end. The error is a *ValidationError for
// the field "From"; it matches ErrInvalidNumber when s looks like a number.
func CheckSender(s string) error {
	switch {
	case s == "":
		return &ValidationError{Field: "From", Reason: "is empty"}
	case s[0] == '+':
		return checkNumberField("From", s)
	case allDigits(s):
		if len(s) < 3 || len(s) > 8 {
			return &ValidationError{Field: "From", Reason: "a short code has 3 to 8 digits; a longer number needs E.164 form (+ and the country code)", Number: true}
		}
		return nil
	}
	if len(s) > 11 {
		return &ValidationError{Field: "From", Reason: "an alphanumeric sender ID has at most 11 characters"}
	}
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
			letter = true
		case c >= '0' && c <= '9', c == ' ', c == '+', c == '-', c == '_', c == '&':
		default:
			return &ValidationError{Field: "From", Reason: "an alphanumeric sender ID holds only A-Z, a-z, 0-9, space and + - _ &"}
		}
	}
	switch {
	case !letter:
		return &ValidationError{Field: "From", Reason: "an alphanumeric sender ID needs at least one letter"}
	case s[0] == ' ' || s[len(s)-1] == ' ':
		return &ValidationError{Field: "From", Reason: "an alphanumeric sender ID must not start or end with a space"}
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func validServiceSID(s string) bool {
	if len(s) != 34 || s[:2] != "MG" {
		return false
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// checkURL returns why u cannot be a media or status callback URL, or "".
func checkURL(u string, callback bool) string {
	switch {
	case u == "":
		return "is empty"
	case len(u) > MaxURLLen:
		return "is longer than " + strconv.Itoa(MaxURLLen) + " bytes"
	case strings.ContainsFunc(u, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return "holds a space or a control character such as CR, LF or NUL"
	}
	p, err := url.Parse(u)
	switch {
	case err != nil:
		return "is not a valid URL"
	case p.Scheme != "https" && p.Scheme != "http":
		return "must be an absolute http or https URL"
	case p.Host == "" || p.Hostname() == "":
		return "has no host"
	case callback && strings.Contains(p.Hostname(), "_"):
		return "has an underscore in its host name, which Twilio refuses"
	}
	return ""
}

// checkBody checks a body's characters and that it is not empty.
func checkBody(body string, hasMedia bool) error {
	if !utf8.ValidString(body) {
		return &ValidationError{Field: "Body", Reason: "is not valid UTF-8"}
	}
	for i, r := range body {
		if r == '\n' || r == '\r' || r == '\t' {
			continue
		}
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
			what := "a control character"
			if r == 0 {
				what = "a NUL byte"
			}
			return &ValidationError{Field: "Body", Reason: "holds " + what + " at byte " + strconv.Itoa(i) + ", which providers refuse or mangle"}
		}
	}
	if strings.TrimSpace(body) == "" && !hasMedia {
		if body == "" {
			return &ValidationError{Field: "Body", Reason: "is empty"}
		}
		return &ValidationError{Field: "Body", Reason: "is only white space"}
	}
	return nil
}

// checkText reports whether s is printable text: valid UTF-8 without
// control characters.
func checkText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) })
}

func checkMetadata(md map[string]string) error {
	if len(md) > MaxMetadata {
		return &ValidationError{Field: "Metadata", Reason: "has more than " + strconv.Itoa(MaxMetadata) + " entries"}
	}
	for k, v := range md {
		field := "Metadata[" + strconv.QuoteToASCII(k) + "]"
		if k != "" && len(k) <= MaxMetadataKeyLen && isPrintableASCII(k) {
			field = "Metadata[" + k + "]"
		}
		switch {
		case k == "":
			return &ValidationError{Field: "Metadata", Reason: "has an empty key"}
		case len(k) > MaxMetadataKeyLen || !isPrintableASCII(k):
			return &ValidationError{Field: "Metadata", Reason: "keys are 1 to " + strconv.Itoa(MaxMetadataKeyLen) + " printable ASCII characters"}
		case len(v) > MaxMetadataValueLen:
			return &ValidationError{Field: field, Reason: "is longer than " + strconv.Itoa(MaxMetadataValueLen) + " bytes"}
		case !checkText(v):
			return &ValidationError{Field: field, Reason: "holds a control character such as CR, LF or NUL, or invalid UTF-8"}
		}
	}
	return nil
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func checkKey(k string) error {
	switch {
	case k == "":
		return nil
	case len(k) > MaxIdempotencyKeyLen:
		return &ValidationError{Field: "IdempotencyKey", Reason: "is longer than " + strconv.Itoa(MaxIdempotencyKeyLen) + " bytes"}
	case !checkText(k):
		return &ValidationError{Field: "IdempotencyKey", Reason: "holds a control character such as CR, LF or NUL, or invalid UTF-8"}
	case strings.TrimSpace(k) == "":
		return &ValidationError{Field: "IdempotencyKey", Reason: "is only white space"}
	}
	return nil
}
