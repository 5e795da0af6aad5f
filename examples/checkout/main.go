package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/switchboard-go/switchboard/examples/internal/demo"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Getenv, logger, os.Stderr, nil)
	stop()
	if err != nil {
		logger.Error("checkout stopped", "err", err)
		os.Exit(1)
	}
}

// run serves until ctx is done, then shuts down gracefully. The
// configuration comes through getenv; log lines go to logger and the
// command lines a person pastes into a terminal to console (log handlers
// escape quotes, so those lines bypass the log). ready, when not nil, is
// called with the app's base URL once it accepts connections.
func run(ctx context.Context, getenv func(string) string, logger *slog.Logger, console io.Writer, ready func(baseURL string)) error {
	cfg, err := configFromEnv(getenv)
	if err != nil {
		return err
	}
	if err := cfg.checkExposure(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	baseURL := demo.BaseURL(ln.Addr())
	a, err := newApp(ctx, cfg, appDeps{logger: logger, baseURL: baseURL, console: console})
	if err != nil {
		ln.Close()
		return err
	}
	defer a.Close()

	srv := &http.Server{
		Handler:           a,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("checkout listening", "url", baseURL, "payments", cfg.PaymentsProvider,
		"store", displayURL(cfg.StoreURL), "data_dir", cfg.DataDir)
	a.printQuickStart()
	if ready != nil {
		ready(baseURL)
	}

	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	return nil
}
