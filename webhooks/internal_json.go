package webhooks

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// scanObject walks the members of the JSON object in b without decoding
// it: for each top-level member it calls fn with the key (the raw bytes
// between the quotes) and the raw value. Nested values are skipped, not
// parsed. fn returns false to stop early. scanObject reports false when b
// is not a well-formed object as far as it read; it does not validate the
// contents of the values it skips.
func scanObject(b []byte, fn func(key, val []byte) bool) bool {
	return scanMembers(b, func(key []byte, i int) (int, bool) {
		end := skipValue(b, i)
		if end < 0 {
			return -1, true
		}
		return end, fn(key, b[i:end])
	})
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the index just past the string starting at b[i] (a
// quote), or -1 when it does not end. The closing quote is found with
// bytes.IndexByte; a quote preceded by an odd run of backslashes is
// escaped and skipped.
func skipString(b []byte, i int) int {
	i++
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return -1
		}
		i += j
		k := i - 1
		for k >= 0 && b[k] == '\\' {
			k--
		}
		if (i-1-k)%2 == 0 {
			return i + 1
		}
		i++
	}
}

// skipValue returns the index just past the value starting at b[i], or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		return skipContainer(b, i)
	case '}', ']', ',', ':':
		return -1
	default:
		start := i
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				if i == start {
					return -1
				}
				return i
			}
			i++
		}
		return -1
	}
}

// skipContainer returns the index just past the object or array starting
// at b[i], or -1. It tracks only quotes, escapes and brackets: the bytes
// were signed by the provider, and encoding/json reads them later if the
// event function wants them.
func skipContainer(b []byte, i int) int {
	depth := 0
	n := len(b)
	for i < n {
		c := b[i]
		if !jsonSpecial[c] {
			i++
			continue
		}
		switch c {
		case '"':
			i = stringEnd(b, i+1)
			if i < 0 {
				return -1
			}
			continue
		case '{', '[':
			depth++
		default: // '}' or ']'
			depth--
			if depth == 0 {
				return i + 1
			}
		}
		i++
	}
	return -1
}

// stringEnd returns the index just past the closing quote of a string whose
// contents start at b[i], or -1. It steps eight bytes at a time while none
// of them is a quote or a backslash.
func stringEnd(b []byte, i int) int {
	n := len(b)
	for i+8 <= n {
		x := binary.LittleEndian.Uint64(b[i:])
		if hasByte(x, '"') || hasByte(x, '\\') {
			break
		}
		i += 8
	}
	for i < n {
		switch b[i] {
		case '"':
			return i + 1
		case '\\':
			i += 2
			continue
		}
		i++
		if i+8 <= n && i&7 == 0 {
			x := binary.LittleEndian.Uint64(b[i:])
			if !hasByte(x, '"') && !hasByte(x, '\\') {
				i += 8
			}
		}
	}
	return -1
}

// hasByte reports whether any byte of x equals c (the classic SWAR test).
func hasByte(x uint64, c byte) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	y := x ^ (lo * uint64(c))
	return (y-lo)&^y&hi != 0
}

var jsonSpecial [256]bool

func init() {
	for _, c := range []byte(`"{}[]`) {
		jsonSpecial[c] = true
	}
}

// jsonString decodes a raw JSON string value; ok is false for any other
// kind of value.
func jsonString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
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

// jsonScalar returns a string value decoded, or the raw text of a number;
// ok is false for objects, arrays, booleans and null.
func jsonScalar(raw []byte) (string, bool) {
	if len(raw) == 0 {
		return "", false
	}
	if raw[0] == '"' {
		return jsonString(raw)
	}
	if raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9') {
		for _, c := range raw {
			if !(c >= '0' && c <= '9') && c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E' {
				return "", false
			}
		}
		return string(raw), true
	}
	return "", false
}

// jsonTime reads a time given as Unix seconds (a JSON number or a string
// of digits) or as an RFC 3339 string. It returns the zero time otherwise.
func jsonTime(raw []byte) time.Time {
	if len(raw) == 0 {
		return time.Time{}
	}
	if raw[0] >= '0' && raw[0] <= '9' {
		if t, ok := parseUnix(string(raw)); ok {
			return t
		}
		return time.Time{}
	}
	s, ok := jsonString(raw)
	if !ok {
		return time.Time{}
	}
	if t, ok := parseUnix(s); ok {
		return t
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t
	}
	return time.Time{}
}

// objectField returns the raw value of a top-level member of the object b.
func objectField(b []byte, name string) []byte {
	var out []byte
	scanObject(b, func(k, v []byte) bool {
		if string(k) == name {
			out = v
			return false
		}
		return true
	})
	return out
}

