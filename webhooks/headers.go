package webhooks

import (
	"fmt"
	"strings"
	"time"
)

// checkTime rejects a signed timestamp further than tol from now, in either
// direction.
func checkTime(provider string, ts, now time.Time, tol time.Duration) error {
	d := now.Sub(ts)
	if d > tol {
		return fmt.Errorf("%w: %s timestamp is older than %v", ErrTimestampOutOfRange, provider, tol)
	}
	if d < -tol {
		return fmt.Errorf("%w: %s timestamp is more than %v in the future", ErrTimestampOutOfRange, provider, tol)
	}
	return nil
}

// parseUnix parses a decimal Unix time in seconds, without allocating.
// It accepts 1 to 12 digits and nothing else.
func parseUnix(s string) (time.Time, bool) {
	if len(s) == 0 || len(s) > 12 {
		return time.Time{}, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return time.Time{}, false
		}
		n = n*10 + int64(c-'0')
	}
	return time.Unix(n, 0), true
}

// headerValue returns the first value of a header whose key is already in
// canonical form, without canonicalising it again.
// A header map built by hand may hold a key in another case; such a key is
// found by a case-insensitive scan.
func headerValue(h map[string][]string, canonicalKey string) string {
	if v, ok := h[canonicalKey]; ok {
		if len(v) > 0 {
			return v[0]
		}
		return ""
	}
	for k, v := range h {
		if len(v) > 0 && strings.EqualFold(k, canonicalKey) {
			return v[0]
		}
	}
	return ""
}
