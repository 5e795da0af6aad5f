package idempotency

import (
	"fmt"
	"strings"
)

// KeyHeader is the request header that carries the idempotency key.
const KeyHeader = "Idempotency-Key"

// ReplayedHeader marks a response replayed from the store.
const ReplayedHeader = "Idempotent-Replayed"

var errBadKeyHeader = fmt.Errorf("%w: malformed Idempotency-Key header", ErrInvalidKey)

// ParseKey parses the value of an Idempotency-Key header. The draft
// defines the field as a Structured Field Item (RFC 8941) whose value is a
// String, for example "8e03978e-40d5-43e8-bc93-6894a57f9324" with the
// quotes; parameters after the string are allowed and ignored. Many clients
// send the bare key without quotes, so a value of visible ASCII characters
// that does not start with a quote is accepted as the key itself. The key
// must also pass ValidateKey. Errors wrap ErrInvalidKey.
func ParseKey(v string) (string, error) {
	v = strings.Trim(v, " \t")
	if v == "" {
		return "", errBadKeyHeader
	}
	if v[0] != '"' {
		for i := 0; i < len(v); i++ {
			if c := v[i]; c <= 0x20 || c >= 0x7f || c == '"' || c == '\\' {
				return "", errBadKeyHeader
			}
		}
		return v, ValidateKey(v)
	}
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\':
			i++
			if i >= len(v) || (v[i] != '"' && v[i] != '\\') {
				return "", errBadKeyHeader
			}
			b.WriteByte(v[i])
		case c == '"':
			rest := strings.TrimLeft(v[i+1:], " \t")
			if rest != "" && rest[0] != ';' {
				return "", errBadKeyHeader
			}
			key := b.String()
			return key, ValidateKey(key)
		case c < 0x20 || c >= 0x7f:
			return "", errBadKeyHeader
		default:
			b.WriteByte(c)
		}
	}
	return "", errBadKeyHeader // no closing quote
}

// QuoteKey formats key as a Structured Field String, the form the draft
// gives for the Idempotency-Key header. It is the inverse of ParseKey for
// keys of printable ASCII.
func QuoteKey(key string) string {
	var b strings.Builder
	b.Grow(len(key) + 2)
	b.WriteByte('"')
	for i := 0; i < len(key); i++ {
		if key[i] == '"' || key[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(key[i])
	}
	b.WriteByte('"')
	return b.String()
}
