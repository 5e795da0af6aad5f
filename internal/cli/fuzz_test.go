package cli

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func FuzzParseHeaders(f *testing.F) {
	f.Add("Stripe-Signature: t=1,v1=abc\nContent-Type: application/json\n")
	f.Add("# comment\n\nX-A: 1\nX-A: 2\n")
	f.Add("no colon")
	f.Add(": empty name")
	f.Add("Bad Name: v")
	f.Fuzz(func(t *testing.T, in string) {
		h := http.Header{}
		err := parseHeaders(strings.NewReader(in), h)
		if err != nil {
			var ee *exitError
			if !errors.As(err, &ee) {
				t.Fatalf("error without an exit code: %v", err)
			}
			return
		}
		// What parsed prints back and parses to the same headers.
		again := http.Header{}
		if err := parseHeaders(strings.NewReader(formatHeaders(h)), again); err != nil {
			t.Fatalf("formatted headers do not parse: %v", err)
		}
		if formatHeaders(again) != formatHeaders(h) {
			t.Fatalf("round trip changed the headers: %q != %q", formatHeaders(again), formatHeaders(h))
		}
	})
}

func FuzzParsePrivateKey(f *testing.F) {
	f.Add("")
	f.Add("-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n")
	f.Add(base64.StdEncoding.EncodeToString([]byte{0x30, 0x03, 0x02, 0x01, 0x01}))
	f.Fuzz(func(t *testing.T, in string) {
		k, err := parsePrivateKey(in)
		if err != nil {
			if !errors.Is(err, errPrivateKey) {
				t.Fatalf("unexpected error: %v", err)
			}
			if len(strings.TrimSpace(in)) >= 16 && strings.Contains(err.Error(), strings.TrimSpace(in)) {
				t.Fatal("the error repeats the key")
			}
			return
		}
		if k == nil {
			t.Fatal("nil key without an error")
		}
	})
}

func FuzzMandrillEvents(f *testing.F) {
	f.Add([]byte(`[{"event":"send","_id":"1"}]`))
	f.Add([]byte(`mandrill_events=%5B%5D`))
	f.Add([]byte(`mandrill_events=a&mandrill_events=b`))
	f.Add([]byte(`%zz`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := mandrillEvents(body)
		if err == nil && looksJSON(body) && !bytes.Equal(ev, body) {
			t.Fatal("a JSON body is the events themselves")
		}
	})
}
