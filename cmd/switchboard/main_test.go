package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/switchboard-go/switchboard/webhooks"
)

func TestRunExitCodes(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stdout string
		stderr string
	}{
		{"version", []string{"version"}, "", 0, "switchboard ", ""},
		{"help", []string{"--help"}, "", 0, "Usage:", ""},
		{"webhooks help", []string{"webhooks", "verify", "--help"}, "", 0, "--now", ""},
		{"unknown command", []string{"frobnicate"}, "", 2, "", "unknown command"},
		{"unknown provider", []string{"webhooks", "sign", "-p", "acme", "-s", "x"}, "{}", 2, "", "unknown provider"},
		{"not genuine", []string{"webhooks", "verify", "-p", "stripe", "-s", "whsec_x", "-H", "Stripe-Signature: t=1,v1=00"}, "{}", 1, "", "not genuine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(tt.args, strings.NewReader(tt.stdin), &out, &errOut)
			require.Equal(t, tt.code, code, errOut.String())
			require.Contains(t, out.String(), tt.stdout)
			require.Contains(t, errOut.String(), tt.stderr)
		})
	}
}

func TestRunSendAgainstHandler(t *testing.T) {
	v, err := webhooks.NewGitHub("gh-secret")
	require.NoError(t, err)
	h, err := webhooks.NewHandler(v, webhooks.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	var processed atomic.Int64
	h.On("push", func(context.Context, *webhooks.Event) error {
		processed.Add(1)
		return nil
	})
	srv := httptest.NewServer(h)
	defer srv.Close()

	var out, errOut bytes.Buffer
	code := run([]string{"webhooks", "send", "--provider", "github", "--secret", "gh-secret",
		"--repeat", "20", "--concurrency", "5", srv.URL + "/hooks/github"}, strings.NewReader(""), &out, &errOut)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	require.Equal(t, int64(1), processed.Load())
	require.Contains(t, out.String(), "summary: 20 of 20 deliveries")
}
