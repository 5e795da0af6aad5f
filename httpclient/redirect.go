package httpclient

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// ErrRedirectRefused matches a call that ended at a redirect the client did
// not follow: redirects are off (the default with a base URL), there were
// more than WithMaxRedirects, or the redirect leads to another origin while
// the request carries credentials or a body. The error names the refused
// target, with its secrets redacted, and the reason; errors.As finds the
// *StatusError of the 3xx answer.
var ErrRedirectRefused = errors.New("httpclient: redirect not followed")

// checkRedirect returns the CheckRedirect of a Client's http.Client: it
// stops at the redirects that redirectRefusal refuses (the call then gets
// the 3xx answer and explains it), and otherwise defers to next, the
// CheckRedirect of a client given with WithHTTPClient.
func checkRedirect(max int, next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if redirectRefusal(via[0], req.URL, len(via), max) != "" {
			return http.ErrUseLastResponse
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
}

// redirectRefusal says why the hops-th redirect of a call, to target, is
// not followed, or returns "" when it may be. first is the call's first
// request, which holds the credentials and body the caller gave.
func redirectRefusal(first *http.Request, target *url.URL, hops, max int) string {
	if hops > max {
		if max == 0 {
			return "redirects are off"
		}
		return "more than " + strconv.Itoa(max) + " redirects"
	}
	if !sameOrigin(first.URL, target) {
		if what := carried(first); what != "" {
			return "it leads to another origin and the request carries " + what
		}
	}
	return ""
}

// sameOrigin reports whether a and b have the same scheme, host and port
// (RFC 6454), a missing port standing for the scheme's default.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Hostname(), b.Hostname()) &&
		effectivePort(a) == effectivePort(b)
}

func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// publicHeaders are request headers that carry no credential: content
// negotiation, caching and conditional requests, and what the client sets
// itself.
var publicHeaders = map[string]bool{
	"Accept":              true,
	"Accept-Charset":      true,
	"Accept-Encoding":     true,
	"Accept-Language":     true,
	"Cache-Control":       true,
	"Content-Language":    true,
	"Content-Type":        true,
	"If-Match":            true,
	"If-Modified-Since":   true,
	"If-None-Match":       true,
	"If-Range":            true,
	"If-Unmodified-Since": true,
	"Pragma":              true,
	"Range":               true,
	"Referer":             true,
	"User-Agent":          true,
}

// carried describes the credentials and body a request carries (header
// names, never values), or returns "" when it carries neither.
func carried(r *http.Request) string {
	var creds []string
	for name := range r.Header {
		if !publicHeaders[http.CanonicalHeaderKey(name)] {
			creds = append(creds, http.CanonicalHeaderKey(name))
		}
	}
	slices.Sort(creds)
	if r.URL.User != nil {
		creds = append(creds, "user information in the URL")
	}
	if hasSecretParam(r.URL.RawQuery) {
		creds = append(creds, "a secret query parameter")
	}
	body := r.ContentLength > 0 || (r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody)
	var b strings.Builder
	if len(creds) > 0 {
		b.WriteString("credentials (")
		b.WriteString(strings.Join(creds, ", "))
		b.WriteByte(')')
	}
	if body {
		if b.Len() > 0 {
			b.WriteString(" and ")
		}
		b.WriteString("a body")
	}
	return b.String()
}

// isRedirect reports whether status asks the client to follow Location.
func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// redirectError is the error for a redirect that was not followed.
type redirectError struct {
	status *StatusError
	target string // redacted
	reason string
}

func (e *redirectError) Error() string {
	return "httpclient: redirect to " + e.target + " not followed (" + e.reason + "): " + e.status.Error()
}

func (e *redirectError) Unwrap() []error { return []error{ErrRedirectRefused, e.status} }

// refusedRedirect explains a 3xx answer with a Location that ended a
// call: last is the request it answered, and the chain of Response fields
// leads back to the call's first request. It returns nil when the answer
// is not such a redirect.
func (k *call) refusedRedirect(last *http.Request, res attemptResult, serr *StatusError) error {
	loc := res.header.Get("Location")
	if last == nil || loc == "" || !isRedirect(res.status) {
		return nil
	}
	target, err := last.URL.Parse(loc)
	if err != nil {
		return nil
	}
	first, hops := last, 1
	for first.Response != nil && first.Response.Request != nil {
		first = first.Response.Request
		hops++
	}
	reason := redirectRefusal(first, target, hops, k.c.cfg.maxRedirects)
	if reason == "" {
		reason = "the CheckRedirect of the client given with WithHTTPClient stopped it"
	}
	return &redirectError{status: serr, target: RedactURL(target), reason: reason}
}
