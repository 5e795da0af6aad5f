package smtpmail

import (
	"regexp"
	"testing"
)

var enhancedRe = regexp.MustCompile(`^[245]\.[0-9]{1,3}\.[0-9]{1,3}$`)

// FuzzEnhancedCode feeds server reply texts (untrusted input) to the
// enhanced status code parser.
func FuzzEnhancedCode(f *testing.F) {
	for _, s := range []string{"5.7.8 Authentication failed", "4.3.0", "", "2.0.0 OK", "5.1.1234 x", "x.y.z", "5..1 x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code := enhancedCode(s)
		if code != "" && !enhancedRe.MatchString(code) {
			t.Fatalf("enhancedCode(%q) = %q", s, code)
		}
	})
}
