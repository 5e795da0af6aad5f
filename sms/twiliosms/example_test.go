package twiliosms_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/smstest"
	"github.com/switchboard-go/switchboard/sms/twiliosms"
)

// A receipt text sent at most once: the retry returns the first receipt
// and Twilio is called once.
func ExampleNew() {
	fake := smstest.StartTwilioServer() // stands in for api.twilio.com
	defer fake.Close()

	sender, err := twiliosms.New(fake.AccountSID, fake.AuthToken,
		twiliosms.WithBaseURL(fake.URL), // omit in production
		twiliosms.WithFrom(smstest.TwilioValidFrom),
		twiliosms.WithStatusCallback("https://shop.example.com/webhooks/twilio"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sender.Close()

	msg := &sms.Message{To: "+233241234567", Body: "Order 7 is paid. Thank you!", IdempotencyKey: "order-7:receipt"}
	first, _ := sender.Send(context.Background(), msg)
	retry, _ := sender.Send(context.Background(), msg)
	fmt.Println(first.Status, first.Segments, retry.MessageID == first.MessageID, retry.Replayed, fake.Calls())
	// Output: queued 1 true true 1
}

// Errors tell what to do.
func ExampleSender_Send_errors() {
	fake := smstest.StartTwilioServer()
	defer fake.Close()
	sender, _ := twiliosms.New(fake.AccountSID, fake.AuthToken, twiliosms.WithBaseURL(fake.URL), twiliosms.WithFrom(smstest.TwilioValidFrom))
	defer sender.Close()

	_, err := sender.Send(context.Background(), &sms.Message{To: smstest.TwilioUnsubscribedTo, Body: "Sale!"})
	var se *sms.Error
	fmt.Println(errors.Is(err, sms.ErrUnsubscribed), errors.As(err, &se) && se.Code == "21610")

	_, err = sender.Send(context.Background(), &sms.Message{To: "024 123 4567", Body: "Sale!"})
	fmt.Println(errors.Is(err, sms.ErrInvalidNumber), fake.Calls())
	// Output:
	// true true
	// true 1
}
