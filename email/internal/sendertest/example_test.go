package sendertest_test

import (
	"fmt"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/internal/sendertest"
)

// Every case of the shared table is a message email.Validate refuses; a
// provider's tests append the cases only its API adds.
func ExampleInvalidMessages() {
	for _, c := range sendertest.InvalidMessages()[:3] {
		m := sendertest.FullMessage()
		c.Edit(m)
		fmt.Println(c.Name+":", email.Validate(m) != nil)
	}
	// Output:
	// CRLF in subject: true
	// LF in subject: true
	// bad to address: true
}
