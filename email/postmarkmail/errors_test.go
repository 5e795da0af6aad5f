package postmarkmail

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/internal/httpsend"
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
	cause := errors.New("status error")
	tests := []struct {
		name   string
		status int
		body   string
		kind   error
		code   string
	}{
		{"no token", 401, bodyNoToken, email.ErrAuthentication, "10"},
		{"bad token on 422", 422, bodyBadToken, email.ErrAuthentication, "10"},
		{"maintenance", 422, bodyMaintenance, email.ErrTemporary, "100"},
		{"invalid email request", 422, bodyInvalidRequest, email.ErrPermanent, "300"},
		{"sender signature not found", 422, bodySenderNotFound, email.ErrPermanent, "400"},
		{"sender signature not confirmed is not an auth error", 422, bodySenderUnconfirm, email.ErrPermanent, "401"},
		{"invalid JSON", 422, bodyInvalidJSON, email.ErrPermanent, "402"},
		{"not allowed to send", 422, bodyNotAllowed, email.ErrPermanent, "405"},
		{"inactive recipient", 422, bodyInactive, email.ErrRejectedRecipient, "406"},
		{"forbidden attachment", 422, bodyForbiddenAttach, email.ErrPermanent, "411"},
		{"account pending", 422, bodyAccountPending, email.ErrPermanent, "412"},
		{"rate limit code", 422, bodyRateLimit, email.ErrTemporary, "429"},
		{"rate limit status", 429, bodyRateLimit, email.ErrTemporary, "429"},
		{"payload too large", 413, "", email.ErrPermanent, ""},
		{"server error", 500, bodyServerError, email.ErrTemporary, ""},
		{"unavailable", 503, "", email.ErrTemporary, ""},
		{"not found", 404, "", email.ErrPermanent, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			se := classify(tt.status, []byte(tt.body), cause)
			require.ErrorIs(t, se, tt.kind)
			require.NotErrorIs(t, se, email.ErrInvalidMessage, "only a *ValidationError is ErrInvalidMessage")
			require.ErrorIs(t, se, cause)
			require.Equal(t, "postmark", se.Provider)
			require.Equal(t, tt.status, se.StatusCode)
			require.Equal(t, tt.code, se.Code)
			require.NotEmpty(t, se.Message)
		})
	}
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
