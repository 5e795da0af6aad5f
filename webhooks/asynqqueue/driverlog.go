package asynqqueue

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/redis/go-redis/v9"
)

// go-redis logs through one process-wide logger (redis.SetLogger), which
// writes to stderr unless replaced. The first Queue a program builds
// installs, once, a router as that logger: it sends each line, at Warn, to
// the logger of every live Queue built with WithLogger, and drops it when
// there is none. Nothing happens on import. A program that wants the
// lines of its own clients calls redis.SetLogger after building its
// queues.
var driverLog struct {
	install sync.Once
	mu      sync.RWMutex
	queues  map[*Queue]*slog.Logger
}

func routeDriverLogs(q *Queue, l *slog.Logger) {
	driverLog.install.Do(func() { redis.SetLogger(router{}) })
	if l == nil {
		return
	}
	driverLog.mu.Lock()
	defer driverLog.mu.Unlock()
	if driverLog.queues == nil {
		driverLog.queues = map[*Queue]*slog.Logger{}
	}
	driverLog.queues[q] = l
}

func unrouteDriverLogs(q *Queue) {
	driverLog.mu.Lock()
	defer driverLog.mu.Unlock()
	delete(driverLog.queues, q)
}

type router struct{}

func (router) Printf(ctx context.Context, format string, v ...any) {
	driverLog.mu.RLock()
	defer driverLog.mu.RUnlock()
	if len(driverLog.queues) == 0 {
		return
	}
	msg := fmt.Sprintf(format, v...)
	for _, l := range driverLog.queues {
		if l.Enabled(ctx, slog.LevelWarn) {
			l.LogAttrs(ctx, slog.LevelWarn, "redis client", slog.String("queue_backend", Name), slog.String("detail", msg))
		}
	}
}
