package sms

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-go/switchboard/webhooks"
)

// Report is a provider's delivery report (status callback) about one
// message, or an inbound message, in normalized form.
type Report struct {
	// Provider names the provider.
	Provider string
	// MessageID is the provider's id of the message, as in
	// Receipt.MessageID.
	MessageID string
	// Status is the normalized status. Reports can arrive out of order:
	// keep the one of highest Status.Rank (see Advance).
	Status Status
	// ProviderStatus is the status as the provider spelled it ("sending",
	// "Buffered").
	ProviderStatus string
	// To and From are the numbers the provider reported, when it did.
	To, From string
	// Body is the text of an inbound message (StatusReceived); empty
	// otherwise.
	Body string
	// ErrorCode is the provider's reason for an undelivered or failed
	// message (Twilio's ErrorCode "30003", Africa's Talking's
	// failureReason "UserInBlackList"), or empty.
	ErrorCode string
	// Err describes an undelivered or failed message as an *Error whose
	// Kind says what to do about it where the code tells (ErrUnsubscribed,
	// ErrUnreachable, ErrInvalidNumber, ErrSenderRejected; ErrRejected
	// otherwise); nil for other statuses.
	Err error
	// Time is when the provider says the status changed, or zero when it
	// does not say.
	Time time.Time
	// Webhook is the verified webhook event the report came from.
	Webhook *webhooks.Event
}

// ErrUnhandledEvent is returned by a ReportParser for a verified event that
// is not a message report (a Twilio voice callback on the same endpoint,
// an Africa's Talking subscription notification). Handle acknowledges it
// without calling the function.
var ErrUnhandledEvent = errors.New("sms: event is not a message report")

// ReportParser turns a provider's verified webhook events into Reports.
// twiliosms.ReportParser and africastalkingsms.ReportParser implement it.
type ReportParser interface {
	// ReportTypes lists the webhook event types (as the provider's
	// verifier names them) that the parser normalizes.
	ReportTypes() []string
	// ParseReport normalizes one verified event. It returns an error
	// wrapping ErrUnhandledEvent for an event that is not a message report
	// and one wrapping webhooks.ErrMalformedBody for a report it cannot
	// read.
	ParseReport(e *webhooks.Event) (*Report, error)
}

// Handle registers fn on h for every event type p normalizes, so that a
// delivery report is verified, de-duplicated and dispatched like any
// other webhook event, and fn receives it normalized:
//
//	v, err := webhooks.NewTwilio(authToken, webhooks.WithPublicURL("https://shop.example.com/webhooks/twilio"))
//	...
//	h, err := webhooks.NewHandler(v, webhooks.WithStore(store))
//	...
//	sms.Handle(h, twiliosms.ReportParser{}, func(ctx context.Context, r *sms.Report) error {
//		return db.AdvanceStatus(ctx, r.MessageID, r.Status) // keeps the highest rank
//	})
//
// Like On, it replaces functions registered earlier for those types (a
// Twilio "failed" or "canceled" voice callback shares its type with the
// message status): receive message reports on an endpoint of their own.
// An event the parser reports as ErrUnhandledEvent is acknowledged without
// calling fn. Any other parse error, and any error from fn, is returned
// to the handler, which answers 500 so that the provider delivers the
// report again. It panics when an argument is nil, as http.Handle does.
func Handle(h *webhooks.Handler, p ReportParser, fn func(ctx context.Context, r *Report) error) {
	if h == nil || p == nil || fn == nil {
		panic("sms: Handle needs a handler, a parser and a function")
	}
	hf := func(ctx context.Context, we *webhooks.Event) error {
		r, err := p.ParseReport(we)
		if errors.Is(err, ErrUnhandledEvent) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sms: normalizing %s report: %w", we.Provider, err)
		}
		return fn(ctx, r)
	}
	for _, t := range p.ReportTypes() {
		h.On(t, hf)
	}
}
