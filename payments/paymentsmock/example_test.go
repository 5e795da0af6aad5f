package paymentsmock_test

import (
	"context"
	"fmt"

	"go.uber.org/mock/gomock"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/paymentsmock"
)

// printReporter reports mock failures by printing them; a test passes its
// *testing.T instead.
type printReporter struct{}

func (printReporter) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
func (printReporter) Fatalf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

func Example() {
	ctrl := gomock.NewController(printReporter{})
	defer ctrl.Finish()
	p := paymentsmock.NewMockProvider(ctrl)
	p.EXPECT().GetPayment(gomock.Any(), "pay_1").
		Return(&payments.Payment{ID: "pay_1", Status: payments.StatusSucceeded}, nil)

	pay, _ := p.GetPayment(context.Background(), "pay_1")
	fmt.Println(pay.ID, pay.Status)
	// Output: pay_1 succeeded
}
