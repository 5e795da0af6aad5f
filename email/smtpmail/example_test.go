package smtpmail_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/emailtest"
	"github.com/switchboard-go/switchboard/email/smtpmail"
)

// sendWelcome is the application's code: it only knows email.Sender.
func sendWelcome(ctx context.Context, s email.Sender, to string) (*email.Receipt, error) {
	html := "<h1>Welcome!</h1><p>Your account is ready.</p>"
	return s.Send(ctx, &email.Message{
		From:    "VoidX <no-reply@voidx.example>",
		To:      []string{to},
		Subject: "Welcome to VoidX!",
		HTML:    html,
		Text:    email.HTMLToText(html),
	})
}

// The welcome email. In production the sender is an SMTP server; in tests
// it is a recorder, and the application code does not change.
func Example() {
	var sender email.Sender
	if _, err := smtpmail.NewFromURL("smtp://apikey:secret@smtp.example.com:587"); err != nil {
		fmt.Println(err)
		return
	}
	rec := emailtest.NewRecorder()
	sender = rec // production: sender, _ = smtpmail.NewFromURL(os.Getenv("SMTP_URL"))

	r, err := sendWelcome(context.Background(), sender, "user@example.com")
	if err != nil {
		fmt.Println(err)
		return
	}
	m := rec.Last()
	fmt.Println("receipt:", r.MessageID)
	fmt.Println("to:", m.To[0])
	fmt.Println("subject:", m.Subject)
	fmt.Println("html:", m.HTML)
	fmt.Printf("text: %q\n", m.Text)
	// Output:
	// receipt: recorder-1
	// to: user@example.com
	// subject: Welcome to VoidX!
	// html: <h1>Welcome!</h1><p>Your account is ready.</p>
	// text: "Welcome!\n\nYour account is ready."
}

// Invalid messages are refused before any connection is made.
func ExampleSender_Send_invalid() {
	s, err := smtpmail.New("smtp.example.com", 587, smtpmail.WithCredentials("user", "secret"))
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = s.Send(context.Background(), &email.Message{
		From:    "no-reply@voidx.example",
		To:      []string{"user@example.com"},
		Subject: "Welcome\r\nBcc: everyone@example.com",
		Text:    "Hi",
	})
	var ve *email.ValidationError
	fmt.Println(errors.Is(err, email.ErrInvalidMessage), errors.As(err, &ve), ve.Field)
	// Output:
	// true true Subject
}
