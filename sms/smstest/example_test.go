package smstest_test

import (
	"context"
	"fmt"

	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/smstest"
)

// notify is application code under test.
func notify(ctx context.Context, s sms.Sender, phone string) error {
	_, err := s.Send(ctx, &sms.Message{To: phone, Body: "Your code is 123456", IdempotencyKey: "login:" + phone})
	return err
}

func ExampleRecorder() {
	rec := smstest.NewRecorder()
	_ = notify(context.Background(), rec, "+233241234567")
	_ = notify(context.Background(), rec, "+233241234567") // the same key: not sent again
	fmt.Println(rec.Len(), rec.Last().To, rec.Last().Body)

	rec.FailNext(&sms.Error{Kind: sms.ErrUnsubscribed, Provider: "twilio", Code: "21610"})
	fmt.Println(notify(context.Background(), rec, "+233200000000"))
	// Output:
	// 1 +233241234567 Your code is 123456
	// twilio: sms: recipient unsubscribed [21610]
}
