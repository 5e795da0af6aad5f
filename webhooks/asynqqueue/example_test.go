package asynqqueue_test

import (
	"context"
	"log"
	"net/http"

	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/asynqqueue"
)

// A GitHub endpoint that acknowledges deliveries once Redis stored them;
// the workers of every replica process them.
func Example() {
	ctx := context.Background()
	q, err := asynqqueue.Open(ctx, "redis://127.0.0.1:6379/0", asynqqueue.WithQueueName("github"))
	if err != nil {
		log.Fatal(err)
	}
	defer q.Close()
	v, err := webhooks.NewGitHub("a-webhook-secret")
	if err != nil {
		log.Fatal(err)
	}
	h, err := webhooks.NewHandler(v, webhooks.WithQueue(q))
	if err != nil {
		log.Fatal(err)
	}
	h.On("push", func(ctx context.Context, e *webhooks.Event) error { return nil })
	if err := q.Start(ctx, h); err != nil {
		log.Fatal(err)
	}
	defer q.Stop(ctx)
	http.Handle("POST /webhooks/github", h)
}
