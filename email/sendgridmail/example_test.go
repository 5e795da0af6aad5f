package sendgridmail_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/sendgridmail"
)

func Example() {
	// A stand-in for https://api.sendgrid.com that accepts every message.
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Message-Id", "W8cfGEa9QKaQ1wj3Nyf1pg")
		w.WriteHeader(http.StatusAccepted)
	}))
	defer api.Close()

	sender, err := sendgridmail.New("SG.example-key", sendgridmail.WithBaseURL(api.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	receipt, err := sender.Send(context.Background(), &email.Message{
		From:    "Acme <hello@acme.example>",
		To:      []string{"Ada <ada@example.com>"},
		Subject: "Welcome to Acme",
		Text:    "Hi Ada, thanks for signing up.",
		HTML:    "<p>Hi Ada, thanks for signing up.</p>",
		Tags:    []string{"welcome"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(receipt.Provider, receipt.MessageID)
	// Output: sendgrid W8cfGEa9QKaQ1wj3Nyf1pg
}
