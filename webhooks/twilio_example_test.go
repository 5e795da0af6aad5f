package webhooks_test

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/switchboard-go/switchboard/webhooks"
)

// Verifying the worked example of Twilio's security documentation.
// WithPublicURL gives the URL configured at Twilio; the request may reach
// the service at another address, behind a proxy.
func ExampleNewTwilio() {
	v, err := webhooks.NewTwilio("12345", webhooks.WithPublicURL("https://example.com/myapp.php?foo=1&bar=2"))
	if err != nil {
		panic(err)
	}
	h := http.Header{}
	h.Set("X-Twilio-Signature", "L/OH5YylLD5NRKLltdqwSvS0BnU=")
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	internal, _ := url.Parse("http://10.0.0.5:8080/myapp.php?foo=1&bar=2")
	events, err := v.Verify(&webhooks.Delivery{
		Method: http.MethodPost,
		URL:    internal,
		Header: h,
		Body:   []byte("CallSid=CA1234567890ABCDE&Caller=%2B14158675310&Digits=1234&From=%2B14158675310&To=%2B18005551212"),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(events[0].ID)
	fmt.Println(string(events[0].Data))
	// Output:
	// CA1234567890ABCDE
	// {"CallSid":"CA1234567890ABCDE","Caller":"+14158675310","Digits":"1234","From":"+14158675310","To":"+18005551212"}
}
