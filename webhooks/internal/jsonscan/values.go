package jsonscan

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// String decodes a raw value the way encoding/json decodes it into a
// string: a string is unescaped (invalid UTF-8 becoming U+FFFD), null is
// "", and ok is false for any other kind. raw must come from Read.
func String(raw []byte) (string, bool) {
	if len(raw) == 0 {
		return "", false
	}
	switch raw[0] {
	case 'n':
		return "", true
	case '"':
	default:
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// Scalar returns a string value decoded or the text of a number as
// written; ok is false for objects, arrays, booleans and null.
func Scalar(raw []byte) (string, bool) {
	if len(raw) == 0 {
		return "", false
	}
	switch c := raw[0]; {
	case c == '"':
		return String(raw)
	case c == '-' || ('0' <= c && c <= '9'):
		return string(raw), true
	}
	return "", false
}

// Time reads a time given as whole Unix seconds (a number or a string of
// digits) or as an RFC 3339 string; it returns the zero time for anything
// else.
func Time(raw []byte) time.Time {
	if len(raw) == 0 {
		return time.Time{}
	}
	if '0' <= raw[0] && raw[0] <= '9' {
		t, _ := unix(string(raw))
		return t
	}
	s, ok := String(raw)
	if !ok || s == "" {
		return time.Time{}
	}
	if t, ok := unix(s); ok {
		return t
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t
	}
	return time.Time{}
}

// UnixFloat reads Unix seconds from a number, or a string holding one, with
// or without a fraction; the zero time for anything else.
func UnixFloat(raw []byte) time.Time {
	s, ok := Scalar(raw)
	if !ok || s == "" {
		return time.Time{}
	}
	if sec, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(sec, 0).UTC()
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1e12 {
		return time.Time{}
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
}

// unix parses 1 to 12 decimal digits as Unix seconds.
func unix(s string) (time.Time, bool) {
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
