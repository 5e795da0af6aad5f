package emailmock_test

import (
	"context"
	"fmt"

	"go.uber.org/mock/gomock"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/emailmock"
)

// printReporter reports mock failures by printing them; a test passes its
// *testing.T instead.
type printReporter struct{}

func (printReporter) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
func (printReporter) Fatalf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

func Example() {
	ctrl := gomock.NewController(printReporter{})
	defer ctrl.Finish()
	s := emailmock.NewMockSender(ctrl)
	s.EXPECT().Send(gomock.Any(), gomock.Any()).
		Return(&email.Receipt{Provider: "mock", MessageID: "msg-1"}, nil).
		Times(1)

	r, err := s.Send(context.Background(), &email.Message{
		From:    "shop@example.com",
		To:      []string{"ada@example.com"},
		Subject: "Your receipt",
		Text:    "Thanks for your order.",
	})
	fmt.Println(r.Provider, r.MessageID, err)
	// Output: mock msg-1 <nil>
}
