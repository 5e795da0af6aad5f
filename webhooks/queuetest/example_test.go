package queuetest_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/queuetest"
	"github.com/switchboard-go/switchboard/webhooks/riverqueue"
)

// A backend's test runs the suite with a fresh queue per check.
func ExampleRun() {
	_ = func(t *testing.T) {
		queuetest.Run(t, queuetest.Harness{
			New: func(t *testing.T, o queuetest.Options) webhooks.Queue {
				q, err := riverqueue.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "q.db"),
					riverqueue.WithMigrate(), riverqueue.WithMaxAttempts(o.MaxAttempts))
				if err != nil {
					t.Fatal(err)
				}
				return q
			},
		})
	}
}
