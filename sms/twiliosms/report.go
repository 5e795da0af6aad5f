package twiliosms

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/webhooks"
)

// statuses maps the Message resource's statuses to normalized ones.
var statuses = map[string]sms.Status{
	"queued":              sms.StatusQueued,
	"accepted":            sms.StatusQueued,
	"scheduled":           sms.StatusQueued,
	"sending":             sms.StatusQueued,
	"sent":                sms.StatusSent,
	"delivered":           sms.StatusDelivered,
	"read":                sms.StatusDelivered,
	"partially_delivered": sms.StatusDelivered,
	"undelivered":         sms.StatusUndelivered,
	"failed":              sms.StatusFailed,
	"canceled":            sms.StatusFailed,
	"receiving":           sms.StatusReceived,
	"received":            sms.StatusReceived,
}

// NormalizeStatus maps a status of Twilio's Message resource to the
// normalized set:
//
//	queued, accepted, scheduled, sending   queued
//	sent                                   sent
//	delivered, read, partially_delivered   delivered
//	undelivered                            undelivered
//	failed, canceled                       failed
//	receiving, received                    received
//
// A status Twilio adds later maps to "" (not valid): callers keep the
// status they have (sms.Advance never moves to it).
func NormalizeStatus(s string) sms.Status { return statuses[s] }

// reportErrorKinds maps the asynchronous error codes of undelivered and
// failed messages (docs /docs/api/errors) to sentinels.
var reportErrorKinds = map[int]error{
	21610: sms.ErrUnsubscribed,   // recipient replied STOP
	30001: sms.ErrTemporary,      // Queue overflow
	30002: sms.ErrAuthentication, // Account suspended
	30003: sms.ErrUnreachable,    // Unreachable destination handset
	30005: sms.ErrInvalidNumber,  // Unknown destination handset
	30006: sms.ErrUnreachable,    // Landline or unreachable carrier
	30032: sms.ErrSenderRejected, // Toll-free number not verified
	30034: sms.ErrSenderRejected, // message from an unregistered number (US A2P 10DLC)
}

// ReportParser normalizes Twilio status callbacks and inbound messages
// verified by webhooks.NewTwilio. Its zero value is ready to use: it needs
// no credentials, since the verifier already proved the callback genuine.
type ReportParser struct{}

var _ sms.ReportParser = ReportParser{}

// ReportTypes returns every status of Twilio's Message resource: the
// Twilio verifier uses the MessageStatus (or SmsStatus) parameter as the
// event type.
func (ReportParser) ReportTypes() []string {
	return []string{"queued", "accepted", "scheduled", "sending", "sent", "delivered", "read",
		"partially_delivered", "undelivered", "failed", "canceled", "receiving", "received"}
}

// ParseReport reads a status callback (MessageSid, MessageStatus, To,
// From, ErrorCode on undelivered and failed messages) or an inbound
// message (SmsStatus "received" and Body). An event without MessageSid or
// SmsSid, such as a voice callback on the same endpoint, is
// sms.ErrUnhandledEvent, as is a status Twilio adds later. Twilio sends no
// event time with message callbacks (RawDlrDoneDate has no time zone), so
// Report.Time is zero; the raw parameters are in Report.Webhook.Data.
func (ReportParser) ParseReport(e *webhooks.Event) (*sms.Report, error) {
	if e == nil {
		return nil, fmt.Errorf("%w: no event", webhooks.ErrMalformedBody)
	}
	f, err := formFields(e.Data)
	if err != nil {
		return nil, err
	}
	sid := f("MessageSid")
	if sid == "" {
		sid = f("SmsSid")
	}
	if sid == "" {
		return nil, fmt.Errorf("%w: twilio event without MessageSid or SmsSid", sms.ErrUnhandledEvent)
	}
	raw := f("MessageStatus")
	if raw == "" {
		raw = f("SmsStatus")
	}
	if raw == "" {
		return nil, fmt.Errorf("%w: twilio message callback without MessageStatus or SmsStatus", webhooks.ErrMalformedBody)
	}
	status := NormalizeStatus(raw)
	if status == "" {
		return nil, fmt.Errorf("%w: twilio message status %q has no normalized form", sms.ErrUnhandledEvent, raw)
	}
	r := &sms.Report{
		Provider: Name, MessageID: sid, Status: status, ProviderStatus: raw,
		To: f("To"), From: f("From"), ErrorCode: f("ErrorCode"), Webhook: e,
	}
	if status == sms.StatusReceived {
		r.Body = f("Body")
	}
	if status == sms.StatusUndelivered || status == sms.StatusFailed {
		kind := error(sms.ErrRejected)
		if n, err := strconv.Atoi(r.ErrorCode); err == nil {
			if k, ok := reportErrorKinds[n]; ok {
				kind = k
			}
		}
		r.Err = &sms.Error{Kind: kind, Provider: Name, Code: r.ErrorCode, Message: "Twilio reports the message " + raw}
	}
	return r, nil
}

// formFields reads the Twilio verifier's Data, the form as a JSON object
// whose values are strings (or arrays of strings for a repeated
// parameter), and returns a lookup of each name's first value.
func formFields(data json.RawMessage) (func(string) string, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("%w: twilio event data is not a JSON object", webhooks.ErrMalformedBody)
	}
	return func(name string) string {
		raw, ok := obj[name]
		if !ok {
			return ""
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		var ss []string
		if json.Unmarshal(raw, &ss) == nil && len(ss) > 0 {
			return ss[0]
		}
		return ""
	}, nil
}
