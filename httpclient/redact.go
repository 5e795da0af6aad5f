package httpclient

import (
	"net/url"
	"strings"
)

// redactedValue replaces the value of a secret query parameter.
const redactedValue = "REDACTED"

// secretParamParts are matched, case-insensitively, against query
// parameter names; a name containing any of them has its value redacted.
var secretParamParts = []string{
	"key", "token", "secret", "passw", "signature", "auth", "credential", "session",
}

// secretParamNames are short names redacted only on an exact match.
var secretParamNames = []string{"sig", "pwd", "code"}

// IsSecretParam reports whether a query parameter with this name is
// treated as a secret: its name contains key, token, secret, password,
// signature, auth, credential or session (api_key, access_token,
// X-Amz-Signature...), or is exactly sig, pwd or code; case is ignored.
func IsSecretParam(name string) bool {
	n := strings.ToLower(name)
	for _, p := range secretParamParts {
		if strings.Contains(n, p) {
			return true
		}
	}
	for _, p := range secretParamNames {
		if n == p {
			return true
		}
	}
	return false
}

// RedactURL returns u as a string with the values of secret query
// parameters (see IsSecretParam) replaced by REDACTED, the password of any
// user information hidden, and the fragment dropped. The order of query
// parameters is kept.
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.Fragment, c.RawFragment = "", ""
	if c.User != nil {
		if _, ok := c.User.Password(); ok {
			c.User = url.UserPassword(c.User.Username(), "xxxxx")
		}
	}
	if c.RawQuery != "" {
		c.RawQuery = redactQuery(c.RawQuery)
	}
	return c.String()
}

// RedactURLString is RedactURL for a URL given as a string. A string that
// does not parse as a URL is returned with everything after the first "?"
// removed.
func RedactURLString(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		if i := strings.IndexAny(s, "?#"); i >= 0 {
			return s[:i]
		}
		return s
	}
	return RedactURL(u)
}

// redactQuery rewrites a raw query, keeping its order and encoding, with
// the values of secret parameters replaced.
func redactQuery(raw string) string {
	var b strings.Builder
	b.Grow(len(raw))
	first := true
	for part := range strings.SplitSeq(raw, "&") {
		if !first {
			b.WriteByte('&')
		}
		first = false
		name, _, hasValue := strings.Cut(part, "=")
		decoded, err := url.QueryUnescape(name)
		if err != nil {
			decoded = name
		}
		if !hasValue || !IsSecretParam(decoded) {
			b.WriteString(part)
			continue
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(redactedValue)
	}
	return b.String()
}
