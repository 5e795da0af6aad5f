package httpclient

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
)

// encodeBody turns a request body into the bytes sent on every attempt and
// the Content-Type derived from its type ("" leaves the choice to resty:
// sniffed for []byte, text/plain for string).
func encodeBody(body any) ([]byte, string, error) {
	switch b := body.(type) {
	case nil:
		return nil, "", nil
	case []byte:
		if b == nil {
			return []byte{}, "", nil
		}
		return b, "", nil
	case string:
		return []byte(b), "text/plain; charset=utf-8", nil
	case json.RawMessage:
		return []byte(b), "application/json", nil
	case url.Values:
		return []byte(b.Encode()), "application/x-www-form-urlencoded", nil
	case io.Reader:
		data, err := io.ReadAll(b)
		if cl, ok := b.(io.Closer); ok {
			_ = cl.Close()
		}
		if err != nil {
			return nil, "", fmt.Errorf("httpclient: read request body: %w", err)
		}
		if data == nil {
			data = []byte{}
		}
		return data, "", nil
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return nil, "", fmt.Errorf("httpclient: encode JSON request body: %w", err)
		}
		return data, "application/json", nil
	}
}

// newIdempotencyKey returns a random version 4 UUID.
func newIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}
