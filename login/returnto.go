package login

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// maxReturnTo bounds the return-to URL; longer ones are refused.
const maxReturnTo = 1024

// origin is a normalized scheme://host[:port].
type origin string

// parseOrigin normalizes an http or https origin: lower-case scheme and
// host, default ports dropped. It refuses paths, queries, fragments and
// user info.
func parseOrigin(raw string) (origin, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("does not parse")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("scheme must be http or https")
	}
	if u.Host == "" || u.User != nil || u.Opaque != "" || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return "", fmt.Errorf("must be scheme://host[:port] alone")
	}
	return originOf(u), nil
}

func originOf(u *url.URL) origin {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return origin(scheme + "://" + host)
}

// returnPolicy decides which return-to URLs are followed after sign-in.
type returnPolicy struct {
	self    origin          // the application's own origin (from the public URL)
	allowed map[origin]bool // other origins allowed by WithReturnOrigins
	def     string          // where to go when no return-to was given
	_       struct{}        // not comparable
}

// check returns the URL to redirect to for raw, or an error saying why it
// is refused. An empty raw gives the default. Accepted are:
//
//   - a local path: starts with exactly one '/', not "//" or "/\";
//   - an absolute http(s) URL whose origin is the application's own or
//     one of the allowed origins, without user info.
//
// Anything holding a backslash, a control character or a space, in the
// raw value or in any of its percent-decoded forms, is refused, as is
// anything longer than 1024 bytes: browsers strip tabs and newlines, treat
// '\' as '/', and an application may decode the path once more, so any of
// these could turn a local path into another host.
func (p *returnPolicy) check(raw string) (string, error) {
	if raw == "" {
		return p.def, nil
	}
	if len(raw) > maxReturnTo {
		return "", fmt.Errorf("longer than %d bytes", maxReturnTo)
	}
	if err := checkDecodings(raw); err != nil {
		return "", err
	}
	if strings.HasPrefix(raw, "/") {
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
			return "", fmt.Errorf("not a local path")
		}
		return raw, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("does not parse")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("neither a local path nor an absolute http(s) URL")
	}
	if u.User != nil {
		return "", fmt.Errorf("holds user info")
	}
	if h := u.Hostname(); h == "" || strings.ContainsAny(h, "%@") {
		return "", fmt.Errorf("bad host")
	}
	o := originOf(u)
	if o != p.self && !p.allowed[o] {
		return "", fmt.Errorf("origin not allowed")
	}
	return u.String(), nil
}

// checkDecodings refuses raw when it, or any of up to four successive
// percent-decodings of it, holds a backslash, a control character or a
// space, or starts with "//" (a scheme-relative URL), or when a decoding
// fails.
func checkDecodings(raw string) error {
	s := raw
	for i := 0; i < 5; i++ {
		for j := 0; j < len(s); j++ {
			c := s[j]
			if c < 0x21 || c == 0x7f || c == '\\' {
				return fmt.Errorf("holds a backslash, a space or a control character")
			}
		}
		if strings.HasPrefix(s, "//") {
			return fmt.Errorf("starts with //")
		}
		if !strings.Contains(s, "%") {
			return nil
		}
		d, err := url.PathUnescape(s)
		if err != nil {
			return fmt.Errorf("bad percent-encoding")
		}
		if d == s {
			return nil
		}
		s = d
	}
	return fmt.Errorf("encoded too many times")
}

// isLoopback reports whether host (without port) is localhost or a
// loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
