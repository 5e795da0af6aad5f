package redact

import (
	"cmp"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// Mask replaces each secret in the message of an Error.
const Mask = "xxxxx"

// passwordParams are the query parameter names, compared without regard
// to case, whose values Secrets treats as passwords.
var passwordParams = []string{"password", "passwd", "pass"}

// Secrets returns the passwords held in conn, each in its raw,
// query-escaped and path-escaped forms (a driver may quote any of them):
// the password of a URL's user information, the values of query
// parameters named password, passwd or pass, and the values of password=
// fields in a keyword/value connection string such as
// "host=db password=secret". It returns no empty strings and no
// duplicates, and nil when conn holds no password. It never fails: a
// string that is not a URL is searched for keyword/value fields only.
func Secrets(conn string) []string {
	var raw []string
	if u, err := url.Parse(conn); err == nil {
		if u.User != nil {
			if p, ok := u.User.Password(); ok {
				raw = append(raw, p)
			}
		}
		q := u.Query()
		for _, key := range slices.Sorted(maps.Keys(q)) {
			if isPasswordParam(key) {
				raw = append(raw, q[key]...)
			}
		}
	}
	for _, f := range strings.Fields(conn) {
		key, v, ok := strings.Cut(f, "=")
		if ok && isPasswordParam(key) {
			raw = append(raw, strings.Trim(v, "'"))
		}
	}
	// A password with an unescaped "@" is split differently by different
	// parsers: one may take what follows the first "@" for the host and
	// quote it in an error. So its pieces count as secrets too, those long
	// enough not to mask ordinary words.
	for _, p := range raw {
		if strings.Contains(p, "@") {
			for _, piece := range strings.Split(p, "@") {
				if len(piece) >= minPiece {
					raw = append(raw, piece)
				}
			}
		}
	}
	var out []string
	for _, p := range raw {
		for _, form := range []string{p, url.QueryEscape(p), url.PathEscape(p)} {
			if form != "" && !slices.Contains(out, form) {
				out = append(out, form)
			}
		}
	}
	return out
}

// minPiece is the shortest piece of a password split at "@" that Secrets
// returns on its own.
const minPiece = 4

func isPasswordParam(key string) bool {
	for _, name := range passwordParams {
		if strings.EqualFold(key, name) {
			return true
		}
	}
	return false
}

// Error returns an error whose message is msg with every non-empty
// secret replaced by Mask, longest first, and that unwraps to err, so
// errors.Is and errors.As see err's chain.
func Error(msg string, err error, secrets []string) error {
	sorted := slices.Clone(secrets)
	slices.SortStableFunc(sorted, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	for _, s := range sorted {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, Mask)
		}
	}
	return &redactedError{msg: msg, err: err}
}

// redactedError is a message with its secrets masked over the original
// error.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// URL renders u for an error message or a log line: its scheme, user
// name, host and path, with the password of its user information replaced
// by Mask and its query reduced to the sorted names of its parameters,
// whose values may be secrets.
func URL(u *url.URL) string {
	c := *u
	if c.User != nil {
		if _, ok := c.User.Password(); ok {
			c.User = url.UserPassword(c.User.Username(), Mask)
		}
	}
	c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = "", false, "", ""
	out := c.String()
	if c.Scheme == "" && c.Host == "" && c.User == nil && c.Opaque == "" {
		out = c.Path // a bare path reads better unescaped
	}
	if c.Scheme != "" && c.Host == "" && c.User == nil && c.Path == "" && c.Opaque == "" && !c.OmitHost {
		out = c.Scheme + "://" // url.URL.String drops an empty authority
	}
	if u.RawQuery != "" {
		names := slices.Sorted(maps.Keys(u.Query()))
		for i, n := range names {
			names[i] = url.QueryEscape(n) + "=…"
		}
		out += "?" + strings.Join(names, "&")
	}
	return out
}
