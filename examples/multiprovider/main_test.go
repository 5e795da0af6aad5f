package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

func TestRunServesAndShutsDownGracefully(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{
		"ADDR":                  "127.0.0.1:0",
		"DATA_DIR":              dir,
		"GITHUB_WEBHOOK_SECRET": testGitHubSecret,
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, env(vars), logger, io.Discard, func(addr string) { addrc <- addr }) }()

	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("run returned early: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	client := &http.Client{Timeout: 30 * time.Second}

	resp, err := client.Get("http://" + addr + "/healthz")
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	body, err := webhookstest.SampleEvent("github", "push")
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/webhooks/github", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header = webhookstest.SignGitHub(body, testGitHubSecret, "push", "run-test")
	resp, err = client.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("server did not shut down")
	}
	require.Contains(t, logs.String(), `"msg":"stopped"`)
	require.Contains(t, logs.String(), "http://"+addr+"/webhooks/github")
	require.NotContains(t, logs.String(), testGitHubSecret)

	// The store persists in DATA_DIR: a restarted server still knows the
	// delivery.
	vars["ADDR"] = "127.0.0.1:0"
	s := startServer(t, vars)
	status, out := s.post(t, "/webhooks/github", body, webhookstest.SignGitHub(body, testGitHubSecret, "push", "run-test"))
	require.Equal(t, http.StatusOK, status, out)
	require.Empty(t, s.events(t), "already processed before the restart")
}

func TestRunFailsOnBadConfig(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		name string
		env  map[string]string
	}{
		{"bad proxies", map[string]string{"TRUSTED_PROXIES": "nope", "ADDR": "127.0.0.1:0"}},
		{"bad address", map[string]string{"ADDR": "127.0.0.1:notaport"}},
		{"bad sendgrid key", map[string]string{"ADDR": "127.0.0.1:0", "SENDGRID_WEBHOOK_PUBLIC_KEY": "AAAA"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.env["DATA_DIR"] = t.TempDir()
			err := run(context.Background(), env(tt.env), logger, io.Discard, func(string) { t.Error("server started") })
			require.Error(t, err)
		})
	}
}

// Generated demo secrets are printed to the terminal: a server reachable
// from other machines with them would accept deliveries signed by whoever
// read them.
func TestRefusesToListenBeyondLoopbackWithDemoSecrets(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		addr string
		env  map[string]string
		want []string
	}{
		{"0.0.0.0:0", nil, []string{"GITHUB_WEBHOOK_SECRET", "SLACK_SIGNING_SECRET", "SENDGRID_WEBHOOK_PUBLIC_KEY"}},
		{":0", map[string]string{"GITHUB_WEBHOOK_SECRET": testGitHubSecret, "SLACK_SIGNING_SECRET": testSlackSecret},
			[]string{"SENDGRID_WEBHOOK_PUBLIC_KEY is unset"}},
		{"[::]:0", map[string]string{"GITHUB_WEBHOOK_SECRET": testGitHubSecret}, []string{"SLACK_SIGNING_SECRET", "SENDGRID_WEBHOOK_PUBLIC_KEY"}},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			vars := map[string]string{"ADDR": tc.addr, "DATA_DIR": t.TempDir()}
			for k, v := range tc.env {
				vars[k] = v
			}
			console := &syncBuffer{}
			err := run(context.Background(), env(vars), logger, console, func(string) { t.Error("server started") })
			require.Error(t, err)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
			require.NotContains(t, err.Error(), testGitHubSecret)
			require.Empty(t, console.String(), "no secret was generated or printed")
		})
	}

	// With every secret configured, any address is the operator's choice.
	_, pub, err := webhookstest.GenerateSendGridKey()
	require.NoError(t, err)
	cfg, err := configFromEnv(env(map[string]string{"ADDR": "0.0.0.0:8081", "GITHUB_WEBHOOK_SECRET": "a",
		"SLACK_SIGNING_SECRET": "b", "SENDGRID_WEBHOOK_PUBLIC_KEY": pub}))
	require.NoError(t, err)
	require.NoError(t, cfg.checkExposure(context.Background()))
	cfg, err = configFromEnv(env(map[string]string{"ADDR": "localhost:8081"}))
	require.NoError(t, err)
	require.NoError(t, cfg.checkExposure(context.Background()), "loopback with demo secrets is the demo")
}
