package login

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzOpenCookie feeds arbitrary cookie names and values to the decoder:
// it never panics, and anything it opens (only genuine seals can) seals
// and opens again to the same flow.
func FuzzOpenCookie(f *testing.F) {
	s := testSealer(f)
	v, err := s.seal("sblogin-x", sampleFlow())
	if err != nil {
		f.Fatal(err)
	}
	f.Add("sblogin-x", v)
	f.Add("sblogin-x", v[:len(v)-2])
	f.Add("sblogin-y", v)
	f.Add("", "")
	f.Add("n", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, name, value string) {
		fl, err := s.open(name, value)
		if err != nil {
			return
		}
		again, err := s.seal(name, fl)
		if err != nil {
			t.Fatalf("an opened flow does not seal again: %v", err)
		}
		fl2, err := s.open(name, again)
		if err != nil || *fl2 != *fl {
			t.Fatalf("round trip changed the flow: %+v vs %+v (%v)", fl, fl2, err)
		}
	})
}

// FuzzParseFlow feeds arbitrary plaintexts to the parser behind the
// cookie's encryption: it never panics, and accepts only the one encoding
// encodeFlow writes.
func FuzzParseFlow(f *testing.F) {
	good, err := encodeFlow(sampleFlow())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:10])
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, pt []byte) {
		fl, err := parseFlow(pt)
		if err != nil {
			return
		}
		back, err := encodeFlow(fl)
		if err != nil {
			t.Fatalf("a parsed flow does not encode: %v", err)
		}
		if !bytes.Equal(back, pt) {
			t.Fatalf("non-canonical plaintext accepted:\n in  %x\n out %x", pt, back)
		}
		if fl.Expires.After(time.Unix(maxUnix, 0)) {
			t.Fatalf("expiry out of range accepted")
		}
	})
}

// browserResolve is what a browser makes of a Location header: it drops
// tabs and newlines, reads '\' as '/' in http(s) URLs, then resolves the
// result against the current page.
func browserResolve(base *url.URL, loc string) (*url.URL, error) {
	loc = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(loc)
	loc = strings.TrimLeft(loc, " \x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f")
	loc = strings.ReplaceAll(loc, "\\", "/")
	u, err := url.Parse(loc)
	if err != nil {
		return nil, err
	}
	return base.ResolveReference(u), nil
}

// FuzzReturnTo feeds arbitrary return-to values to the validator: it never
// panics, and whatever it accepts leads a browser, even after one more
// percent-decoding by the application, to the application's origin or an
// allowed one.
func FuzzReturnTo(f *testing.F) {
	for _, s := range []string{
		"/", "/orders?x=1", "//evil.example", "https://evil.example", "/\\evil.example", "/%5Cevil.example",
		"/%2F%2Fevil.example", "https://shop.example/x", "https://app.example", "/\t/evil.example",
		"https://shop.example@evil.example", "javascript:alert(1)", "/%252F%252Fevil.example",
	} {
		f.Add(s)
	}
	p := testPolicy()
	base, _ := url.Parse("https://shop.example/login/google/callback")
	allowed := func(u *url.URL) bool {
		o := originOf(u)
		return o == p.self || p.allowed[o]
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := p.check(raw)
		if err != nil {
			return
		}
		if strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") || strings.ContainsAny(got, "\\\t\r\n") {
			t.Fatalf("accepted %q as %q", raw, got)
		}
		for _, loc := range []string{got, unescapeOnce(got)} {
			u, err := browserResolve(base, loc)
			if err != nil {
				continue
			}
			if u.User != nil || !allowed(u) {
				t.Fatalf("accepted %q: a browser goes to %s", raw, u)
			}
		}
	})
}

func unescapeOnce(s string) string {
	if d, err := url.PathUnescape(s); err == nil {
		return d
	}
	return s
}
