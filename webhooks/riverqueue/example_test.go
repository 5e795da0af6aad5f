package riverqueue_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/riverqueue"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// A Stripe endpoint that acknowledges each delivery once River stored it
// and processes it in a worker.
func Example() {
	dir, _ := os.MkdirTemp("", "riverqueue-example-")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	q, err := riverqueue.Open(ctx, "sqlite://"+filepath.Join(dir, "queue.db"), riverqueue.WithMigrate(),
		riverqueue.WithPollInterval(20*time.Millisecond))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer q.Close()

	v, _ := webhooks.NewStripe("whsec_example_0123456789abcdef")
	h, _ := webhooks.NewHandler(v, webhooks.WithQueue(q))
	done := make(chan string, 1)
	h.On("invoice.paid", func(ctx context.Context, e *webhooks.Event) error {
		done <- e.ID
		return nil
	})
	if err := q.Start(ctx, h); err != nil {
		fmt.Println(err)
		return
	}

	body := []byte(`{"id":"evt_1","type":"invoice.paid"}`)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, webhookstest.NewRequest("https://shop.example/webhooks/stripe", body,
		webhookstest.SignStripe(body, "whsec_example_0123456789abcdef", time.Now())))
	fmt.Println("answered", w.Code)
	fmt.Println("processed", <-done)
	// Output:
	// answered 200
	// processed evt_1
}
