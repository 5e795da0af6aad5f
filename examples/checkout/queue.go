package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/switchboard-go/switchboard/examples/internal/demo"
	"net/url"
	"path/filepath"
	"time"

	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/asynqqueue"
	"github.com/switchboard-go/switchboard/webhooks/riverqueue"
)

// QUEUE_URL turns on asynchronous webhook processing: the webhook
// endpoints verify each delivery, enqueue its events and answer 200 once
// the queue has stored them, and workers in this process run the event
// functions. "sqlite" (or sqlite://) alone means an SQLite queue file in
// DATA_DIR; postgres://... is the queue for several replicas; redis://...
// uses Asynq. River's migrations run at start, since the demo owns its
// database; a production service runs "switchboard webhooks jobs migrate"
// at deploy time instead.

// queueState is the webhook queue and the handlers its workers serve.
type queueState struct {
	q        webhooks.Queue
	handlers []*webhooks.Handler
}

// queueURL resolves the QUEUE_URL shorthand.
func queueURL(raw, dataDir string) string {
	if raw == "sqlite" || raw == "sqlite://" {
		return "sqlite://" + filepath.Join(dataDir, "queue.db")
	}
	return raw
}

// openQueue opens the queue QUEUE_URL names, if any.
func (a *app) openQueue(ctx context.Context) error {
	if a.cfg.QueueURL == "" {
		return nil
	}
	raw := queueURL(a.cfg.QueueURL, a.cfg.DataDir)
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("QUEUE_URL is not a URL") // the error would quote a password
	}
	switch u.Scheme {
	case "sqlite", "postgres", "postgresql":
		if u.Scheme == "sqlite" && u.Path != "" {
			// Owner-only, like the other databases in DATA_DIR.
			if err := demo.PrivateSQLite(u.Path); err != nil {
				return fmt.Errorf("QUEUE_URL: %w", err)
			}
		}
		a.queue.q, err = riverqueue.Open(ctx, raw, riverqueue.WithMigrate(), riverqueue.WithLogger(a.log),
			riverqueue.WithPollInterval(100*time.Millisecond))
	case "redis", "rediss":
		a.queue.q, err = asynqqueue.Open(ctx, raw, asynqqueue.WithLogger(a.log))
	default:
		return fmt.Errorf("QUEUE_URL: unsupported scheme %q (sqlite, postgres, redis)", u.Scheme)
	}
	if err != nil {
		return fmt.Errorf("QUEUE_URL: %w", err)
	}
	return nil
}

// webhookOptions are the options of every payment webhook handler: the
// shared store and logger, and the queue when there is one.
func (a *app) webhookOptions() []webhooks.HandlerOption {
	opts := []webhooks.HandlerOption{webhooks.WithStore(a.store), webhooks.WithLogger(a.log)}
	if a.queue.q != nil {
		opts = append(opts, webhooks.WithQueue(a.queue.q))
	}
	return opts
}

// startWorkers starts the queue's workers for every webhook handler.
func (a *app) startWorkers(ctx context.Context) error {
	if a.queue.q == nil {
		return nil
	}
	router, err := webhooks.NewJobRouter(a.queue.handlers...)
	if err != nil {
		return err
	}
	return a.queue.q.Start(ctx, router)
}

// closeQueue stops the workers, letting running jobs finish, and closes
// the queue.
func (a *app) closeQueue() error {
	if a.queue.q == nil {
		return nil
	}
	return a.queue.q.Close()
}
