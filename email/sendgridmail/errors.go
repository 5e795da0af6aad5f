package sendgridmail

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/internal/httpsend"
)

// Name is the Provider of receipts and errors from this package.
const Name = "sendgrid"

// apiError is one entry of the v3 API error array:
// {"errors":[{"message":"...","field":"...","help":...}]}.
type apiError struct {
	Message string
	Field   string
}

// recipientField matches the fields SendGrid names when it refuses an
// address, such as "personalizations.0.to.0.email".
var recipientField = regexp.MustCompile(`^personalizations\.\d+\.(to|cc|bcc)(\.|$)`)

// parseErrorBody reads the v3 error array. It never fails: a body that is
// not the documented shape yields no entries.
func parseErrorBody(body []byte) []apiError {
	var raw struct {
		Errors []struct {
			Message json.RawMessage `json:"message"`
			Field   json.RawMessage `json:"field"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &raw) != nil {
		return nil
	}
	out := make([]apiError, 0, len(raw.Errors))
	for _, e := range raw.Errors {
		ae := apiError{Message: httpsend.JSONString(e.Message), Field: httpsend.JSONString(e.Field)}
		if ae.Message == "" && ae.Field == "" {
			continue
		}
		out = append(out, ae)
	}
	return out
}

// classify maps an HTTP status and the error array to a SendError.
// cause is the transport-level error (an *httpclient.StatusError), kept
// for errors.As.
func classify(status int, body []byte, cause error) *email.SendError {
	errs := parseErrorBody(body)
	se := &email.SendError{
		Provider:   Name,
		StatusCode: status,
		Message:    summarize(status, errs),
		Err:        cause,
	}
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		se.Kind = email.ErrTemporary
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		se.Kind = email.ErrAuthentication
	case status == http.StatusBadRequest:
		se.Kind = email.ErrPermanent
		for _, e := range errs {
			if recipientField.MatchString(e.Field) {
				se.Kind = email.ErrRejectedRecipient
				se.Code = e.Field
				break
			}
		}
	default:
		// Other 4xx: 404, 413 too large, and anything unexpected.
		se.Kind = email.ErrPermanent
	}
	return se
}

func summarize(status int, errs []apiError) string {
	var b strings.Builder
	for i, e := range errs {
		if i > 0 {
			b.WriteString("; ")
		}
		if e.Field != "" {
			b.WriteString(e.Field)
			if e.Message != "" {
				b.WriteString(": ")
			}
		}
		b.WriteString(e.Message)
		if b.Len() > httpsend.MaxMessage {
			break
		}
	}
	msg := httpsend.Sanitize(b.String())
	if msg == "" {
		msg = http.StatusText(status)
	}
	return msg
}
