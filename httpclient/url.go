package httpclient

import (
	"errors"
	"net/url"
	"strings"
)

// target resolves a request path. The common case, a plain absolute path
// joined to the base URL, needs no parsing.
func (c *Client) target(path string, extra []url.Values) (target, error) {
	if c.base != nil && len(extra) == 0 && plainPath(path) {
		// The base URL has no user information, query or fragment, and
		// the path none of the characters that would start them.
		return target{url: c.baseString + path, host: c.base.Host, path: c.basePath + path, clean: true}, nil
	}
	u, err := c.resolve(path, extra)
	if err != nil {
		return target{}, err
	}
	return target{url: u.String(), host: u.Host, path: u.EscapedPath()}, nil
}

// plainPath reports whether path is an absolute path that needs no
// escaping and has no query or fragment.
func plainPath(path string) bool {
	if len(path) == 0 || path[0] != '/' || (len(path) > 1 && path[1] == '/') {
		return false
	}
	for i := 0; i < len(path); i++ {
		b := path[i]
		if b <= ' ' || b >= 0x7f || b == '?' || b == '#' || b == '%' || b == '\\' {
			return false
		}
	}
	return true
}

// resolve builds the request URL from the base URL, path and extra query.
func (c *Client) resolve(path string, extra []url.Values) (*url.URL, error) {
	u, err := url.Parse(path)
	if err != nil {
		return nil, errors.New("httpclient: the request URL does not parse: " + parseProblem(err))
	}
	if !u.IsAbs() {
		if c.base == nil {
			return nil, errors.New("httpclient: relative path without WithBaseURL")
		}
		r := *c.base
		r.RawQuery = u.RawQuery
		r.Fragment, r.RawFragment = "", ""
		p := u.EscapedPath()
		if p != "" && !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		if c.base.RawPath != "" || u.RawPath != "" {
			r.RawPath = c.base.EscapedPath() + p
			r.Path = c.base.Path + u.Path
			if !strings.HasPrefix(u.Path, "/") && u.Path != "" {
				r.Path = c.base.Path + "/" + u.Path
			}
		} else {
			r.Path = c.base.Path + p
			r.RawPath = ""
		}
		u = &r
	} else if u.Host == "" {
		return nil, errors.New("httpclient: request URL has no host")
	}
	for _, q := range extra {
		if len(q) == 0 {
			continue
		}
		if u.RawQuery == "" {
			u.RawQuery = q.Encode()
		} else {
			u.RawQuery += "&" + q.Encode()
		}
	}
	return u, nil
}

// parseProblem names what is wrong in a URL that url.Parse refused,
// without quoting any of it: net/url's errors repeat parts of the URL (a
// port, an escape, the whole string), which may be secrets.
func parseProblem(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "invalid URL escape"):
		return "an invalid percent-escape"
	case strings.Contains(msg, "invalid port"):
		return "an invalid port"
	case strings.Contains(msg, "invalid control character"):
		return "a control character"
	case strings.Contains(msg, "invalid character") && strings.Contains(msg, "host name"):
		return "an invalid character in the host"
	case strings.Contains(msg, "missing protocol scheme"), strings.Contains(msg, "first path segment in URL cannot contain colon"):
		return "a malformed scheme"
	case strings.Contains(msg, "missing ']' in host"), strings.Contains(msg, "invalid IP-literal"):
		return "a malformed IP literal"
	}
	return "malformed"
}
