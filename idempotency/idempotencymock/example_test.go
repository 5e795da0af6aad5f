package idempotencymock_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/mock/gomock"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/idempotencymock"
)

// reporter stands in for the *testing.T a test passes to gomock.
type reporter struct{}

func (reporter) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
func (reporter) Fatalf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

func Example() {
	ctrl := gomock.NewController(reporter{})
	defer ctrl.Finish()
	store := idempotencymock.NewMockStore(ctrl)
	store.EXPECT().
		Claim(gomock.Any(), "stripe:evt_1", gomock.Any(), time.Minute).
		Return(idempotency.Claim{}, errors.New("connection refused"))

	var s idempotency.Store = store
	_, err := s.Claim(context.Background(), "stripe:evt_1", "", time.Minute)
	fmt.Println(err)
	// Output: connection refused
}
