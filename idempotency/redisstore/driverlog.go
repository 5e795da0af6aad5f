package redisstore

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/switchboard-go/switchboard/idempotency/internal/redact"
)

// go-redis logs through one process-wide logger (redis.SetLogger), which
// writes to stderr unless replaced, and it logs some lines (a failed dial)
// from goroutines of its own with a background context, so a line cannot
// be traced back to the client, let alone the Store, it came from. The
// least global way to keep those lines off stderr and give them to the
// logger the application chose is therefore:
//
//   - nothing happens on import;
//   - the first Store a program builds (New or Open) installs, once, a
//     router as go-redis's logger;
//   - the router sends each line to the logger of every live Store built
//     with WithLogger, at Warn, with the passwords of that Store's URL
//     masked, and drops it when there is none.
//
// A program that wants go-redis's lines for clients of its own calls
// redis.SetLogger after building its stores; that replaces the router, and
// its logger then receives the stores' lines too.

var driverLog struct {
	install sync.Once
	mu      sync.RWMutex
	stores  map[*Store]struct{}
}

// routeDriverLogs installs the router on first use and, when s has a
// logger, makes s one of its destinations.
func routeDriverLogs(s *Store) {
	driverLog.install.Do(func() { redis.SetLogger(router{}) })
	if s.logger == nil {
		return
	}
	driverLog.mu.Lock()
	defer driverLog.mu.Unlock()
	if driverLog.stores == nil {
		driverLog.stores = map[*Store]struct{}{}
	}
	driverLog.stores[s] = struct{}{}
}

// unrouteDriverLogs stops sending lines to s's logger.
func unrouteDriverLogs(s *Store) {
	driverLog.mu.Lock()
	defer driverLog.mu.Unlock()
	delete(driverLog.stores, s)
}

// router is the go-redis logger installed by routeDriverLogs.
type router struct{}

// Printf implements go-redis's logger interface.
func (router) Printf(ctx context.Context, format string, v ...any) {
	driverLog.mu.RLock()
	defer driverLog.mu.RUnlock()
	if len(driverLog.stores) == 0 {
		return
	}
	msg := strings.TrimPrefix(fmt.Sprintf(format, v...), "redis: ")
	seen := make(map[*slog.Logger]bool, len(driverLog.stores))
	for s := range driverLog.stores {
		if seen[s.logger] || !s.logger.Enabled(ctx, slog.LevelWarn) {
			continue
		}
		seen[s.logger] = true
		line := redact.Error(msg, nil, s.secrets).Error()
		s.logger.LogAttrs(ctx, slog.LevelWarn, "go-redis", slog.String("store", Name), slog.String("message", line))
	}
}
