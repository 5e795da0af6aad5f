package sendgridmail

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/internal/sendertest"
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
	sendertest.RunClassify(t, "sendgrid", classify, []sendertest.ClassifyCase{
		{Name: "invalid recipient", Status: 400, Body: bodyInvalidTo, Kind: email.ErrRejectedRecipient, Code: "personalizations.0.to.0.email", Message: "personalizations.0.to.0.email: Does not contain a valid address."},
		{Name: "missing content", Status: 400, Body: bodyNoContent, Kind: email.ErrPermanent, Message: "content: Unless a valid template_id is provided, the content parameter is required."},
		{Name: "bad key", Status: 401, Body: bodyUnauthorized, Kind: email.ErrAuthentication, Message: "The provided authorization grant is invalid, expired, or revoked"},
		{Name: "forbidden", Status: 403, Body: bodyForbidden, Kind: email.ErrAuthentication, Message: "from: The from address does not match a verified Sender Identity."},
		{Name: "too large", Status: 413, Body: bodyTooLarge, Kind: email.ErrPermanent, Message: "The JSON payload you have included in your request is too large."},
		{Name: "rate limited", Status: 429, Body: bodyRateLimit, Kind: email.ErrTemporary, Message: "too many requests"},
		{Name: "server error, empty body", Status: 500, Kind: email.ErrTemporary, Message: "Internal Server Error"},
		{Name: "unavailable, html body", Status: 503, Body: "<html>down</html>", Kind: email.ErrTemporary, Message: "Service Unavailable"},
		{Name: "not found", Status: 404, Kind: email.ErrPermanent, Message: "Not Found"},
		{Name: "data residency", Status: 451, Body: `{"errors":[{"message":"region"}]}`, Kind: email.ErrPermanent, Message: "region"},
	})
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
		sendertest.CheckFuzzedError(t, Name, classify(status, body, nil))
	})
}
