package mailgunmail

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/internal/sendertest"
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
	sendertest.RunClassify(t, "mailgun", classify, []sendertest.ClassifyCase{
		{Name: "invalid to", Status: 400, Body: bodyInvalidTo, Kind: email.ErrRejectedRecipient, Code: "to", Message: "'to' parameter is not a valid address. please check documentation"},
		{Name: "invalid bcc", Status: 400, Body: bodyInvalidBcc, Kind: email.ErrRejectedRecipient, Code: "bcc", Message: "'bcc' parameter is not a valid address. please check documentation"},
		{Name: "missing from", Status: 400, Body: bodyMissingFrom, Kind: email.ErrPermanent, Message: "from parameter is missing"},
		{Name: "bad key", Status: 401, Body: bodyForbidden, Kind: email.ErrAuthentication, Message: "Forbidden"},
		{Name: "access denied", Status: 403, Body: `{"message":"Forbidden"}`, Kind: email.ErrAuthentication, Message: "Forbidden"},
		{Name: "unknown domain", Status: 404, Body: bodyDomainMissing, Kind: email.ErrPermanent, Message: "Domain not found: mg.acme.example"},
		{Name: "too large", Status: 413, Kind: email.ErrPermanent, Message: "Request Entity Too Large"},
		{Name: "rate limited", Status: 429, Body: bodyRateLimited, Kind: email.ErrTemporary, Message: "Too many requests"},
		{Name: "server error", Status: 500, Body: bodyServerError, Kind: email.ErrTemporary, Message: "Internal Server Error"},
		{Name: "bad gateway html", Status: 502, Body: "<html><body>502</body></html>", Kind: email.ErrTemporary, Message: "Bad Gateway"},
	})
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
		sendertest.CheckFuzzedError(t, Name, classify(status, body, nil))
	})
}
