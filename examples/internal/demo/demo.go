package demo

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
)

// IsLoopback reports whether a listen address (host:port, as in ADDR)
// accepts connections from this machine only. An empty host ("":8080) and
// an unspecified address (0.0.0.0, [::]) listen on every interface, so they
// are not loopback. A host name is loopback when it is "localhost" (which
// resolves to loopback addresses only, RFC 6761) or when every address it
// resolves to is a loopback address.
func IsLoopback(ctx context.Context, addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("listen address %q: %w", addr, err)
	}
	if host == "" {
		return false, nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Unmap().IsLoopback(), nil
	}
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true, nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return false, fmt.Errorf("listen address %q: %w", addr, err)
	}
	for _, ip := range ips {
		if !ip.Unmap().IsLoopback() {
			return false, nil
		}
	}
	return len(ips) > 0, nil
}

// MkdirPrivate creates dir and any missing parents readable by the owner
// only (0700). An existing directory is left as it is: it may be one the
// user shares on purpose, and the files the apps keep in it are 0600
// anyway (see PrivateSQLite).
func MkdirPrivate(dir string) error {
	return os.MkdirAll(dir, 0o700)
}

// PrivateSQLite makes the SQLite database at path readable and writable by
// the owner only (0600) before SQLite opens it. A missing file is created
// empty, which SQLite takes as a new database; an existing one, and its
// -wal, -shm and -journal companions when present, have their permissions
// tightened. SQLite creates those companions later with the permissions of
// the database file, so they are 0600 too.
func PrivateSQLite(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("database file: %w", err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if err := os.Chmod(p, 0o600); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("database file: %w", err)
		}
	}
	return nil
}

// BaseURL returns the http URL at which a client on this machine reaches a
// listener bound to addr. An unspecified address (0.0.0.0, [::]) is
// reached through 127.0.0.1.
func BaseURL(addr net.Addr) string { return BaseURLFor(addr.String()) }

// BaseURLFor is BaseURL for a host:port string, as in ADDR. An empty host
// (":8080") and an unspecified address are reached through 127.0.0.1; a
// host name is kept.
func BaseURLFor(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.Unmap()
		if ip.IsUnspecified() {
			ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		}
		host = ip.String()
	}
	return "http://" + net.JoinHostPort(host, port)
}

// ShellQuote returns s as one word of a POSIX shell command line (sh, bash,
// zsh): unchanged when it holds only characters that no shell treats
// specially, in single quotes otherwise, where a single quote inside ends
// the quoted part, is written escaped and starts a new quoted part.
func ShellQuote(s string) string {
	if s != "" && s[0] != '=' && strings.Trim(s, safeShellChars) == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// safeShellChars are the characters a word may hold unquoted: none of them
// is special to sh, bash or zsh, except "=" at the start of a word, which
// zsh expands to a command's path.
const safeShellChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@+=:,./_-"

// PrintCommands writes title and then each command line to w, exactly as
// given, one per line and indented by two spaces, between blank lines, so
// that a line can be pasted into a terminal as it is. Log handlers quote
// and escape values, which is why command lines go to w instead of the
// log. A nil w prints nothing.
func PrintCommands(w io.Writer, title string, lines ...string) {
	if w == nil {
		return
	}
	var b strings.Builder
	b.WriteString("\n")
	b.WriteString(title)
	b.WriteString("\n\n")
	for _, l := range lines {
		b.WriteString("  ")
		b.WriteString(l)
		b.WriteString("\n")
	}
	b.WriteString("\n")
	_, _ = io.WriteString(w, b.String())
}
