package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email/emailtest"
	"github.com/switchboard-go/switchboard/internal/testenv"
)

// pgQueueURL returns a PostgreSQL URL whose queue tables live in a schema
// of the test's own, dropped at its end.
func pgQueueURL(t *testing.T) string {
	t.Helper()
	url := testenv.PostgresURL(t)
	schema := fmt.Sprintf("checkout_q_%d", time.Now().UnixNano()%1e12)
	pool, err := pgxpool.New(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	_, err = pool.Exec(context.Background(), `CREATE SCHEMA "`+schema+`"`)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = pool.Exec(context.Background(), `DROP SCHEMA "`+schema+`" CASCADE`) })
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "schema=" + schema
}

// Two replicas share one PostgreSQL queue (QUEUE_URL) and store: a payment
// event delivered many times to both is acknowledged at once, and the
// workers of the two replicas process it once: one order, one receipt.
func TestCheckoutQueueTwoReplicas(t *testing.T) {
	env := map[string]string{
		"STORE_URL":              testenv.PostgresURL(t),
		"QUEUE_URL":              pgQueueURL(t),
		"SANDBOX_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"DATA_DIR":               t.TempDir(),
	}
	mailer := emailtest.NewRecorder()
	r1 := startApp(t, env, mailer)
	r2 := startApp(t, env, mailer)
	intent := r1.createIntent(t, fmt.Sprintf("queue-two-replicas-%d", time.Now().UnixNano()))
	resp, body := r1.do(t, "POST", "/sandbox/payments/"+intent.PaymentID+"/succeed", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	require.Eventually(t, func() bool { return mailer.Len() == 1 }, 30*time.Second, 20*time.Millisecond, "the queued event is processed")
	for _, code := range redeliver(t, r1, "payment.succeeded", 10, r1.url, r2.url) {
		require.Equal(t, http.StatusOK, code, "a redelivery is acknowledged")
	}
	codes := deliverAs(t, r1, "payment.succeeded", fmt.Sprintf("msg_queue_race_%d", time.Now().UnixNano()), 20, r1.url, r2.url)
	for _, code := range codes {
		require.Equal(t, http.StatusOK, code, "every delivery is acknowledged once enqueued")
	}
	require.Eventually(t, func() bool { return mailer.Len() == 2 }, 30*time.Second, 20*time.Millisecond)
	time.Sleep(time.Second)
	require.Equal(t, 2, mailer.Len(), "each event is processed once across both replicas")
	require.Len(t, r2.listOrders(t), 1)
}

// QUEUE_URL=sqlite keeps the queue in DATA_DIR; the event is processed by
// the in-process workers after the delivery was acknowledged.
func TestCheckoutQueueSQLiteDefault(t *testing.T) {
	dir := t.TempDir()
	mailer := emailtest.NewRecorder()
	ta := startApp(t, map[string]string{"QUEUE_URL": "sqlite", "DATA_DIR": dir, "STORE_URL": "memory://",
		"SANDBOX_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, mailer)
	intent := ta.createIntent(t, fmt.Sprintf("queue-sqlite-%d", time.Now().UnixNano()))
	resp, body := ta.do(t, "POST", "/sandbox/payments/"+intent.PaymentID+"/succeed", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	require.Eventually(t, func() bool { return mailer.Len() == 1 }, 30*time.Second, 20*time.Millisecond)
	require.Equal(t, "sqlite://"+dir+"/queue.db", queueURL("sqlite", dir))
}

func TestCheckoutQueueURLErrors(t *testing.T) {
	for _, u := range []string{"ftp://x", "postgres://user:hunter2@127.0.0.1:1/db?connect_timeout=1"} {
		cfg, err := configFromEnv(func(k string) string {
			return map[string]string{"DATA_DIR": t.TempDir(), "STORE_URL": "memory://", "QUEUE_URL": u}[k]
		})
		require.NoError(t, err)
		_, err = newApp(context.Background(), cfg, appDeps{mailer: emailtest.NewRecorder()})
		require.Error(t, err)
		require.NotContains(t, err.Error(), "hunter2")
	}
}
