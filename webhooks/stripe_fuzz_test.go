package webhooks

import (
	"errors"
	"strings"
	"testing"
)

func FuzzParseStripeSignature(f *testing.F) {
	for _, s := range []string{
		"t=1492774577,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd,v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39",
		"t=1,v1=" + strings.Repeat("a", 64) + ",v1=" + strings.Repeat("b", 64),
		"v1,t=1", "t=", "t=1", "=", ",", "", "t=1,t=2,v1=" + strings.Repeat("0", 64), "t=1,v1=zz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		p, err := parseStripeSignature(h)
		if err != nil {
			if !errors.Is(err, ErrMalformedHeader) {
				t.Fatalf("error %v does not wrap ErrMalformedHeader", err)
			}
			if len(h) > 16 && strings.Contains(err.Error(), h) {
				t.Fatal("the header is echoed in the error")
			}
			return
		}
		if p.n < 1 || p.n > maxStripeSignatures || p.t == "" {
			t.Fatalf("accepted %q with %d signatures, t=%q", h, p.n, p.t)
		}
		for _, s := range p.v1[:p.n] {
			if !wellFormed(Hex, s, 32) || !strings.Contains(h, s) {
				t.Fatalf("bad signature %q kept", s)
			}
		}
	})
}
