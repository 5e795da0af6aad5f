package smsmock_test

import (
	"context"
	"fmt"
	"testing"

	"go.uber.org/mock/gomock"

	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/smsmock"
)

func ExampleMockSender() {
	t := &testing.T{} // in a test, the *testing.T it receives
	ctrl := gomock.NewController(t)
	s := smsmock.NewMockSender(ctrl)
	s.EXPECT().Send(gomock.Any(), gomock.Any()).Return(&sms.Receipt{Provider: "mock", MessageID: "SM1", Status: sms.StatusQueued}, nil)
	r, _ := s.Send(context.Background(), &sms.Message{To: "+233241234567", Body: "hi"})
	fmt.Println(r.MessageID, r.Status)
	// Output: SM1 queued
}
