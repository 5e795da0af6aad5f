package webhookstest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
)

// NewRequest returns a POST request to target, as an incoming server
// request (like httptest.NewRequest), carrying body and a copy of h. It
// sets Content-Length, and Content-Type to application/json when h has
// none. It panics when target is not a valid URL, as httptest.NewRequest
// does.
func NewRequest(target string, body []byte, h http.Header) *http.Request {
	req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	for k, vs := range h {
		req.Header[k] = append([]string(nil), vs...)
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.ContentLength = int64(len(body))
	return req
}

// randomHex returns n random bytes, hex encoded.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// randomUUID returns a random version 4 UUID.
func randomUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
