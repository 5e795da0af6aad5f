package africastalkingsms_test

import (
	"context"
	"fmt"

	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/africastalkingsms"
	"github.com/switchboard-go/switchboard/sms/smstest"
)

func ExampleNew() {
	fake := smstest.StartAfricasTalkingServer() // stands in for api.africastalking.com
	defer fake.Close()

	sender, err := africastalkingsms.New(fake.Username, fake.APIKey,
		africastalkingsms.WithBaseURL(fake.URL), // omit in production; WithSandbox for the sandbox
		africastalkingsms.WithFrom("MYSHOP"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sender.Close()

	r, err := sender.Send(context.Background(), &sms.Message{To: "+254711082300", Body: "Asante! Order 7 is paid."})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Provider, r.Status, r.Cost.Currency, r.Cost.Amount)
	// Output: africastalking sent KES 0.8000
}
