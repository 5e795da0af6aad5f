package email

import (
	"net/mail"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzValidate feeds untrusted strings into addresses, the subject and a
// custom header. Whatever Validate accepts must be free of CR, LF and NUL
// in every header field and must parse with net/mail.
func FuzzValidate(f *testing.F) {
	f.Add("Ada <ada@example.com>", "bob@example.com", "Hello", "X-Tag", "v")
	f.Add("ada@example.com\r\nBcc: x@example.com", "bob@example.com", "Hi", "X-Tag", "v")
	f.Add("ada@example.com", "b@example.com, c@example.com", "Hi", "X-Tag", "v")
	f.Add("ada@example.com", "bob@example.com", "Hi\r\nBcc: x@example.com", "X-Tag", "v")
	f.Add("ada@example.com", "bob@example.com", "Hi", "X-Tag: 1\r\nBcc", "v")
	f.Add("ada@example.com", "bob@example.com", "Hi", "X-Tag", "a\nb")
	f.Add("=?utf-8?q?A=0D=0A?= <a@example.com>", "\"q\\\"\" <b@example.com>", "Grüße", "List-Unsubscribe", "<mailto:u@example.com>")
	f.Add("", "", "", "", "")
	f.Fuzz(func(t *testing.T, from, to, subject, hname, hvalue string) {
		m := &Message{
			From:    from,
			To:      []string{to},
			Subject: subject,
			Text:    "body",
			Headers: map[string]string{hname: hvalue},
		}
		err := Validate(m)
		if err == nil {
			for _, s := range []string{from, to, subject, hname, hvalue} {
				if strings.ContainsAny(s, "\r\n\x00") {
					t.Fatalf("accepted a CR, LF or NUL: %q", s)
				}
				if !utf8.ValidString(s) {
					t.Fatalf("accepted invalid UTF-8: %q", s)
				}
			}
			if !ValidHeaderName(hname) {
				t.Fatalf("accepted header name %q", hname)
			}
			for _, s := range []string{from, to} {
				a, perr := mail.ParseAddress(s)
				if perr != nil {
					t.Fatalf("accepted unparsable address %q", s)
				}
				if strings.ContainsAny(a.Name+a.Address, "\r\n\x00") {
					t.Fatalf("parsed address holds a line break: %q", s)
				}
			}
			return
		}
		if _, ok := err.(*ValidationError); !ok {
			t.Fatalf("error is %T, want *ValidationError", err)
		}
		if strings.ContainsAny(err.Error(), "\r\n") {
			t.Fatalf("error text holds a line break: %q", err.Error())
		}
	})
}

// FuzzHTMLToText checks the converter never panics and never lets markup
// from script or style elements through.
func FuzzHTMLToText(f *testing.F) {
	f.Add("<h1>Welcome!</h1><p>Your account is ready.</p>")
	f.Add(`<a href="https://example.com">x</a><br><ul><li>a<li>b</ul>`)
	f.Add("<script>alert(1)</script><p>x</p>")
	f.Add("<!-- x --><pre> a\n b</pre><a href='")
	f.Add("&amp;&#x1F600;&bogus;<")
	f.Fuzz(func(t *testing.T, s string) {
		out := HTMLToText(s)
		if len(out) > 4*len(s)+64 {
			t.Fatalf("output grew from %d to %d bytes", len(s), len(out))
		}
		if strings.Contains(out, "\n\n\n") {
			t.Fatalf("more than one blank line in %q", out)
		}
	})
}
