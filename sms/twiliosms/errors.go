package twiliosms

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/internal/smskit"
)

// apiError is Twilio's error document:
// {"code": 21211, "message": "...", "more_info": "...", "status": 400}.
type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  int    `json:"status"`
}

// codeKinds maps Twilio's synchronous error codes (docs /docs/api/errors)
// to sentinels.
var codeKinds = map[int]error{
	20003: sms.ErrAuthentication,      // Authenticate / permission denied
	20429: sms.ErrTemporary,           // Too Many Requests
	21211: sms.ErrInvalidNumber,       // Invalid 'To' Phone Number
	21401: sms.ErrInvalidNumber,       // Invalid Phone Number
	21610: sms.ErrUnsubscribed,        // Attempt to send to unsubscribed recipient
	21608: sms.ErrUnverifiedRecipient, // unverified number on a trial account
	21408: sms.ErrUnreachable,         // region not enabled for the account
	21612: sms.ErrUnreachable,         // 'To' not reachable from this 'From'
	21614: sms.ErrUnreachable,         // 'To' is not a mobile number
	21635: sms.ErrUnreachable,         // 'To' is a landline
	21210: sms.ErrSenderRejected,      // 'From' not verified
	21212: sms.ErrSenderRejected,      // Invalid 'From' Phone Number
	21606: sms.ErrSenderRejected,      // 'From' not a message-capable number of the account
	21660: sms.ErrSenderRejected,      // 'From' does not belong to the account
	21703: sms.ErrSenderRejected,      // Messaging Service has no number available
	21704: sms.ErrSenderRejected,      // Messaging Service contains no numbers
	21611: sms.ErrTemporary,           // the sender's queue holds 10 hours of messages
}

// kindOf returns the sentinel for a Twilio error code answered with an
// HTTP status.
func kindOf(code, status int) error {
	if k, ok := codeKinds[code]; ok {
		return k
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return sms.ErrAuthentication
	case status == http.StatusTooManyRequests || status >= 500:
		return sms.ErrTemporary
	}
	return sms.ErrRejected
}

// classify maps an error answer to an *sms.Error.
func classify(status int, header http.Header, body []byte) *sms.Error {
	se := &sms.Error{Provider: Name, StatusCode: status, RequestID: header.Get(RequestIDHeader)}
	var e apiError
	if err := json.Unmarshal(body, &e); err != nil || e.Code == 0 {
		se.Kind = kindOf(0, status)
		se.Message = "the error answer is not Twilio's JSON error document"
		return se
	}
	se.Kind = kindOf(e.Code, status)
	se.Code = strconv.Itoa(e.Code)
	se.Message = smskit.Sanitize(e.Message)
	return se
}
