package storekit

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Params reads the query parameters of a store URL as options. Each getter
// marks its parameter as read; Err then reports a malformed value or the
// parameters nothing read, and Rest hands the unread ones to a driver that
// takes parameters of its own. Errors wrap idempotency.ErrInvalidConfig,
// name the backend and the parameter, and never quote a value.
type Params struct {
	backend string
	q       url.Values
	read    map[string]bool
	err     error
}

// NewParams returns the Params of u's query for backend (the name its
// errors start with).
func NewParams(backend string, u *url.URL) *Params {
	p := &Params{backend: backend, read: map[string]bool{}}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		p.err = InvalidConfig(backend, "the URL query does not parse")
	}
	p.q = q
	return p
}

// lookup returns the single value of name and marks it read.
func (p *Params) lookup(name string) (string, bool) {
	vs, ok := p.q[name]
	if !ok {
		return "", false
	}
	p.read[name] = true
	if len(vs) > 1 {
		p.fail("URL parameter %q is given %d times", name, len(vs))
		return "", false
	}
	return vs[0], true
}

func (p *Params) fail(format string, args ...any) {
	if p.err == nil {
		p.err = InvalidConfig(p.backend, format, args...)
	}
}

// String returns the value of parameter name and whether it is present.
func (p *Params) String(name string) (string, bool) { return p.lookup(name) }

// Duration returns parameter name parsed by time.ParseDuration ("500ms",
// "5s", "2m").
func (p *Params) Duration(name string) (time.Duration, bool) {
	v, ok := p.lookup(name)
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		p.fail("URL parameter %q must be a duration such as 5s or 2m", name)
		return 0, false
	}
	return d, true
}

// Int returns parameter name parsed as a decimal integer.
func (p *Params) Int(name string) (int64, bool) {
	v, ok := p.lookup(name)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		p.fail("URL parameter %q must be an integer", name)
		return 0, false
	}
	return n, true
}

// unread returns the names of the parameters nothing read, sorted.
func (p *Params) unread() []string {
	var out []string
	for name := range p.q {
		if !p.read[name] {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Err returns the first malformed value, or else an error naming every
// parameter that no getter read, with the names the backend knows. Call it
// after reading every parameter the backend takes.
func (p *Params) Err(known ...string) error {
	if p.err != nil {
		return p.err
	}
	if unknown := p.unread(); len(unknown) > 0 {
		return InvalidConfig(p.backend, "unknown URL parameter %s (known: %s)", quoteAll(unknown), strings.Join(known, ", "))
	}
	return nil
}

// Rest returns the parameters no getter read, for a driver that takes
// parameters of its own, or the first malformed value.
func (p *Params) Rest() (url.Values, error) {
	if p.err != nil {
		return nil, p.err
	}
	rest := url.Values{}
	for _, name := range p.unread() {
		rest[name] = p.q[name]
	}
	return rest, nil
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
