package demo_test

import (
	"fmt"
	"os"

	"github.com/switchboard-go/switchboard/examples/internal/demo"
)

// Command lines built with ShellQuote and printed with PrintCommands paste
// into a terminal as they are: a log handler would have escaped the quotes.
func ExamplePrintCommands() {
	body := `{"amount":2999,"currency":"usd","email":"a@b.co"}`
	demo.PrintCommands(os.Stdout, "Try it:",
		"curl -s -d "+demo.ShellQuote(body)+" "+demo.ShellQuote("http://127.0.0.1:8080/payments/create-intent"))
	// Output:
	// Try it:
	//
	//   curl -s -d '{"amount":2999,"currency":"usd","email":"a@b.co"}' http://127.0.0.1:8080/payments/create-intent
}

func ExampleShellQuote() {
	fmt.Println(demo.ShellQuote("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
	fmt.Println(demo.ShellQuote("Authorization: Bearer demo"))
	fmt.Println(demo.ShellQuote("it's"))
	// Output:
	// whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
	// 'Authorization: Bearer demo'
	// 'it'\''s'
}
