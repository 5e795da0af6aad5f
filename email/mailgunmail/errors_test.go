package mailgunmail

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/internal/httpsend"
)

// Error answers as Mailgun documents them: JSON with a "message" key for
// 4xx (https://documentation.mailgun.com/docs/mailgun/quickstart-guide/responses),
// "parameter is not a valid address" for addresses failing its syntax
// checks (.../user-manual/sending-messages/send-http), and the plain-text
// "Forbidden" a wrong API key gets.
const (
	bodyInvalidTo     = `{"message": "'to' parameter is not a valid address. please check documentation"}`
	bodyInvalidBcc    = `{"message": "'bcc' parameter is not a valid address. please check documentation"}`
	bodyMissingFrom   = `{"message": "from parameter is missing"}`
	bodyForbidden     = "Forbidden"
	bodyDomainMissing = `{"message": "Domain not found: mg.acme.example"}`
	bodyRateLimited   = `{"message": "Too many requests"}`
	bodyServerError   = `{"message": "Internal Server Error"}`
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
		{"invalid to", 400, bodyInvalidTo, email.ErrRejectedRecipient, "to", "'to' parameter is not a valid address. please check documentation"},
		{"invalid bcc", 400, bodyInvalidBcc, email.ErrRejectedRecipient, "bcc", "'bcc' parameter is not a valid address. please check documentation"},
		{"missing from", 400, bodyMissingFrom, email.ErrPermanent, "", "from parameter is missing"},
		{"bad key", 401, bodyForbidden, email.ErrAuthentication, "", "Forbidden"},
		{"access denied", 403, `{"message":"Forbidden"}`, email.ErrAuthentication, "", "Forbidden"},
		{"unknown domain", 404, bodyDomainMissing, email.ErrPermanent, "", "Domain not found: mg.acme.example"},
		{"too large", 413, "", email.ErrPermanent, "", "Request Entity Too Large"},
		{"rate limited", 429, bodyRateLimited, email.ErrTemporary, "", "Too many requests"},
		{"server error", 500, bodyServerError, email.ErrTemporary, "", "Internal Server Error"},
		{"bad gateway html", 502, "<html><body>502</body></html>", email.ErrTemporary, "", "Bad Gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			se := classify(tt.status, []byte(tt.body), cause)
			require.ErrorIs(t, se, tt.kind)
			require.NotErrorIs(t, se, email.ErrInvalidMessage, "only a *ValidationError is ErrInvalidMessage")
			require.ErrorIs(t, se, cause)
			require.Equal(t, "mailgun", se.Provider)
			require.Equal(t, tt.status, se.StatusCode)
			require.Equal(t, tt.code, se.Code)
			require.Equal(t, tt.msg, se.Message)
		})
	}
}

func TestParseErrorBodyOddShapes(t *testing.T) {
	for _, body := range []string{"", "  ", "{", `{"message":5}`, `{"message":null}`, "<html>x</html>", "[]"} {
		require.Empty(t, parseErrorBody([]byte(body)), body)
	}
	require.Equal(t, "a b", parseErrorBody([]byte("a\nb")))
}

func FuzzParseError(f *testing.F) {
	for _, b := range []string{bodyInvalidTo, bodyInvalidBcc, bodyMissingFrom, bodyForbidden, bodyDomainMissing, bodyRateLimited, bodyServerError, "", "{", "<html>"} {
		f.Add(400, []byte(b))
	}
	f.Add(401, []byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		se := classify(status, body, nil)
		if se.Kind == nil || se.Provider != providerName {
			t.Fatalf("incomplete error %#v", se)
		}
		switch se.Kind {
		case email.ErrTemporary, email.ErrAuthentication, email.ErrRejectedRecipient, email.ErrPermanent:
		default:
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
