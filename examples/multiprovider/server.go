package main

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/switchboard-go/switchboard/examples/internal/demo"
	"github.com/switchboard-go/switchboard/idempotency/sqlitestore"
	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// newServer builds the example's router: a webhooks.Handler per provider
// sharing one SQLite idempotency store in cfg.DataDir, plus /events and
// /healthz. Secrets missing from cfg are generated; the command lines that
// send a signed test delivery to each endpoint are printed to console
// (nil: nowhere), as they are typed, since a log handler would quote them.
// ctx bounds opening the store only. cleanup closes the store; call it
// after the HTTP server has stopped.
func newServer(ctx context.Context, cfg config, logger *slog.Logger, console io.Writer) (h http.Handler, cleanup func() error, err error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	secrets, err := resolveSecrets(ctx, cfg, logger)
	if err != nil {
		return nil, nil, err
	}
	github, err := webhooks.NewGitHub(secrets.github)
	if err != nil {
		return nil, nil, fmt.Errorf("GITHUB_WEBHOOK_SECRET: %w", err)
	}
	slack, err := webhooks.NewSlack(secrets.slack)
	if err != nil {
		return nil, nil, fmt.Errorf("SLACK_SIGNING_SECRET: %w", err)
	}
	sendgrid, err := webhooks.NewSendGrid(secrets.sendgridPublic)
	if err != nil {
		return nil, nil, fmt.Errorf("SENDGRID_WEBHOOK_PUBLIC_KEY: %w", err)
	}

	if err := demo.MkdirPrivate(cfg.DataDir); err != nil {
		return nil, nil, fmt.Errorf("creating DATA_DIR: %w", err)
	}
	dbPath := filepath.Join(cfg.DataDir, storeFileName)
	if err := demo.PrivateSQLite(dbPath); err != nil {
		return nil, nil, fmt.Errorf("DATA_DIR: %w", err)
	}
	store, err := sqlitestore.Open(ctx, dbPath)
	if err != nil {
		return nil, nil, fmt.Errorf("opening the idempotency store: %w", err)
	}
	logger.LogAttrs(ctx, slog.LevelInfo, "idempotency store opened", slog.String("path", dbPath))

	p := &processor{log: logger, events: newEventLog(recentCapacity), now: time.Now}
	opts := []webhooks.HandlerOption{
		webhooks.WithStore(store),
		webhooks.WithLogger(logger.With(slog.String("component", "webhooks"))),
	}

	gh, err := webhooks.NewHandler(github, opts...)
	if err != nil {
		return nil, nil, err
	}
	gh.On("push", p.onGitHubPush)
	gh.On("pull_request", p.onGitHubPullRequest)
	gh.On("ping", p.onGitHubPing)

	sl, err := webhooks.NewHandler(slack, opts...)
	if err != nil {
		return nil, nil, err
	}
	sl.Fallback(p.onSlackEvent)

	sg, err := webhooks.NewHandler(sendgrid, opts...)
	if err != nil {
		return nil, nil, err
	}
	sg.On("delivered", p.onSendGridDelivered)
	sg.On("bounce", p.onSendGridBounce)
	sg.On("open", p.onSendGridOpen)
	sg.Fallback(p.onSendGridOther)

	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	if len(cfg.TrustedProxies) > 0 {
		r.Use(middleware.ClientIPFromXFF(cfg.TrustedProxies...))
	} else {
		r.Use(middleware.ClientIPFromRemoteAddr)
	}
	r.Use(middleware.RequestLogger(&slogFormatter{log: logger.With(slog.String("component", "http"))}))
	r.Use(middleware.Recoverer)
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
	})

	// A webhooks.Handler is a plain http.Handler: chi mounts it as it
	// would any other.
	r.Method(http.MethodPost, "/webhooks/github", gh)
	r.Method(http.MethodPost, "/webhooks/slack", sl)
	r.Method(http.MethodPost, "/webhooks/sendgrid", sg)

	r.Get("/events", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, p.events.recent())
	})
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := store.DB().PingContext(ctx); err != nil {
			logger.LogAttrs(ctx, slog.LevelError, "health check failed", slog.String("error", err.Error()))
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	secrets.printCommands(console, demo.BaseURLFor(cfg.Addr))
	return r, store.Close, nil
}

// secrets are the verification secrets the handlers use.
type secrets struct {
	github, slack, sendgridPublic string
	// sendgridPrivate is the private key of a generated SendGrid key
	// pair, in base64 (empty when the public key came from the
	// environment).
	sendgridPrivate string
	// generated names the variables whose secrets were generated.
	generated map[string]bool
}

