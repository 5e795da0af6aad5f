package postmarkmail

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/internal/sendertest"
)

// Error answers in Postmark's documented shape, {"ErrorCode":N,"Message":"..."},
// with the API error codes of https://postmarkapp.com/developer/api/overview#error-codes.
const (
	bodyNoToken         = `{"ErrorCode":10,"Message":"No Account or Server API tokens were supplied in the HTTP headers. Please add a header for either X-Postmark-Server-Token or X-Postmark-Account-Token."}`
	bodyBadToken        = `{"ErrorCode":10,"Message":"Bad or missing API token"}`
	bodyInvalidRequest  = `{"ErrorCode":300,"Message":"Invalid 'To' address: 'ada@'."}`
	bodySenderNotFound  = `{"ErrorCode":400,"Message":"The 'From' address you supplied (receipts@acme.example) is not a Sender Signature on your account. Please add and confirm this address in order to be able to use it in the 'From' field of your messages."}`
	bodySenderUnconfirm = `{"ErrorCode":401,"Message":"Sender signature not confirmed"}`
	bodyInvalidJSON     = `{"ErrorCode":402,"Message":"Invalid JSON"}`
	bodyNotAllowed      = `{"ErrorCode":405,"Message":"Not allowed to send: you have run out of credits."}`
	bodyInactive        = `{"ErrorCode":406,"Message":"You tried to send to recipient(s) that have been marked as inactive. Found inactive addresses: ada@example.com. Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression."}`
	bodyForbiddenAttach = `{"ErrorCode":411,"Message":"Forbidden attachment type"}`
	bodyAccountPending  = `{"ErrorCode":412,"Message":"Account is pending"}`
	bodyRateLimit       = `{"ErrorCode":429,"Message":"Rate limit exceeded"}`
	bodyMaintenance     = `{"ErrorCode":100,"Message":"Maintenance"}`
	bodyServerError     = `{"ErrorCode":0,"Message":"Internal server error"}`
)

func TestClassify(t *testing.T) {
	// Postmark's messages are long prose, so the cases leave Message
	// empty: RunClassify then only requires that there is one.
	sendertest.RunClassify(t, "postmark", classify, []sendertest.ClassifyCase{
		{Name: "no token", Status: 401, Body: bodyNoToken, Kind: email.ErrAuthentication, Code: "10"},
		{Name: "bad token on 422", Status: 422, Body: bodyBadToken, Kind: email.ErrAuthentication, Code: "10"},
		{Name: "maintenance", Status: 422, Body: bodyMaintenance, Kind: email.ErrTemporary, Code: "100"},
		{Name: "invalid email request", Status: 422, Body: bodyInvalidRequest, Kind: email.ErrPermanent, Code: "300"},
		{Name: "sender signature not found", Status: 422, Body: bodySenderNotFound, Kind: email.ErrPermanent, Code: "400"},
		{Name: "sender signature not confirmed is not an auth error", Status: 422, Body: bodySenderUnconfirm, Kind: email.ErrPermanent, Code: "401"},
		{Name: "invalid JSON", Status: 422, Body: bodyInvalidJSON, Kind: email.ErrPermanent, Code: "402"},
		{Name: "not allowed to send", Status: 422, Body: bodyNotAllowed, Kind: email.ErrPermanent, Code: "405"},
		{Name: "inactive recipient", Status: 422, Body: bodyInactive, Kind: email.ErrRejectedRecipient, Code: "406"},
		{Name: "forbidden attachment", Status: 422, Body: bodyForbiddenAttach, Kind: email.ErrPermanent, Code: "411"},
		{Name: "account pending", Status: 422, Body: bodyAccountPending, Kind: email.ErrPermanent, Code: "412"},
		{Name: "rate limit code", Status: 422, Body: bodyRateLimit, Kind: email.ErrTemporary, Code: "429"},
		{Name: "rate limit status", Status: 429, Body: bodyRateLimit, Kind: email.ErrTemporary, Code: "429"},
		{Name: "payload too large", Status: 413, Kind: email.ErrPermanent},
		{Name: "server error", Status: 500, Body: bodyServerError, Kind: email.ErrTemporary},
		{Name: "unavailable", Status: 503, Kind: email.ErrTemporary},
		{Name: "not found", Status: 404, Kind: email.ErrPermanent},
	})
}

func TestParseResponse(t *testing.T) {
	require.Equal(t, apiResponse{MessageID: "b7bc2f4a-e38e-4336-af7d-e6c392c2f817", Message: "OK"},
		parseResponse([]byte(`{"To":"ada@example.com","SubmittedAt":"2026-11-29T02:42:00.0000000-05:00","MessageID":"b7bc2f4a-e38e-4336-af7d-e6c392c2f817","ErrorCode":0,"Message":"OK"}`)))
	for _, body := range []string{"", "{", "[]", `{"ErrorCode":"x"}`, `{"ErrorCode":1e400}`, `{"ErrorCode":4.5}`, `{"MessageID":5}`} {
		r := parseResponse([]byte(body))
		require.Zero(t, r.ErrorCode, body)
		require.Empty(t, r.MessageID, body)
	}
}

func FuzzParseError(f *testing.F) {
	for _, b := range []string{bodyNoToken, bodyInvalidRequest, bodyInactive, bodyRateLimit, bodyServerError, "", "{", `{"ErrorCode":-1}`} {
		f.Add(422, []byte(b))
	}
	f.Add(200, []byte(bodyInactive))
	f.Add(500, []byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		_ = parseResponse(body)
		sendertest.CheckFuzzedError(t, Name, classify(status, body, nil))
	})
}
