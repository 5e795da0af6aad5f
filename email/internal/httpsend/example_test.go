package httpsend_test

import (
	"fmt"

	"github.com/switchboard-go/switchboard/email/internal/httpsend"
)

func ExampleSanitize() {
	fmt.Printf("%+q\n", httpsend.Sanitize(" Invalid\r\naddress\xff "))
	// Output: "Invalid  address\ufffd"
}
