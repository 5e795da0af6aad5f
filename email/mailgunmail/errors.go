package mailgunmail

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/internal/httpsend"
)

// Name is the Provider of receipts and errors from this package.
const Name = "mailgun"

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
			return httpsend.Sanitize(httpsend.JSONString(raw.Message))
		}
		return ""
	}
	if len(trimmed) > 0 && (trimmed[0] == '<' || trimmed[0] == '[') {
		return "" // an HTML page from a proxy, or JSON of another shape
	}
	return httpsend.Sanitize(string(trimmed))
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
		Provider:   Name,
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
