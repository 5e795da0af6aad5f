package httpclient

import (
	"net/url"
	"strings"
)

// redactedValue replaces a secret: the value of a secret query parameter,
// the user information of a URL, an opaque URL's body.
const redactedValue = "REDACTED"

// invalidURL is what RedactURLString returns for a string that does not
// parse as a URL: nothing of the string itself, which may hold a secret.
const invalidURL = "(invalid URL)"

// secretParamParts are matched, case-insensitively, against query
// parameter names; a name containing any of them has its value redacted.
var secretParamParts = []string{
	"key", "token", "secret", "pass", "sign", "auth", "cred", "session", "jwt", "private",
}

// secretParamNames are short names redacted only on an exact match.
var secretParamNames = []string{"sig", "pwd", "pw", "code", "otp", "pin", "sid"}

// IsSecretParam reports whether a query parameter with this name is
// treated as a secret. Case is ignored. A name is secret when it contains
// key, token, secret, pass, sign, auth, cred, session, jwt or private
// (api_key, apikey, access_token, client_secret, pass, passwd, password,
// signature, X-Amz-Signature, auth, Authorization, X-Amz-Credential,
// session_id, jwt, private_key...), or is exactly sig, pwd, pw, code, otp,
// pin or sid. A few harmless names are caught too (author, passenger,
// design): redacting too much costs less than leaking a key.
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

// RedactURL returns u as a string with its secrets replaced by REDACTED:
// the values of secret query parameters (see IsSecretParam; parameters
// are separated by & or ;), the whole user information (a user name alone
// can be an API key, as in https://sk_live_x@host), and the body of an
// opaque URL; the fragment is dropped. The order of query parameters is
// kept. The path is kept as it is: do not put secrets in paths.
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.Fragment, c.RawFragment = "", ""
	if c.User != nil {
		c.User = url.User(redactedValue)
	}
	if c.Opaque != "" {
		c.Opaque = redactedValue
	}
	if c.RawQuery != "" {
		c.RawQuery = redactQuery(c.RawQuery)
	}
	return c.String()
}

// RedactURLString is RedactURL for a URL given as a string. A string that
// does not parse as a URL is never echoed: the result is "(invalid URL)".
func RedactURLString(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return invalidURL
	}
	return RedactURL(u)
}

// querySeparator reports whether b separates query parameters. Go's
// net/url only splits on '&', but some servers also split on ';', so both
// are honoured when deciding what to hide.
func querySeparator(b byte) bool { return b == '&' || b == ';' }

// redactQuery rewrites a raw query, keeping its order, separators and
// encoding, with the values of secret parameters replaced.
func redactQuery(raw string) string {
	var b strings.Builder
	b.Grow(len(raw))
	start := 0
	for i := 0; i <= len(raw); i++ {
		if i < len(raw) && !querySeparator(raw[i]) {
			continue
		}
		part := raw[start:i]
		name, _, hasValue := strings.Cut(part, "=")
		if hasValue && IsSecretParam(decodeName(name)) {
			b.WriteString(name)
			b.WriteByte('=')
			b.WriteString(redactedValue)
		} else {
			b.WriteString(part)
		}
		if i < len(raw) {
			b.WriteByte(raw[i])
		}
		start = i + 1
	}
	return b.String()
}

// hasSecretParam reports whether a raw query holds a secret parameter.
func hasSecretParam(raw string) bool {
	for raw != "" {
		i := strings.IndexFunc(raw, func(r rune) bool { return r == '&' || r == ';' })
		part := raw
		if i >= 0 {
			part, raw = raw[:i], raw[i+1:]
		} else {
			raw = ""
		}
		name, _, _ := strings.Cut(part, "=")
		if IsSecretParam(decodeName(name)) {
			return true
		}
	}
	return false
}

// decodeName percent-decodes a parameter name, or returns it as it is when
// it does not decode.
func decodeName(name string) string {
	if d, err := url.QueryUnescape(name); err == nil {
		return d
	}
	return name
}