// findMembers fills vals[i] with the raw value of the top-level member
// named keys[i] of the object b (nil when absent), reading as little of b
// as it can: it reads members forward until it meets an object or array
// value while some key is still missing, then reads members backward from
// the end of b. Only when the two passes meet without finding every key
// does it skip that container and go on forward. Webhook events put their
// id and time before a large data member and, for Stripe, their type after
// it, so the data member is usually never read. It reports false when b is
// not an object it can read.
func findMembers(b []byte, keys []string, vals [][]byte) bool {
	missing := 0
	for i := range vals {
		vals[i] = nil
		missing++
	}
	set := func(k, v []byte) {
		for j, name := range keys {
			if vals[j] == nil && string(k) == name {
				vals[j] = v
				missing--
			}
		}
	}
	backDone := false
	return scanMembers(b, func(key []byte, i int) (int, bool) {
		if !backDone && missing > 0 && i < len(b) && (b[i] == '{' || b[i] == '[') {
			// The backward pass stops at this value, the first unread one.
			if backward(b, i, set, &missing) && missing == 0 {
				return 0, false
			}
			backDone = true
		}
		vend := skipValue(b, i)
		if vend < 0 {
			return -1, true
		}
		set(key, b[i:vend])
		return vend, missing > 0
	})
}

// backward reads top-level members of the object b from its end towards
// stop, calling set for each, until every key is found or it meets an
// object or array value. It reports false when the bytes do not read as
// members; the caller then falls back to the forward pass, which decides.
func backward(b []byte, stop int, set func(k, v []byte), missing *int) bool {
	j := len(b) - 1
	for j >= 0 && isSpace(b[j]) {
		j--
	}
	if j < 0 || b[j] != '}' {
		return false
	}
	j--
	for *missing > 0 {
		for j > stop && isSpace(b[j]) {
			j--
		}
		if j <= stop {
			return true
		}
		// The value ends at b[j].
		vend := j + 1
		switch b[j] {
		case '}', ']':
			k := containerStartBackward(b, j, stop, backwardBudget)
			if k < 0 {
				return true // large or unreadable: leave it to the forward pass
			}
			j = k - 1
		case '"':
			k := stringStartBackward(b, j)
			if k <= stop {
				return false
			}
			j = k - 1
		default:
			for j > stop && !isSpace(b[j]) && b[j] != ':' && b[j] != ',' && b[j] != '{' && b[j] != '[' {
				j--
			}
		}
		vstart := j + 1
		for j > stop && isSpace(b[j]) {
			j--
		}
		if j <= stop || b[j] != ':' {
			return false
		}
		j--
		for j > stop && isSpace(b[j]) {
			j--
		}
		if j <= stop || b[j] != '"' {
			return false
		}
		k := stringStartBackward(b, j)
		if k <= stop {
			return false
		}
		key := b[k+1 : j]
		j = k - 1
		for j > stop && isSpace(b[j]) {
			j--
		}
		if j <= stop || b[j] != ',' {
			return false
		}
		j--
		set(key, b[vstart:vend])
	}
	return true
}

// backwardBudget bounds how many bytes the backward pass spends skipping
// one container, so that it never reads the large data member itself.
const backwardBudget = 256

// containerStartBackward returns the index of the bracket opening the
// object or array that b[j] closes, or -1 when it is not found after stop
// within budget bytes.
func containerStartBackward(b []byte, j, stop, budget int) int {
	depth := 0
	for k := j; k > stop && j-k < budget; k-- {
		switch b[k] {
		case '"':
			k = stringStartBackward(b, k)
			if k <= stop {
				return -1
			}
		case '}', ']':
			depth++
		case '{', '[':
			depth--
			if depth == 0 {
				return k
			}
		}
	}
	return -1
}

// stringStartBackward returns the index of the opening quote of the string
// whose closing quote is b[j], or -1: the nearest quote before it that is
// not escaped, that is, not preceded by an odd run of backslashes.
func stringStartBackward(b []byte, j int) int {
	for k := j - 1; k >= 0; k-- {
		if b[k] != '"' {
			continue
		}
		n := 0
		for m := k - 1; m >= 0 && b[m] == '\\'; m-- {
			n++
		}
		if n%2 == 0 {
			return k
		}
	}
	return -1
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// leadingMembers walks the top-level members of the object b like
// scanObject, calling fn with each, until it reaches the member named lazy:
// it then returns the offset where that member's value starts without
// reading the value, so the caller can read into it and stop early. It
// returns -1 when there is no such member (or fn stopped the walk), and
// ok false when b is not an object it can read.
func leadingMembers(b []byte, lazy string, fn func(key, val []byte) bool) (start int, ok bool) {
	start = -1
	ok = scanMembers(b, func(key []byte, i int) (int, bool) {
		if string(key) == lazy {
			start = i
			return i, false
		}
		end := skipValue(b, i)
		if end < 0 {
			return -1, false
		}
		return end, fn(key, b[i:end])
	})
	return start, ok
}

// scanMembers walks the members of the object in b; for each it calls fn
// with the key and the offset of its value, and fn returns where that value
// ends and whether to go on (an end below zero makes the object
// unreadable).
func scanMembers(b []byte, fn func(key []byte, valStart int) (int, bool)) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return true
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return false
		}
		end := skipString(b, i)
		if end < 0 {
			return false
		}
		key := b[i+1 : end-1]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		vend, more := fn(key, skipSpace(b, i+1))
		if !more {
			return true
		}
		if vend < 0 {
			return false
		}
		i = skipSpace(b, vend)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return true
		default:
			return false
		}
	}
}

