package demo

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestIsLoopback(t *testing.T) {
	cases := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:8080", true},
		{"127.0.0.2:0", true},
		{"[::1]:8080", true},
		{"[::ffff:127.0.0.1]:8080", true},
		{"localhost:8080", true},
		{"LOCALHOST.:8080", true},
		{":8080", false},
		{"0.0.0.0:8080", false},
		{"[::]:8080", false},
		{"192.0.2.10:8080", false},
		{"[2001:db8::1]:8080", false},
	}
	for _, tc := range cases {
		t.Run(tc.addr, func(t *testing.T) {
			got, err := IsLoopback(context.Background(), tc.addr)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
	_, err := IsLoopback(context.Background(), "127.0.0.1")
	require.Error(t, err, "an address without a port is an error")
}

func TestMkdirPrivateCreatesOwnerOnlyDirectories(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no Unix permission bits")
	}
	dir := filepath.Join(t.TempDir(), "a", "b")
	require.NoError(t, MkdirPrivate(dir))
	for _, d := range []string{dir, filepath.Dir(dir)} {
		fi, err := os.Stat(d)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o700), fi.Mode().Perm(), d)
	}
	require.NoError(t, MkdirPrivate(dir), "an existing directory is fine")
}

func TestPrivateSQLiteTightensTheFileAndItsCompanions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no Unix permission bits")
	}
	dir := t.TempDir()
	fresh := filepath.Join(dir, "fresh.db")
	require.NoError(t, PrivateSQLite(fresh))
	fi, err := os.Stat(fresh)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	require.Zero(t, fi.Size(), "a new database starts as an empty file")

	old := filepath.Join(dir, "old.db")
	for _, p := range []string{old, old + "-wal", old + "-shm"} {
		require.NoError(t, os.WriteFile(p, []byte("x"), 0o644))
		require.NoError(t, os.Chmod(p, 0o644))
	}
	require.NoError(t, PrivateSQLite(old))
	for _, p := range []string{old, old + "-wal", old + "-shm"} {
		fi, err := os.Stat(p)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), p)
	}
	b, err := os.ReadFile(old)
	require.NoError(t, err)
	require.Equal(t, "x", string(b), "an existing database keeps its content")

	require.Error(t, PrivateSQLite(filepath.Join(dir, "missing", "x.db")))
}

func TestBaseURL(t *testing.T) {
	cases := []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, "http://127.0.0.1:8080"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 8080}, "http://127.0.0.1:8080"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 8080}, "http://127.0.0.1:8080"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 8080}, "http://[::1]:8080"},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, BaseURL(tc.addr), tc.addr.String())
	}
	for addr, want := range map[string]string{
		"127.0.0.1:8081":            "http://127.0.0.1:8081",
		":8081":                     "http://127.0.0.1:8081",
		"0.0.0.0:8081":              "http://127.0.0.1:8081",
		"[::]:8081":                 "http://127.0.0.1:8081",
		"[::ffff:127.0.0.1]:8081":   "http://127.0.0.1:8081",
		"localhost:8081":            "http://localhost:8081",
		"[::1]:8081":                "http://[::1]:8081",
		"webhooks.example.com:8081": "http://webhooks.example.com:8081",
	} {
		require.Equal(t, want, BaseURLFor(addr), addr)
	}
}

func TestShellQuote(t *testing.T) {
	cases := []struct{ in, want string }{
		{"abc", "abc"},
		{"http://127.0.0.1:8080/webhooks/github", "http://127.0.0.1:8080/webhooks/github"},
		{"MIGHAgEAMBMG+/x==", "MIGHAgEAMBMG+/x=="},
		{"", "''"},
		{"a b", "'a b'"},
		{`{"amount":1}`, `'{"amount":1}'`},
		{"it's", `'it'\''s'`},
		{"$HOME", "'$HOME'"},
		{"=ls", "'=ls'"},
		{"~user", "'~user'"},
		{"a;b", "'a;b'"},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, ShellQuote(tc.in), tc.in)
	}
}

// A quoted word reaches the program as it was, through a real shell.
func TestShellQuoteRoundTripsThroughSh(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH")
	}
	for _, s := range []string{"plain", "", "a b", `{"a":"b c"}`, "it's", "$HOME `id` $(id) \\ \" ' * ? [ ] ~ # ! & | ; < > ( )", "line\nbreak", "=x"} {
		out, err := exec.Command(sh, "-c", "printf %s "+ShellQuote(s)).Output()
		require.NoError(t, err, s)
		require.Equal(t, s, string(out))
	}
}

func TestPrintCommandsWritesLinesAsTheyAre(t *testing.T) {
	var buf bytes.Buffer
	PrintCommands(&buf, "Try it:", `curl -d '{"a":1}' http://x`, "echo ok")
	require.Equal(t, "\nTry it:\n\n  curl -d '{\"a\":1}' http://x\n  echo ok\n\n", buf.String())
	PrintCommands(nil, "nothing", "happens")
}