// Variables of the secrets, in the order the commands are printed.
const (
	envGitHub   = "GITHUB_WEBHOOK_SECRET"
	envSlack    = "SLACK_SIGNING_SECRET"
	envSendGrid = "SENDGRID_WEBHOOK_PUBLIC_KEY"
)

// resolveSecrets takes the secrets from cfg and generates a demo one for
// each that is missing, logging which. The secrets themselves stay out of
// the log: the printed commands carry generated ones, and secrets from
// the environment are never printed.
func resolveSecrets(ctx context.Context, cfg config, logger *slog.Logger) (secrets, error) {
	s := secrets{github: cfg.GitHubSecret, slack: cfg.SlackSecret, sendgridPublic: cfg.SendGridPublicKey, generated: map[string]bool{}}
	demoLog := func(env string, attrs ...slog.Attr) {
		s.generated[env] = true
		attrs = append([]slog.Attr{slog.String("env", env)}, attrs...)
		logger.LogAttrs(ctx, slog.LevelWarn, "demo secret generated; set "+env+" to use your own", attrs...)
	}
	if s.github == "" {
		s.github = randomSecret()
		demoLog(envGitHub)
	}
	if s.slack == "" {
		s.slack = randomSecret()
		demoLog(envSlack)
	}
	if s.sendgridPublic == "" {
		priv, pub, err := webhookstest.GenerateSendGridKey()
		if err != nil {
			return s, fmt.Errorf("generating a SendGrid demo key: %w", err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return s, fmt.Errorf("encoding the SendGrid demo key: %w", err)
		}
		s.sendgridPrivate = base64.StdEncoding.EncodeToString(der)
		s.sendgridPublic = pub
		demoLog(envSendGrid, slog.String("public_key", pub))
	}
	return s, nil
}

// printCommands prints the command lines that send a signed test delivery
// to each endpoint at base, and list the processed events. A generated
// secret appears in its line; a secret from the environment is left to
// the shell ("$GITHUB_WEBHOOK_SECRET"). SendGrid signs with a private key
// that only a generated pair provides, so with a configured public key
// there is no SendGrid line.
func (s secrets) printCommands(console io.Writer, base string) {
	send := func(provider, env, secret string) string {
		arg := demo.ShellQuote(secret)
		if !s.generated[env] {
			arg = `"$` + env + `"`
		}
		return "go run ./cmd/switchboard webhooks send --provider " + provider + " --secret " + arg + " " +
			demo.ShellQuote(base+"/webhooks/"+provider)
	}
	lines := []string{send("github", envGitHub, s.github), send("slack", envSlack, s.slack)}
	if s.sendgridPrivate != "" {
		lines = append(lines, send("sendgrid", envSendGrid, s.sendgridPrivate))
	}
	lines = append(lines, "curl -s "+demo.ShellQuote(base+"/events"))
	title := "Send a signed test delivery from the repository root, then list the processed events:"
	if len(s.generated) > 0 {
		var names []string
		for _, env := range []string{envGitHub, envSlack, envSendGrid} {
			if s.generated[env] {
				names = append(names, env)
			}
		}
		title = "Demo secrets were generated for " + strings.Join(names, ", ") + " (set them to use your own).\n" + title
	}
	demo.PrintCommands(console, title, lines...)
}

// randomSecret returns 32 random hex digits, the shape of a Slack signing
// secret.
func randomSecret() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// slogFormatter makes chi's RequestLogger write one slog line per
// request.
type slogFormatter struct {
	log *slog.Logger
}

// NewLogEntry implements middleware.LogFormatter.
func (f *slogFormatter) NewLogEntry(r *http.Request) middleware.LogEntry {
	return &slogEntry{
		ctx: r.Context(),
		log: f.log.With(
			slog.String("request_id", middleware.GetReqID(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("client_ip", middleware.GetClientIP(r.Context())),
		),
	}
}

// slogEntry is the log entry of one request.
type slogEntry struct {
	ctx context.Context
	log *slog.Logger
}

// Write implements middleware.LogEntry.
func (e *slogEntry) Write(status, bytes int, _ http.Header, elapsed time.Duration, _ any) {
	level := slog.LevelInfo
	if status >= http.StatusInternalServerError {
		level = slog.LevelError
	}
	e.log.LogAttrs(e.ctx, level, "request",
		slog.Int("status", status), slog.Int("bytes", bytes), slog.Duration("duration", elapsed))
}

// Panic implements middleware.LogEntry.
func (e *slogEntry) Panic(v any, stack []byte) {
	err, ok := v.(error)
	if !ok {
		err = errors.New(fmt.Sprint(v))
	}
	e.log.LogAttrs(e.ctx, slog.LevelError, "panic", slog.String("error", err.Error()), slog.String("stack", string(stack)))
}
