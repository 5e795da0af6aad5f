package webhooksmock_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/mock/gomock"

	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/riverqueue"
	"github.com/switchboard-go/switchboard/webhooks/webhooksmock"
)

var (
	_ webhooks.Queue     = (*webhooksmock.MockQueue)(nil)
	_ webhooks.Processor = (*webhooksmock.MockProcessor)(nil)
)

// A mocked Processor drives a real queue (River on SQLite): the job the
// queue hands over is the one enqueued, a failed job is kept as failed
// with its error, and Retry hands it over again.
func TestMockProcessorUnderARealQueue(t *testing.T) {
	ctx := context.Background()
	q, err := riverqueue.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "queue.db"), riverqueue.WithMigrate(),
		riverqueue.WithMaxAttempts(1), riverqueue.WithPollInterval(20*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(func() { _ = q.Close() })

	ctrl := gomock.NewController(t)
	p := webhooksmock.NewMockProcessor(ctrl)
	isJob := gomock.Cond(func(j *webhooks.Job) bool {
		return j.Key == "acme:evt_1" && j.Event.ID == "evt_1" && j.Event.Type == "thing.created" && string(j.Event.Data) == `{"n":1}`
	})
	done := make(chan struct{})
	gomock.InOrder(
		p.EXPECT().Process(gomock.Any(), isJob).Return(errors.New("downstream refused")),
		p.EXPECT().Process(gomock.Any(), isJob).DoAndReturn(func(context.Context, *webhooks.Job) error {
			close(done)
			return nil
		}),
	)
	require.NoError(t, q.Start(ctx, p))
	t.Cleanup(func() { _ = q.Stop(ctx) })

	job := &webhooks.Job{Key: "acme:evt_1", Event: webhooks.Event{Provider: "acme", ID: "evt_1", DedupKey: "evt_1",
		Type: "thing.created", Data: []byte(`{"n":1}`)}}
	added, err := q.Enqueue(ctx, []*webhooks.Job{job})
	require.NoError(t, err)
	require.Equal(t, []bool{true}, added)

	var failed []webhooks.JobInfo
	require.Eventually(t, func() bool {
		failed, err = q.Failed(ctx, 10)
		return err == nil && len(failed) == 1
	}, 10*time.Second, 20*time.Millisecond, "the job failed its one attempt")
	require.Equal(t, "acme:evt_1", failed[0].Key)
	require.Contains(t, failed[0].LastError, "downstream refused")

	require.NoError(t, q.Retry(ctx, failed[0].ID))
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the retried job was not handed to the Processor")
	}
}
