package redact

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSecrets(t *testing.T) {
	tests := []struct {
		name string
		conn string
		want []string
	}{
		{"no password", "postgres://user@db:5432/app?sslmode=disable", nil},
		{"empty password", "redis://user:@cache:6379/0", nil},
		{"not a URL", "::not a url", nil},
		{"plain password", "redis://user:s3cret@cache:6379/0", []string{"s3cret"}},
		{"password only", "redis://:s3cret@cache:6379/0", []string{"s3cret"}},
		{
			name: "password that needs escaping",
			conn: "postgres://idem:" + url.PathEscape("p@ss w/rd&?") + "@db/app",
			// raw, query-escaped, path-escaped; then the piece after the
			// unescaped "@" in the same three forms ("p" is too short).
			want: []string{"p@ss w/rd&?", "p%40ss+w%2Frd%26%3F", "p@ss%20w%2Frd&%3F", "ss w/rd&?", "ss+w%2Frd%26%3F", "ss%20w%2Frd&%3F"},
		},
		{
			name: "query-escaped in the URL",
			conn: "postgres://idem:p%2Bq%3D@db/app",
			want: []string{"p+q=", "p%2Bq%3D"},
		},
		{
			name: "password query parameters",
			conn: "postgres://db/app?sslmode=disable&password=a%20b&Passwd=c&pass=d&passfile=/x",
			want: []string{"c", "d", "a b", "a+b", "a%20b"},
		},
		{
			name: "user info and query parameter",
			conn: "redis://u:one@cache/0?password=two",
			want: []string{"one", "two"},
		},
		{
			name: "keyword/value",
			conn: "host=db user=idem password='s3cret' dbname=app",
			want: []string{"s3cret"},
		},
		{
			name: "keyword/value unquoted with escaping",
			conn: "host=db password=a&b",
			want: []string{"a&b", "a%26b"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, Secrets(tc.conn))
		})
	}
}

func TestError(t *testing.T) {
	const pw = "p@ss w/rd"
	conn := "postgres://idem:" + url.PathEscape(pw) + "@db/app?password=" + url.QueryEscape(pw)
	cause := &fs.PathError{Op: "dial", Path: conn, Err: fs.ErrNotExist}
	tests := []struct {
		name    string
		msg     string
		secrets []string
		want    string
	}{
		{"nothing to hide", "connect failed", Secrets(conn), "connect failed"},
		{"raw", "bad password " + pw, Secrets(conn), "bad password xxxxx"},
		{"query-escaped", "url ...?password=" + url.QueryEscape(pw), Secrets(conn), "url ...?password=xxxxx"},
		{"path-escaped", "url idem:" + url.PathEscape(pw) + "@db", Secrets(conn), "url idem:xxxxx@db"},
		{"every occurrence", pw + "|" + pw, Secrets(conn), "xxxxx|xxxxx"},
		{"whole string first", "connect " + conn + ": refused", append([]string{conn}, Secrets(conn)...), "connect xxxxx: refused"},
		{"longest first", "abcdef", []string{"abc", "abcdef"}, "xxxxx"},
		{"empty secrets ignored", "msg", []string{"", ""}, "msg"},
		{"no secrets", "msg " + pw, nil, "msg " + pw},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wrapped := fmt.Errorf("store: %w", cause)
			err := Error(tc.msg, wrapped, tc.secrets)
			require.Equal(t, tc.want, err.Error())
			require.ErrorIs(t, err, fs.ErrNotExist)
			var pe *fs.PathError
			require.ErrorAs(t, err, &pe)
			require.Same(t, cause, pe)
			require.Same(t, wrapped, errors.Unwrap(err))
		})
	}
}

func TestErrorDoesNotChangeSecrets(t *testing.T) {
	secrets := []string{"a", "abc", "ab"}
	_ = Error("abc", errors.New("x"), secrets)
	require.Equal(t, []string{"a", "abc", "ab"}, secrets)
}

func FuzzSecrets(f *testing.F) {
	for _, s := range []string{"", "postgres://u:p@h/db?password=x", "host=h password='y'", "redis://:%zz@h", "::", "a=b pass="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, conn string) {
		secrets := Secrets(conn)
		seen := map[string]bool{}
		for _, s := range secrets {
			if s == "" || seen[s] {
				t.Fatalf("empty or repeated secret in %q for %q", secrets, conn)
			}
			seen[s] = true
		}
		if again := Secrets(conn); !slices.Equal(secrets, again) {
			t.Fatalf("not deterministic: %q then %q", secrets, again)
		}
		cause := errors.New(conn)
		err := Error("error: "+conn, cause, secrets)
		if !errors.Is(err, cause) {
			t.Fatal("cause lost")
		}
		_ = err.Error()
	})
}

func TestURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://app:s3cret@db:5432/app?sslmode=disable&password=s3cret", "postgres://app:xxxxx@db:5432/app?password=…&sslmode=…"},
		{"redis://:s3cret@cache:6379/0", "redis://:xxxxx@cache:6379/0"},
		{"sqlite:///var/lib/app/idem.db", "sqlite:///var/lib/app/idem.db"},
		{"memory://", "memory://"},
		{"not a url", "not a url"},
		{"/var/lib/x.db?pass=s3cret", "/var/lib/x.db?pass=…"},
		{"sqlite:///x.db#frag", "sqlite:///x.db"},
	}
	for _, tc := range tests {
		u, err := url.Parse(tc.in)
		require.NoError(t, err)
		got := URL(u)
		require.Equal(t, tc.want, got)
		require.NotContains(t, got, "s3cret")
	}
}
