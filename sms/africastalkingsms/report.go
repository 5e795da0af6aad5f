package africastalkingsms

import (
	"encoding/json"
	"fmt"

	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/webhooks"
)

// reportStatuses maps the status of a delivery report ("Delivery
// reports") to the normalized set.
var reportStatuses = map[string]sms.Status{
	"Sent":      sms.StatusSent,        // sent by Africa's Talking's network
	"Submitted": sms.StatusSent,        // submitted to the mobile service provider
	"Buffered":  sms.StatusSent,        // queued by the mobile service provider
	"Success":   sms.StatusDelivered,   // delivered to the handset (final)
	"Rejected":  sms.StatusUndelivered, // rejected by the mobile service provider (final)
	"Failed":    sms.StatusUndelivered, // could not be delivered to the handset (final)
}

// NormalizeStatus maps a delivery report's status to the normalized set:
//
//	Sent, Submitted, Buffered   sent
//	Success                     delivered
//	Rejected, Failed            undelivered
//
// Anything else maps to "" (not valid).
func NormalizeStatus(s string) sms.Status { return reportStatuses[s] }

// failureKinds maps a report's failureReason to a sentinel.
var failureKinds = map[string]error{
	"UserInBlackList":      sms.ErrUnsubscribed, // opted out of the sender's messages
	"UserIsInactive":       sms.ErrUnreachable,  // inactive or deactivated subscriber
	"UserAccountSuspended": sms.ErrUnreachable,  // suspended subscriber
}

// ReportParser normalizes the Africa's Talking notifications verified by
// webhooks.NewAfricasTalking: delivery reports and incoming messages. Its
// zero value is ready to use.
type ReportParser struct{}

var _ sms.ReportParser = ReportParser{}

// ReportTypes returns the delivery report statuses and "incoming", the
// event types webhooks.AfricasTalkingVerifier gives them.
func (ReportParser) ReportTypes() []string {
	return []string{"Sent", "Submitted", "Buffered", "Success", "Rejected", "Failed", "incoming"}
}

// ParseReport reads a delivery report (id, status, phoneNumber,
// networkCode, failureReason for Rejected and Failed) or an incoming
// message (id, from, to, text). Opt-out and subscription notifications are
// sms.ErrUnhandledEvent. Africa's Talking sends no time with a report, so
// Report.Time is zero.
func (ReportParser) ParseReport(e *webhooks.Event) (*sms.Report, error) {
	if e == nil {
		return nil, fmt.Errorf("%w: no event", webhooks.ErrMalformedBody)
	}
	var f map[string]string
	if err := json.Unmarshal(e.Data, &f); err != nil || f == nil {
		return nil, fmt.Errorf("%w: africastalking event data is not an object of strings", webhooks.ErrMalformedBody)
	}
	if e.Type == "incoming" {
		if f["id"] == "" {
			return nil, fmt.Errorf("%w: africastalking incoming message without id", webhooks.ErrMalformedBody)
		}
		return &sms.Report{Provider: Name, MessageID: f["id"], Status: sms.StatusReceived, ProviderStatus: "incoming",
			From: f["from"], To: f["to"], Body: f["text"], Webhook: e}, nil
	}
	raw, id := f["status"], f["id"]
	if raw == "" {
		return nil, fmt.Errorf("%w: africastalking notification is not a delivery report", sms.ErrUnhandledEvent)
	}
	if id == "" {
		return nil, fmt.Errorf("%w: africastalking delivery report without id", webhooks.ErrMalformedBody)
	}
	status := NormalizeStatus(raw)
	if status == "" {
		return nil, fmt.Errorf("%w: africastalking status %q has no normalized form", sms.ErrUnhandledEvent, raw)
	}
	r := &sms.Report{Provider: Name, MessageID: id, Status: status, ProviderStatus: raw, To: f["phoneNumber"],
		ErrorCode: f["failureReason"], Webhook: e}
	if status == sms.StatusUndelivered {
		kind, ok := failureKinds[r.ErrorCode]
		if !ok {
			kind = sms.ErrRejected
		}
		msg := "Africa's Talking reports the message " + raw
		if r.ErrorCode != "" {
			msg += ": " + r.ErrorCode
		}
		r.Err = &sms.Error{Kind: kind, Provider: Name, Code: r.ErrorCode, Message: msg}
	}
	return r, nil
}
