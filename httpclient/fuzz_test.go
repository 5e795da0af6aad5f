package httpclient

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func FuzzParseRetryAfter(f *testing.F) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, s := range []string{
		"0", "1", "120", " 5 ", "-1", "1.5", "+3", "", "soon",
		"99999999999999999999999",
		now.Add(time.Minute).Format(http.TimeFormat),
		"Sunday, 01-Mar-26 12:01:00 GMT",
		"Sun Mar  1 12:00:02 2026",
		"Thu, 01 Jan 1970 00:00:00 GMT",
		"Fri, 31 Dec 9999 23:59:59 GMT",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := ParseRetryAfter(v, now)
		if d < 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v, negative", v, d)
		}
		if !ok && d != 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v, false: want zero", v, d)
		}
		if ok && isDigits(strings.TrimSpace(v)) && d%time.Second != 0 && d != time.Duration(1<<63-1) {
			t.Fatalf("ParseRetryAfter(%q) = %v: not whole seconds", v, d)
		}
	})
}

func FuzzRedactURL(f *testing.F) {
	for _, s := range []string{
		"https://h/a?api_key=s&page=2", "https://u:p@h/?token=1#x", "http://h/?a=%zz&secret=%41", "?key=", "/p?&&=&",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if u, err := url.Parse(s); err == nil {
			_ = RedactURL(u)
		}
		_ = RedactURLString(s)
		raw := s
		if i := strings.IndexByte(s, '?'); i >= 0 {
			raw = s[i+1:]
		}
		in := strings.Split(raw, "&")
		out := strings.Split(redactQuery(raw), "&")
		if len(in) != len(out) {
			t.Fatalf("redactQuery(%q) changed the number of parameters: %q", raw, out)
		}
		for i, part := range in {
			name, _, hasValue := strings.Cut(part, "=")
			dec, err := url.QueryUnescape(name)
			if err != nil {
				dec = name
			}
			want := part
			if hasValue && IsSecretParam(dec) {
				want = name + "=" + redactedValue
			}
			if out[i] != want {
				t.Fatalf("redactQuery(%q): parameter %d is %q, want %q", raw, i, out[i], want)
			}
		}
	})
}
