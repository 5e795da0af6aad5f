package webhooks

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func FuzzParseStandardSignatures(f *testing.F) {
	for _, s := range []string{
		"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
		"v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==",
		"v1,", "v2,abc", ",", "", "v1", "  v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=  ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		var out [maxStandardSignatures]string
		n, err := parseStandardSignatures(h, &out)
		if err != nil {
			if !errors.Is(err, ErrMalformedHeader) || n != 0 {
				t.Fatalf("n=%d err=%v", n, err)
			}
			return
		}
		if n < 1 || n > maxStandardSignatures {
			t.Fatalf("n=%d", n)
		}
		for _, s := range out[:n] {
			if !wellFormed(Base64, s, 32) {
				t.Fatalf("kept %q", s)
			}
		}
	})
}

// FuzzStandardWebhooksVerify feeds arbitrary headers and bodies to the
// Standard Webhooks and Svix verifiers: they must fail cleanly, with a
// sentinel error, and accept only what is signed.
func FuzzStandardWebhooksVerify(f *testing.F) {
	f.Add("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", []byte(`{"test": 2432232314}`))
	f.Add("", "", "", []byte(nil))
	f.Add("id", "-1", "v1,,", []byte(`{"type":`))
	now := time.Unix(1614265330, 0)
	sw, err := NewStandardWebhooks("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", WithClock(func() time.Time { return now }))
	if err != nil {
		f.Fatal(err)
	}
	sv, err := NewSvix("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", WithClock(func() time.Time { return now }))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		for _, v := range []*StandardWebhooksVerifier{sw, sv} {
			h := http.Header{}
			h.Set("webhook-id", id)
			h.Set("webhook-timestamp", ts)
			h.Set("webhook-signature", sig)
			events, err := v.Verify(&Delivery{Header: h, Body: body})
			if err != nil {
				if !isSentinel(err) {
					t.Fatalf("error without a sentinel: %v", err)
				}
				continue
			}
			if len(events) != 1 || events[0].ID != strings.TrimSpace(id) && events[0].ID != id {
				t.Fatalf("events %+v", events)
			}
			want := signStandard("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", events[0].ID, mustUnix(t, ts), body)
			if !strings.Contains(sig, strings.TrimPrefix(want, "v1,")) {
				t.Fatalf("accepted a signature that is not the HMAC")
			}
		}
	})
}

func mustUnix(t *testing.T, s string) time.Time {
	ts, ok := parseUnix(s)
	if !ok {
		t.Fatalf("accepted timestamp %q", s)
	}
	return ts
}

func isSentinel(err error) bool {
	for _, s := range []error{ErrMissingSignature, ErrMalformedHeader, ErrInvalidSignature, ErrTimestampOutOfRange, ErrMalformedBody} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
