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

// FuzzRedactURL checks the shape of RedactURLString's output for any
// input: a string that does not parse comes back as "(invalid URL)" and
// nothing else; otherwise the output parses again with no user
// information other than REDACTED, no opaque body other than REDACTED, no
// fragment, and every secret query parameter (split on & and ;) holding
// REDACTED, the other parameters unchanged and in order.
func FuzzRedactURL(f *testing.F) {
	for _, s := range []string{
		"https://h/a?api_key=s&page=2", "https://u:p@h/?token=1#x", "http://h/?a=%zz&secret=%41", "?key=", "/p?&&=&",
		"https://sk_live_x@h/", "https:opaque?jwt=1", "http://h/?a=1;pass=2", "https://h/%zz?token=x", "//u@h/p",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := RedactURLString(s)
		u, err := url.Parse(s)
		if err != nil {
			if out != invalidURL {
				t.Fatalf("RedactURLString(%q) = %q for a URL that does not parse", s, out)
			}
			return
		}
		if out != RedactURL(u) {
			t.Fatalf("RedactURLString(%q) = %q, RedactURL = %q", s, out, RedactURL(u))
		}
		ou, err := url.Parse(out)
		if err != nil {
			t.Fatalf("RedactURLString(%q) = %q, which does not parse: %v", s, out, err)
		}
		if ou.User != nil && ou.User.String() != redactedValue {
			t.Fatalf("RedactURLString(%q) = %q keeps user information", s, out)
		}
		if ou.Opaque != "" && ou.Opaque != redactedValue {
			t.Fatalf("RedactURLString(%q) = %q keeps an opaque body", s, out)
		}
		if ou.Fragment != "" || strings.Contains(out, "#") {
			t.Fatalf("RedactURLString(%q) = %q keeps a fragment", s, out)
		}
		in, got := splitQuery(u.RawQuery), splitQuery(ou.RawQuery)
		if len(in) != len(got) {
			t.Fatalf("RedactURLString(%q) = %q changed the number of parameters", s, out)
		}
		for i, part := range in {
			name, _, hasValue := strings.Cut(part, "=")
			want := part
			if hasValue && IsSecretParam(decodeName(name)) {
				want = name + "=" + redactedValue
			}
			if got[i] != want {
				t.Fatalf("RedactURLString(%q): parameter %d is %q, want %q", s, i, got[i], want)
			}
		}
	})
}

// splitQuery splits a raw query on & and ;, keeping empty parts.
func splitQuery(raw string) []string {
	if raw == "" {
		return nil
	}
	var out []string
	start := 0
	for i := 0; i < len(raw); i++ {
		if querySeparator(raw[i]) {
			out = append(out, raw[start:i])
			start = i + 1
		}
	}
	return append(out, raw[start:])
}

// secretMarker is planted in the secret parts of the URLs
// FuzzRedactURLHidesSecrets builds; it must never come out.
const secretMarker = "Zq7SECRETMARK"

// FuzzRedactURLHidesSecrets builds URLs from fuzzed parts, with a marked
// secret as the user name, the password, the value of a secret query
// parameter (its name taken from the documented list, in a fuzzed case and
// escaping), or inside an opaque URL, next to fuzzed hosts, paths and
// other query parameters; neither RedactURL nor RedactURLString may ever
// output the secret, raw or escaped.
func FuzzRedactURLHidesSecrets(f *testing.F) {
	f.Add("api.example.com", "/v1/charges", "page=2&limit=10", "sk_live_", "pw", "key", uint8(0), uint8(0))
	f.Add("h:8080", "/a%2Fb", "a=1;b=2", "", "", "tok", uint8(1), uint8(3))
	f.Add("[::1]", "", "", "u", "p", "", uint8(2), uint8(7))
	f.Add("h", "/p", "x=%zz&", "a b", "c:d@e", "val#ue", uint8(3), uint8(12))
	f.Fuzz(func(t *testing.T, host, path, other, user, pass, value string, where, nameIdx uint8) {
		for _, part := range []string{host, path, other} {
			if strings.Contains(strings.ToLower(part), strings.ToLower(secretMarker)) {
				t.Skip("the marker is in a public part")
			}
		}
		names := []string{"pass", "passwd", "password", "jwt", "private", "sig", "signature", "client_secret",
			"access_token", "api_key", "apikey", "auth", "token", "key", "secret", "X-Amz-Signature", "code", "pwd"}
		name := names[int(nameIdx)%len(names)]
		if nameIdx&0x80 != 0 {
			name = strings.ToUpper(name)
		}
		u := &url.URL{Scheme: "https", Host: host, Path: path}
		secret := secretMarker + value
		switch where % 5 {
		case 0: // the user name alone
			u.User = url.User(secret)
		case 1: // the password
			u.User = url.UserPassword(user, secret)
		case 2: // a user name with a password
			u.User = url.UserPassword(secret, pass)
		case 3: // a secret query parameter among others
			q := url.QueryEscape(name) + "=" + url.QueryEscape(secret)
			if nameIdx&0x40 != 0 {
				q = strings.ReplaceAll(url.QueryEscape(name), "_", "%5F") + "=" + url.PathEscape(secret)
			}
			u.RawQuery = other + "&" + q + ";" + other
		case 4: // an opaque URL
			u = &url.URL{Scheme: "https", Opaque: url.PathEscape(user) + "@" + secret, RawQuery: other}
		}
		s := u.String()
		for _, out := range []string{RedactURL(u), RedactURLString(s)} {
			for _, form := range []string{secretMarker, url.QueryEscape(secretMarker), strings.ToLower(secretMarker)} {
				if strings.Contains(out, form) {
					t.Fatalf("the secret came out: %q -> %q", s, out)
				}
			}
		}
	})
}
