package postmarkmail_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/postmarkmail"
)

func Example() {
	// A stand-in for https://api.postmarkapp.com that accepts every message.
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"To":"ada@example.com","SubmittedAt":"2026-11-29T02:42:00Z",`+
			`"MessageID":"0a129aee-e1cd-480d-b08d-4f48548ff48d","ErrorCode":0,"Message":"OK"}`)
	}))
	defer api.Close()

	sender, err := postmarkmail.New(postmarkmail.TestServerToken,
		postmarkmail.WithBaseURL(api.URL),
		postmarkmail.WithMessageStream("outbound"))
	if err != nil {
		fmt.Println(err)
		return
	}
	receipt, err := sender.Send(context.Background(), &email.Message{
		From:    "Acme <hello@acme.example>",
		To:      []string{"Ada <ada@example.com>"},
		Subject: "Welcome to Acme",
		HTML:    "<p>Hi Ada, thanks for signing up.</p>",
		Tags:    []string{"welcome"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(receipt.Provider, receipt.MessageID)
	// Output: postmark 0a129aee-e1cd-480d-b08d-4f48548ff48d
}
