package mailgunmail_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/mailgunmail"
)

func Example() {
	// A stand-in for https://api.mailgun.net that queues every message.
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"<20261129.1@mg.acme.example>","message":"Queued. Thank you."}`)
	}))
	defer api.Close()

	sender, err := mailgunmail.New("mg.acme.example", "example-key", mailgunmail.WithBaseURL(api.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	receipt, err := sender.Send(context.Background(), &email.Message{
		From:     "Acme <hello@mg.acme.example>",
		To:       []string{"Ada <ada@example.com>"},
		Subject:  "Welcome to Acme",
		Text:     "Hi Ada, thanks for signing up.",
		Tags:     []string{"welcome"},
		Metadata: map[string]string{"user_id": "42"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(receipt.Provider, receipt.MessageID)
	// Output: mailgun <20261129.1@mg.acme.example>
}
