package cli

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/internal/testenv"
	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/asynqqueue"
	"github.com/switchboard-go/switchboard/webhooks/riverqueue"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// failJobs delivers n Stripe events through a Handler on q whose function
// fails until fixed is set, and waits until they are all failed.
func failJobs(t *testing.T, q webhooks.Queue, n int, fixed *atomic.Bool, ran *atomic.Int32) {
	t.Helper()
	v, err := webhooks.NewStripe("whsec_cli_jobs_test_0123456789")
	require.NoError(t, err)
	h, err := webhooks.NewHandler(v, webhooks.WithQueue(q))
	require.NoError(t, err)
	h.On("invoice.paid", func(context.Context, *webhooks.Event) error {
		if !fixed.Load() {
			return errors.New("smtp: 554 rejected")
		}
		ran.Add(1)
		return nil
	})
	require.NoError(t, q.Start(context.Background(), h))
	t.Cleanup(func() { _ = q.Close() })
	for i := range n {
		body := []byte(`{"id":"evt_cli_` + time.Now().Format("150405.000000") + `_` + string(rune('a'+i)) + `","type":"invoice.paid"}`)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, webhookstest.NewRequest("https://x.example/", body, webhookstest.SignStripe(body, "whsec_cli_jobs_test_0123456789", time.Now())))
		require.Equal(t, 200, w.Code)
	}
	require.Eventually(t, func() bool {
		f, err := q.Failed(context.Background(), 100)
		return err == nil && len(f) == n
	}, 30*time.Second, 20*time.Millisecond)
}

func testJobsCommands(t *testing.T, queueURL string, q webhooks.Queue, extra ...string) {
	var fixed atomic.Bool
	var ran atomic.Int32
	failJobs(t, q, 3, &fixed, &ran)

	code, out, errOut := runCLI(t, context.Background(), "", append([]string{"webhooks", "jobs", "list", "--queue", queueURL}, extra...)...)
	require.Equal(t, ExitOK, code, errOut)
	require.Contains(t, out, "invoice.paid")
	require.Contains(t, out, "smtp: 554 rejected")
	require.Contains(t, out, "1/1")

	code, out, errOut = runCLI(t, context.Background(), "", append([]string{"webhooks", "jobs", "list", "--json", "--queue", queueURL}, extra...)...)
	require.Equal(t, ExitOK, code, errOut)
	var jobs []webhooks.JobInfo
	require.NoError(t, json.Unmarshal([]byte(out), &jobs))
	require.Len(t, jobs, 3)

	fixed.Store(true)
	code, out, errOut = runCLI(t, context.Background(), "", append([]string{"webhooks", "jobs", "retry", "--queue", queueURL, jobs[0].ID}, extra...)...)
	require.Equal(t, ExitOK, code, errOut)
	require.Contains(t, out, "queued again")
	require.Eventually(t, func() bool { return ran.Load() == 1 }, 30*time.Second, 20*time.Millisecond, "the retried job runs")

	code, _, errOut = runCLI(t, context.Background(), "", append([]string{"webhooks", "jobs", "retry", "--queue", queueURL, jobs[0].ID}, extra...)...)
	require.Equal(t, ExitFailure, code, "a job that is no longer failed cannot be retried")
	require.Contains(t, errOut, "not found")

	code, out, errOut = runCLI(t, context.Background(), "", append([]string{"webhooks", "jobs", "retry", "--all", "--queue", queueURL}, extra...)...)
	require.Equal(t, ExitOK, code, errOut)
	require.Contains(t, out, "2 failed jobs queued again")
	require.Eventually(t, func() bool { return ran.Load() == 3 }, 30*time.Second, 20*time.Millisecond)

	code, out, _ = runCLI(t, context.Background(), "", append([]string{"webhooks", "jobs", "list", "--queue", queueURL}, extra...)...)
	require.Equal(t, ExitOK, code)
	require.Contains(t, out, "no failed jobs")
}

func TestJobsSQLite(t *testing.T) {
	url := "sqlite://" + filepath.Join(t.TempDir(), "queue.db")
	code, _, errOut := runCLI(t, context.Background(), "", "webhooks", "jobs", "list", "--queue", url)
	require.Equal(t, ExitFailure, code)
	require.Contains(t, errOut, "migrations have not run", "nothing is migrated unasked")
	code, out, errOut := runCLI(t, context.Background(), "", "webhooks", "jobs", "migrate", "--queue", url)
	require.Equal(t, ExitOK, code, errOut)
	require.Contains(t, out, "up to date")
	q, err := riverqueue.Open(context.Background(), url, riverqueue.WithMaxAttempts(1), riverqueue.WithPollInterval(20*time.Millisecond))
	require.NoError(t, err)
	testJobsCommands(t, url, q)
}

func TestJobsRedis(t *testing.T) {
	url := testenv.RedisURL(t)
	name := "sbcli-" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")
	q, err := asynqqueue.Open(context.Background(), url, asynqqueue.WithQueueName(name), asynqqueue.WithMaxAttempts(1),
		asynqqueue.WithPollInterval(20*time.Millisecond))
	require.NoError(t, err)
	testJobsCommands(t, url, q, "--queue-name", name)
}

func TestJobsUsage(t *testing.T) {
	t.Setenv("QUEUE_URL", "")
	for _, args := range [][]string{
		{"webhooks", "jobs", "list"},
		{"webhooks", "jobs", "list", "--queue", "ftp://x"},
		{"webhooks", "jobs", "retry", "--queue", "sqlite:///tmp/x.db"},
		{"webhooks", "jobs", "retry", "--all", "1", "--queue", "sqlite:///tmp/x.db"},
		{"webhooks", "jobs", "list", "--limit", "0", "--queue", "sqlite:///tmp/x.db"},
	} {
		code, _, _ := runCLI(t, context.Background(), "", args...)
		require.Equal(t, ExitUsage, code, strings.Join(args, " "))
	}
}
