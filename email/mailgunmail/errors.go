package mailgunmail

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/switchboard-go/switchboard/email"
)

// providerName is Receipt.Provider and SendError.Provider.
const providerName = "mailgun"

// maxMessage caps the provider message kept in a SendError.
const maxMessage = 1024

// invalidRecipient matches the 400 message Mailgun gives when an address
// fails its syntax checks ("'to' parameter is not a valid address. please
// check documentation").
var invalidRecipient = regexp.MustCompile(`(?i)'?\b(to|cc|bcc)'? parameter is not a valid address`)

// parseErrorBody returns the human-readable message of a Mailgun error
// answer: the "message" member of a JSON body, or the body itself when it
// is short plain text (a 401 answers "Forbidden"). It never fails.
func parseErrorBody(body []byte) string {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var raw struct {
			Message json.RawMessage `json:"message"`
		}
		if json.Unmarshal(trimmed, &raw) == nil {
			return sanitize(rawString(raw.Message))
		}
		return ""
	}
	if len(trimmed) > 0 && (trimmed[0] == '<' || trimmed[0] == '[') {
		return "" // an HTML page from a proxy, or JSON of another shape
	}
	return sanitize(string(trimmed))
}

// rawString returns the JSON string in r, or "" when r is not a string.
func rawString(r json.RawMessage) string {
	var s string
	if json.Unmarshal(r, &s) != nil {
		return ""
	}
	return s
}

// classify maps an HTTP status and Mailgun's error body to a SendError.
// cause is the transport-level error (an *httpclient.StatusError), kept
// for errors.As.
func classify(status int, body []byte, cause error) *email.SendError {
	msg := parseErrorBody(body)
	if msg == "" {
		msg = http.StatusText(status)
	}
	se := &email.SendError{
		Provider:   providerName,
		StatusCode: status,
		Message:    msg,
		Err:        cause,
	}
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		se.Kind = email.ErrTemporary
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		se.Kind = email.ErrAuthentication
	case status == http.StatusBadRequest:
		se.Kind = email.ErrPermanent
		if sm := invalidRecipient.FindStringSubmatch(msg); sm != nil {
			se.Kind = email.ErrRejectedRecipient
			se.Code = strings.ToLower(sm[1])
		}
	default:
		// Other 4xx: 404, 413 too large, and anything unexpected.
		se.Kind = email.ErrPermanent
	}
	return se
}

// sanitize keeps a provider message printable, valid UTF-8 and short.
func sanitize(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if len(s) > maxMessage {
		cut := maxMessage
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.TrimSpace(s)
}
