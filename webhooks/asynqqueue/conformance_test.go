package asynqqueue_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/internal/testenv"
	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/asynqqueue"
	"github.com/switchboard-go/switchboard/webhooks/queuetest"
)

var seq atomic.Int64

// queueName is a queue of the test's own: Asynq keeps a queue's keys
// under "asynq:{name}:".
func queueName() string { return fmt.Sprintf("sbtest-%d-%d", time.Now().UnixNano()%1e9, seq.Add(1)) }

func options(o queuetest.Options, name string) []asynqqueue.Option {
	return []asynqqueue.Option{
		asynqqueue.WithQueueName(name),
		asynqqueue.WithMaxAttempts(o.MaxAttempts),
		asynqqueue.WithBackoff(func(int) time.Duration { return o.Backoff }),
		asynqqueue.WithShutdownTimeout(o.ShutdownTimeout),
		asynqqueue.WithPollInterval(20 * time.Millisecond),
	}
}

func TestConformanceRedis(t *testing.T) {
	url := testenv.RedisURL(t)
	ro, err := redis.ParseURL(url)
	require.NoError(t, err)
	var mu sync.Mutex
	names := map[webhooks.Queue]string{}
	proxies := map[webhooks.Queue]*testenv.Proxy{}
	queuetest.Run(t, queuetest.Harness{
		New: func(t *testing.T, o queuetest.Options) webhooks.Queue {
			p := testenv.NewProxy(t, ro.Addr)
			pro := *ro
			pro.Addr = p.Addr()
			pro.MaxRetries = -1
			rdb := redis.NewClient(&pro)
			t.Cleanup(func() { _ = rdb.Close() })
			name := queueName()
			q, err := asynqqueue.New(rdb, options(o, name)...)
			require.NoError(t, err)
			mu.Lock()
			names[q], proxies[q] = name, p
			mu.Unlock()
			return q
		},
		Replica: func(t *testing.T, q webhooks.Queue, o queuetest.Options) webhooks.Queue {
			mu.Lock()
			name := names[q]
			mu.Unlock()
			q2, err := asynqqueue.Open(context.Background(), url, options(o, name)...)
			require.NoError(t, err)
			return q2
		},
		InjectError: func(t *testing.T, q webhooks.Queue, kind error) bool {
			mu.Lock()
			p := proxies[q]
			mu.Unlock()
			if kind == nil {
				p.Restore()
				return true
			}
			if !errors.Is(kind, webhooks.ErrQueueUnavailable) {
				return false
			}
			p.Cut()
			t.Cleanup(p.Restore)
			return true
		},
	})
}

func TestOptionsRejectBadValues(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	for name, o := range map[string]asynqqueue.Option{
		"WithQueueName":       asynqqueue.WithQueueName("bad name"),
		"WithWorkers":         asynqqueue.WithWorkers(0),
		"WithMaxAttempts":     asynqqueue.WithMaxAttempts(0),
		"WithBackoff":         asynqqueue.WithBackoff(nil),
		"WithJobTimeout":      asynqqueue.WithJobTimeout(0),
		"WithShutdownTimeout": asynqqueue.WithShutdownTimeout(0),
		"WithRetention":       asynqqueue.WithRetention(0),
		"WithPollInterval":    asynqqueue.WithPollInterval(time.Millisecond),
		"WithLogger":          asynqqueue.WithLogger(nil),
	} {
		_, err := asynqqueue.New(rdb, o)
		require.ErrorIs(t, err, webhooks.ErrInvalidConfig, name)
		require.ErrorContains(t, err, name)
	}
	_, err := asynqqueue.Open(context.Background(), "redis://:hunter2@127.0.0.1:1/0")
	require.ErrorIs(t, err, webhooks.ErrQueueUnavailable)
	require.NotContains(t, err.Error(), "hunter2", "errors never quote the password")
}
