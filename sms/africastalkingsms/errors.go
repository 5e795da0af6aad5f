package africastalkingsms

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/internal/smskit"
)

// sentCodes are the per-recipient statusCodes of a message Africa's
// Talking took, with the normalized status of each.
var sentCodes = map[int]sms.Status{
	100: sms.StatusQueued, // Processed
	101: sms.StatusSent,   // Sent
	102: sms.StatusQueued, // Queued
}

// statusCodes are the per-recipient failure statusCodes of the messaging
// API ("Send SMS", status codes), with their names and sentinels.
var statusCodes = map[int]struct {
	name string
	kind error
}{
	401: {"RiskHold", sms.ErrRejected},
	402: {"InvalidSenderId", sms.ErrSenderRejected},
	403: {"InvalidPhoneNumber", sms.ErrInvalidNumber},
	404: {"UnsupportedNumberType", sms.ErrUnreachable},
	405: {"InsufficientBalance", sms.ErrInsufficientFunds},
	406: {"UserInBlacklist", sms.ErrUnsubscribed},
	407: {"CouldNotRoute", sms.ErrUnreachable},
	409: {"DoNotDisturbRejection", sms.ErrUnsubscribed},
	500: {"InternalServerError", sms.ErrTemporary},
	501: {"GatewayError", sms.ErrTemporary},
	502: {"RejectedByGateway", sms.ErrRejected},
}

// recipientKind returns the name and sentinel of a failure statusCode.
func recipientKind(code int) (name string, kind error) {
	if sc, ok := statusCodes[code]; ok {
		return sc.name, sc.kind
	}
	return "statusCode " + strconv.Itoa(code), sms.ErrRejected
}

// classify maps an error answer to an *sms.Error. Africa's Talking
// answers errors in plain text ("The supplied authentication is
// invalid").
func classify(status int, _ http.Header, body []byte) *sms.Error {
	se := &sms.Error{Provider: Name, StatusCode: status, Message: smskit.Sanitize(strings.TrimSpace(string(body)))}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		se.Kind = sms.ErrAuthentication
	case status == http.StatusTooManyRequests || status >= 500:
		se.Kind = sms.ErrTemporary
	default:
		se.Kind = sms.ErrRejected
	}
	return se
}
