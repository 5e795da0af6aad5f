package sms_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"

	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/logsms"
	"github.com/switchboard-go/switchboard/sms/twiliosms"
	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// An application can tell what a text will cost before it sends it.
func ExampleCountSegments() {
	for _, body := range []string{
		"Your order 1234 has shipped.",
		"Your order’s on its way", // a curly apostrophe is not in the GSM alphabet
	} {
		s := sms.CountSegments(body)
		fmt.Printf("%s, %d segment(s), %q\n", s.Encoding, s.Count, string(s.NonGSM))
	}
	// Output:
	// GSM-7, 1 segment(s), ""
	// UCS-2, 1 segment(s), "’"
}

func ExampleValidate() {
	_, err := sms.Validate(&sms.Message{To: "0241234567", Body: "Hi"}, twiliosms.Limits())
	var ve *sms.ValidationError
	fmt.Println(errors.As(err, &ve), ve.Field, errors.Is(err, sms.ErrInvalidNumber))
	// Output: true To true
}

// Status callbacks can arrive out of order: keep the highest rank.
func ExampleAdvance() {
	var s sms.Status
	for _, next := range []sms.Status{sms.StatusDelivered, sms.StatusSent, sms.StatusQueued} {
		s = sms.Advance(s, next)
	}
	fmt.Println(s)
	// Output: delivered
}

// Handle turns verified, de-duplicated Twilio status callbacks into
// normalized Reports.
func ExampleHandle() {
	const token, public = "0123456789abcdef0123456789abcdef", "https://shop.example.com/webhooks/twilio"
	v, _ := webhooks.NewTwilio(token, webhooks.WithPublicURL(public))
	h, _ := webhooks.NewHandler(v)
	sms.Handle(h, twiliosms.ReportParser{}, func(_ context.Context, r *sms.Report) error {
		fmt.Println(r.MessageID, r.Status, r.ProviderStatus)
		return nil
	})
	sid := "SM0123456789abcdef0123456789abcdef"
	form := url.Values{"MessageSid": {sid}, "MessageStatus": {"read"}, "To": {"+233241234567"}}
	hd, body := webhookstest.SignTwilio(public, form, token)
	h.ServeHTTP(httptest.NewRecorder(), webhookstest.NewRequest(public, body, hd))
	// Output: SM0123456789abcdef0123456789abcdef delivered read
}

// An Observer sees every send as a fixed outcome word: here a text sent,
// the same text replayed from the idempotency store, and an invalid one.
// otelobserve's Calls() is such an Observer, making spans and metrics.
func ExampleObserver() {
	obs := &sms.Observer{End: func(_ context.Context, c sms.Call, r sms.Result) {
		line := c.Component + "." + c.Operation + " " + c.Provider + ": " + r.Outcome
		if r.ErrorType != "" {
			line += " (" + r.ErrorType + ")"
		}
		fmt.Println(line)
	}}
	sender, err := logsms.New(slog.New(slog.DiscardHandler), logsms.WithObserver(obs))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sender.Close()
	msg := &sms.Message{To: "+233241234567", Body: "Order 7 is paid", IdempotencyKey: "order-7:receipt"}
	_, _ = sender.Send(context.Background(), msg)
	_, _ = sender.Send(context.Background(), msg)
	_, _ = sender.Send(context.Background(), &sms.Message{To: "024 123 4567", Body: "Order 7 is paid"})
	// Output:
	// sms.send log: ok
	// sms.send log: replayed
	// sms.send log: invalid (invalid_number)
}
