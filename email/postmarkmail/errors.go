package postmarkmail

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/internal/httpsend"
)

// Name is the Provider of receipts and errors from this package.
const Name = "postmark"

// Postmark API error codes (https://postmarkapp.com/developer/api/overview#error-codes)
// that are not plain permanent failures.
const (
	codeBadToken          = 10
	codeMaintenance       = 100
	codeInactiveRecipient = 406
	codeRateLimitExceeded = 429
)

// apiResponse is Postmark's answer: {"ErrorCode":406,"Message":"..."} on
// failure; on success it also carries To, SubmittedAt and MessageID.
type apiResponse struct {
	ErrorCode int
	Message   string
	MessageID string
}

// parseResponse reads a Postmark answer. It never fails: members that are
// missing or not of the documented type are left zero.
func parseResponse(body []byte) apiResponse {
	var raw struct {
		ErrorCode json.RawMessage `json:"ErrorCode"`
		Message   json.RawMessage `json:"Message"`
		MessageID json.RawMessage `json:"MessageID"`
	}
	if json.Unmarshal(bytes.TrimSpace(body), &raw) != nil {
		return apiResponse{}
	}
	r := apiResponse{Message: httpsend.JSONString(raw.Message), MessageID: httpsend.JSONString(raw.MessageID)}
	var n json.Number
	if json.Unmarshal(raw.ErrorCode, &n) == nil {
		if c, err := strconv.Atoi(n.String()); err == nil {
			r.ErrorCode = c
		}
	}
	return r
}

// classify maps an HTTP status and Postmark's {ErrorCode, Message} body to
// a SendError. cause is the transport-level error, kept for errors.As.
func classify(status int, body []byte, cause error) *email.SendError {
	r := parseResponse(body)
	se := &email.SendError{
		Provider:   Name,
		StatusCode: status,
		Message:    httpsend.Sanitize(r.Message),
		Err:        cause,
	}
	if se.Message == "" {
		se.Message = http.StatusText(status)
	}
	if r.ErrorCode != 0 {
		se.Code = strconv.Itoa(r.ErrorCode)
	}
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		se.Kind = email.ErrTemporary
	case status == http.StatusUnauthorized || r.ErrorCode == codeBadToken:
		se.Kind = email.ErrAuthentication
	case r.ErrorCode == codeInactiveRecipient:
		se.Kind = email.ErrRejectedRecipient
	case r.ErrorCode == codeRateLimitExceeded || r.ErrorCode == codeMaintenance:
		se.Kind = email.ErrTemporary
	default:
		// 300 invalid email request, 400 sender signature not found, 401
		// not confirmed, 402/403/409 JSON problems, 405 not allowed to
		// send, 411 forbidden attachment type, 412 account pending, 413
		// account may not send, unknown codes and other 4xx answers.
		se.Kind = email.ErrPermanent
	}
	return se
}
