package emailtest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/emailtest"
)

// signup is application code that takes any email.Sender.
func signup(ctx context.Context, s email.Sender, addr string) error {
	_, err := s.Send(ctx, &email.Message{
		From:    "VoidX <hello@voidx.example>",
		To:      []string{addr},
		Subject: "Welcome to VoidX!",
		HTML:    "<h1>Welcome!</h1><p>Your account is ready.</p>",
		Text:    email.HTMLToText("<h1>Welcome!</h1><p>Your account is ready.</p>"),
	})
	return err
}

// The welcome email of a signup flow, sent to a recorder in a test.
func Example() {
	rec := emailtest.NewRecorder()
	if err := signup(context.Background(), rec, "user@example.com"); err != nil {
		fmt.Println("error:", err)
		return
	}
	m := rec.Last()
	fmt.Println(rec.Len(), "message")
	fmt.Println("To:", m.To[0])
	fmt.Println("Subject:", m.Subject)
	fmt.Println("HTML:", m.HTML)
	fmt.Printf("Text:\n%s\n", m.Text)
	// Output:
	// 1 message
	// To: user@example.com
	// Subject: Welcome to VoidX!
	// HTML: <h1>Welcome!</h1><p>Your account is ready.</p>
	// Text:
	// Welcome!
	//
	// Your account is ready.
}

// Injecting a temporary failure to test a retry path.
func ExampleRecorder_FailNext() {
	rec := emailtest.NewRecorder()
	rec.FailNext(&email.SendError{Kind: email.ErrTemporary, Provider: "smtp", StatusCode: 451, Message: "try later"})
	m := &email.Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "Hi", Text: "Hello"}

	_, err := rec.Send(context.Background(), m)
	var se *email.SendError
	fmt.Println(err)
	fmt.Println(errors.Is(err, email.ErrTemporary), errors.As(err, &se) && se.Temporary())
	r, err := rec.Send(context.Background(), m)
	fmt.Println(r.MessageID, err)
	// Output:
	// smtp: email: temporary failure (451): try later
	// true true
	// recorder-1 <nil>
}
