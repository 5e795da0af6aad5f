package webhooksmock_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"go.uber.org/mock/gomock"

	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhooksmock"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// A Handler built WithQueue, tested against a mocked Queue: a delivery
// stored by the queue is answered 200, one the queue cannot store 503 (the
// provider delivers it again), and the Processor the workers would get is
// the Handler, which runs the stored job's event.
func ExampleMockQueue() {
	const secret = "whsec_example_0123456789abcdef"
	ctrl := gomock.NewController(printReporter{})
	defer ctrl.Finish()
	q := webhooksmock.NewMockQueue(ctrl)

	var stored []*webhooks.Job
	var workers webhooks.Processor
	q.EXPECT().Start(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, p webhooks.Processor) error {
		workers = p
		return nil
	})
	gomock.InOrder(
		q.EXPECT().Enqueue(gomock.Any(), gomock.Len(1)).DoAndReturn(func(_ context.Context, jobs []*webhooks.Job) ([]bool, error) {
			stored = append(stored, jobs...)
			return []bool{true}, nil
		}),
		q.EXPECT().Enqueue(gomock.Any(), gomock.Any()).Return(nil, fmt.Errorf("%w: connection refused", webhooks.ErrQueueUnavailable)),
	)

	v, _ := webhooks.NewStripe(secret)
	h, err := webhooks.NewHandler(v, webhooks.WithQueue(q))
	if err != nil {
		fmt.Println(err)
		return
	}
	h.On("invoice.paid", func(_ context.Context, e *webhooks.Event) error {
		fmt.Println("ran", e.ID)
		return nil
	})
	if err := q.Start(context.Background(), h); err != nil {
		fmt.Println(err)
		return
	}

	for _, id := range []string{"evt_1", "evt_2"} {
		body := []byte(`{"id":"` + id + `","type":"invoice.paid"}`)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, webhookstest.NewRequest("https://shop.example/webhooks/stripe", body,
			webhookstest.SignStripe(body, secret, time.Now())))
		fmt.Println(id, w.Code)
	}
	fmt.Println("stored", len(stored), stored[0].Key)
	fmt.Println(workers.Process(context.Background(), stored[0]))
	// Output:
	// evt_1 200
	// evt_2 503
	// stored 1 stripe:evt_1
	// ran evt_1
	// <nil>
}
