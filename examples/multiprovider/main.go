package main

import (
	"bytes"
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

// Timeouts of the HTTP server.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
	shutdownTimeout   = 10 * time.Second
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Getenv, logger, os.Stderr, nil)
	stop()
	if err != nil {
		logger.Error("multiprovider stopped", slog.String("error", err.Error()))
		os.Exit(1)
	}
}

// run serves until ctx is done, then shuts down gracefully: it stops
// accepting connections, lets requests in flight finish (for up to
// shutdownTimeout) and closes the store. Command lines for a person go to
// console. ready, when not nil, is called with the listening address once
// the server accepts connections.
func run(ctx context.Context, getenv func(string) string, logger *slog.Logger, console io.Writer, ready func(addr string)) error {
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
	cfg.Addr = ln.Addr().String() // the real port when ADDR ends in :0
	// The command lines are printed after the "listening" line, once they
	// work.
	var commands bytes.Buffer
	h, cleanup, err := newServer(ctx, cfg, logger, &commands)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer func() {
		if cerr := cleanup(); cerr != nil {
			logger.Error("closing the store", slog.String("error", cerr.Error()))
		}
	}()

	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	base := demo.BaseURL(ln.Addr())
	logger.Info("multiprovider listening",
		slog.String("addr", base),
		slog.String("github", base+"/webhooks/github"),
		slog.String("slack", base+"/webhooks/slack"),
		slog.String("sendgrid", base+"/webhooks/sendgrid"),
		slog.String("events", base+"/events"))
	if console != nil {
		_, _ = commands.WriteTo(console)
	}
	if ready != nil {
		ready(cfg.Addr)
	}

	select {
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	logger.Info("stopped")
	return nil
}
