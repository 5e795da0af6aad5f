package sendgridmail

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/internal/httpsend"
)

// Error bodies in the documented v3 shape,
// {"errors":[{"field":...,"message":...,"help":...}]}
// (https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/errors).
const (
	bodyInvalidTo    = `{"errors":[{"message":"Does not contain a valid address.","field":"personalizations.0.to.0.email","help":"http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.personalizations.to"}]}`
	bodyNoContent    = `{"errors":[{"message":"Unless a valid template_id is provided, the content parameter is required.","field":"content","help":"http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.content"}]}`
	bodyUnauthorized = `{"errors":[{"field":null,"message":"The provided authorization grant is invalid, expired, or revoked","help":null}]}`
	bodyForbidden    = `{"errors":[{"field":"from","message":"The from address does not match a verified Sender Identity.","help":null}]}`
	bodyRateLimit    = `{"errors":[{"field":null,"message":"too many requests"}]}`
	bodyTooLarge     = `{"errors":[{"field":null,"message":"The JSON payload you have included in your request is too large."}]}`
)

func TestClassify(t *testing.T) {
	cause := errors.New("status error")
	tests := []struct {
		name   string
		status int
		body   string
		kind   error
		code   string
		msg    string
	}{
		{"invalid recipient", 400, bodyInvalidTo, email.ErrRejectedRecipient, "personalizations.0.to.0.email", "personalizations.0.to.0.email: Does not contain a valid address."},
		{"missing content", 400, bodyNoContent, email.ErrPermanent, "", "content: Unless a valid template_id is provided, the content parameter is required."},
		{"bad key", 401, bodyUnauthorized, email.ErrAuthentication, "", "The provided authorization grant is invalid, expired, or revoked"},
		{"forbidden", 403, bodyForbidden, email.ErrAuthentication, "", "from: The from address does not match a verified Sender Identity."},
		{"too large", 413, bodyTooLarge, email.ErrPermanent, "", "The JSON payload you have included in your request is too large."},
		{"rate limited", 429, bodyRateLimit, email.ErrTemporary, "", "too many requests"},
		{"server error, empty body", 500, "", email.ErrTemporary, "", "Internal Server Error"},
		{"unavailable, html body", 503, "<html>down</html>", email.ErrTemporary, "", "Service Unavailable"},
		{"not found", 404, "", email.ErrPermanent, "", "Not Found"},
		{"data residency", 451, `{"errors":[{"message":"region"}]}`, email.ErrPermanent, "", "region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			se := classify(tt.status, []byte(tt.body), cause)
			require.ErrorIs(t, se, tt.kind)
			require.NotErrorIs(t, se, email.ErrInvalidMessage, "only a *ValidationError is ErrInvalidMessage")
			require.ErrorIs(t, se, cause)
			require.Equal(t, "sendgrid", se.Provider)
			require.Equal(t, tt.status, se.StatusCode)
			require.Equal(t, tt.code, se.Code)
			require.Equal(t, tt.msg, se.Message)
			require.Equal(t, tt.kind == email.ErrTemporary, se.Temporary())
			var asSE *email.SendError
			require.True(t, errors.As(error(se), &asSE))
		})
	}
}

func TestParseErrorBodyOddShapes(t *testing.T) {
	for _, body := range []string{"", "null", "[]", `{"errors":null}`, `{"errors":[{"field":5,"message":{}}]}`, `{"errors":"x"}`} {
		require.Empty(t, parseErrorBody([]byte(body)), body)
	}
	got := parseErrorBody([]byte(`{"errors":[{"message":"a","field":null,"help":{"x":1}},{"message":"b","field":"f"}],"id":"abc"}`))
	require.Equal(t, []apiError{{Message: "a"}, {Message: "b", Field: "f"}}, got)
}

func FuzzParseError(f *testing.F) {
	for _, b := range []string{bodyInvalidTo, bodyNoContent, bodyUnauthorized, bodyForbidden, bodyRateLimit, bodyTooLarge, "", "{", `{"errors":[{}]}`} {
		f.Add(400, []byte(b))
	}
	f.Add(500, []byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		se := classify(status, body, nil)
		if se.Kind == nil || se.Provider != providerName {
			t.Fatalf("incomplete error %#v", se)
		}
		known := false
		for _, k := range []error{email.ErrTemporary, email.ErrAuthentication, email.ErrRejectedRecipient, email.ErrPermanent} {
			if se.Kind == k {
				known = true
			}
		}
		if !known {
			t.Fatalf("unknown kind %v", se.Kind)
		}
		if !utf8.ValidString(se.Message) || len(se.Message) > httpsend.MaxMessage+len("…") {
			t.Fatalf("bad message %q", se.Message)
		}
		if strings.ContainsAny(se.Message, "\r\n") {
			t.Fatalf("control characters in message %q", se.Message)
		}
		_ = se.Error()
	})
}
