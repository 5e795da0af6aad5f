package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/internal/cli"
	"github.com/switchboard-go/switchboard/internal/testenv"
)

// needTools skips the test when a tool a person would paste the printed
// lines into is missing, or fails it when services are required.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if testenv.Required() {
				t.Fatalf("%s is not on PATH but %s=1", tool, testenv.EnvRequire)
			}
			t.Skipf("skipping: %s is not on PATH to run the printed command lines", tool)
		}
	}
}

// shellWords splits a command line into its arguments as sh does, with
// env added to the environment for the expansions it holds.
func shellWords(t *testing.T, line string, env ...string) []string {
	t.Helper()
	cmd := exec.Command("sh", "-c", `printf '%s\0' `+line)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	require.NoError(t, err, line)
	return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
}

// paste runs a printed command line as a person would from the
// repository root: "go run ./cmd/switchboard" is the CLI, run here in
// process with the arguments sh makes of the rest of the line; any other
// line runs through sh.
func paste(t *testing.T, line string, env ...string) string {
	t.Helper()
	if rest, ok := strings.CutPrefix(line, "go run ./cmd/switchboard "); ok {
		var stdout, stderr bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		code := cli.Run(ctx, shellWords(t, rest, env...), strings.NewReader(""), &stdout, &stderr)
		require.Zero(t, code, "%s\n%s%s", line, stdout.String(), stderr.String())
		return stdout.String()
	}
	cmd := exec.Command("sh", "-c", line)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		t.Fatalf("%s: %v\n%s", line, err, exit.Stderr)
	}
	require.NoError(t, err, line)
	return string(out)
}

// The command lines printed at start work as pasted, with demo secrets
// and with secrets from the environment, and the data directory and the
// store are the owner's alone.
func TestPrintedCommandLinesWorkAsPasted(t *testing.T) {
	needTools(t, "sh", "curl")
	for _, tc := range []struct {
		name string
		vars map[string]string
		env  []string
		want int // command lines printed
	}{
		{"demo secrets", map[string]string{}, nil, 4},
		{"configured secrets", map[string]string{"GITHUB_WEBHOOK_SECRET": testGitHubSecret, "SLACK_SIGNING_SECRET": testSlackSecret},
			[]string{"GITHUB_WEBHOOK_SECRET=" + testGitHubSecret, "SLACK_SIGNING_SECRET=" + testSlackSecret}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			vars := map[string]string{"ADDR": "127.0.0.1:0", "DATA_DIR": dir}
			for k, v := range tc.vars {
				vars[k] = v
			}
			console, logs := &syncBuffer{}, &syncBuffer{}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			addrc, done := make(chan string, 1), make(chan error, 1)
			go func() {
				done <- run(ctx, env(vars), slog.New(slog.NewJSONHandler(logs, nil)), console, func(a string) { addrc <- a })
			}()
			var addr string
			select {
			case addr = <-addrc:
			case err := <-done:
				t.Fatalf("run returned early: %v", err)
			case <-time.After(30 * time.Second):
				t.Fatal("server did not start")
			}

			lines := commandLines(console.String())
			require.Len(t, lines, tc.want, console.String())
			require.NotContains(t, console.String(), `\"`)
			for _, l := range lines {
				require.Contains(t, l, "http://"+addr+"/", "the lines name the real address")
			}
			for _, l := range lines[:len(lines)-1] {
				out := paste(t, l, tc.env...)
				require.Contains(t, out, "200", l)
			}
			var events []eventRecord
			out := paste(t, lines[len(lines)-1])
			require.NoError(t, json.Unmarshal([]byte(out), &events), out)
			require.Len(t, events, len(lines)-1, "one event per send line")

			if runtime.GOOS != "windows" {
				fi, err := os.Stat(dir)
				require.NoError(t, err)
				require.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
				for _, f := range []string{storeFileName, storeFileName + "-wal", storeFileName + "-shm"} {
					fi, err := os.Stat(filepath.Join(dir, f))
					require.NoError(t, err)
					require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), f)
				}
			}
			if tc.env != nil {
				require.NotContains(t, console.String()+logs.String(), testGitHubSecret)
			}

			cancel()
			select {
			case err := <-done:
				require.NoError(t, err)
			case <-time.After(30 * time.Second):
				t.Fatal("server did not stop")
			}
		})
	}
}
