package e164_test

import (
	"fmt"

	"github.com/switchboard-go/switchboard/sms/e164"
)

// A checkout form in Ghana takes numbers as customers write them.
func ExampleNormalize() {
	for _, raw := range []string{"024 123 4567", "+234 803 123 4567", "12"} {
		n, err := e164.Normalize(raw, "GH")
		fmt.Println(n, err)
	}
	// Output:
	// +233241234567 <nil>
	// +2348031234567 <nil>
	//  sms: invalid To: is too short for its country
}