// jsonFieldIndex returns the index of the first of names that the object
// key k (the raw bytes between its quotes) matches the way encoding/json
// matches a member to a struct field: after decoding escapes, equal under
// Unicode case folding. It returns -1 when no name matches.
func jsonFieldIndex(k []byte, names []string) int {
	plain := true
	for _, c := range k {
		if c == '\\' || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain {
		for i, n := range names {
			if len(n) == len(k) && strings.EqualFold(string(k), n) {
				return i
			}
		}
		return -1
	}
	quoted := make([]byte, 0, len(k)+2)
	quoted = append(append(append(quoted, '"'), k...), '"')
	key, ok := jsonString(quoted)
	if !ok {
		return -1
	}
	for i, n := range names {
		if strings.EqualFold(key, n) {
			return i
		}
	}
	return -1
}

// jsonStringInto stores the raw JSON value v in *dst the way encoding/json
// stores it in a string field: a string is decoded, null leaves *dst
// alone, and any other kind reports false.
func jsonStringInto(v []byte, dst *string) bool {
	if len(v) == 0 {
		return false
	}
	switch v[0] {
	case '"':
		s, ok := jsonString(v)
		if ok {
			*dst = s
		}
		return ok
	case 'n':
		return true
	}
	return false
}

// jsonNumberInto stores the raw JSON value v in *dst the way encoding/json
// stores it in a json.Number field: a number as written, a string holding
// a valid number decoded, null leaving *dst alone; anything else reports
// false.
func jsonNumberInto(v []byte, dst *string) bool {
	if len(v) == 0 {
		return false
	}
	switch c := v[0]; {
	case c == '"':
		s, ok := jsonString(v)
		if !ok || !validJSONNumber(s) {
			return false
		}
		*dst = s
		return true
	case c == '-' || (c >= '0' && c <= '9'):
		if !validJSONNumber(string(v)) {
			return false
		}
		*dst = string(v)
		return true
	case c == 'n':
		return true
	}
	return false
}

// validJSONNumber reports whether s is a number in JSON's grammar.
func validJSONNumber(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	switch {
	case s == "":
		return false
	case s[0] == '0':
		s = s[1:]
	case s[0] >= '1' && s[0] <= '9':
		s = s[1:]
		for s != "" && s[0] >= '0' && s[0] <= '9' {
			s = s[1:]
		}
	default:
		return false
	}
	if len(s) >= 2 && s[0] == '.' && s[1] >= '0' && s[1] <= '9' {
		s = s[2:]
		for s != "" && s[0] >= '0' && s[0] <= '9' {
			s = s[1:]
		}
	}
	if len(s) >= 2 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s[0] == '+' || s[0] == '-' {
			s = s[1:]
			if s == "" {
				return false
			}
		}
		for s != "" && s[0] >= '0' && s[0] <= '9' {
			s = s[1:]
		}
	}
	return s == ""
}

// walkObject walks the members of the object starting at b[i] like
// scanObject, calling fn with each key and raw value, and returns the
// index just past the object's closing brace. It returns -1 when the
// object is malformed as far as it read or fn returned false.
func walkObject(b []byte, i int, fn func(key, val []byte) bool) int {
	if i >= len(b) || b[i] != '{' {
		return -1
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return -1
		}
		end := skipString(b, i)
		if end < 0 {
			return -1
		}
		key := b[i+1 : end-1]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return -1
		}
		i = skipSpace(b, i+1)
		vend := skipValue(b, i)
		if vend < 0 || !fn(key, b[i:vend]) {
			return -1
		}
		i = skipSpace(b, vend)
		if i >= len(b) {
			return -1
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return i + 1
		default:
			return -1
		}
	}
}

// membersAfter walks the members of an object that follow the value ending at
// b[i], as scanObject would have gone on: a comma and the next member, or
// the closing brace. It calls fn with each key and raw value until fn
// returns false or the bytes stop reading as members.
func membersAfter(b []byte, i int, fn func(key, val []byte) bool) {
	for {
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != ',' {
			return
		}
		i = skipSpace(b, i+1)
		if i >= len(b) || b[i] != '"' {
			return
		}
		end := skipString(b, i)
		if end < 0 {
			return
		}
		key := b[i+1 : end-1]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return
		}
		i = skipSpace(b, i+1)
		vend := skipValue(b, i)
		if vend < 0 || !fn(key, b[i:vend]) {
			return
		}
		i = vend
	}
}
