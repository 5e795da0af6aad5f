package jsonscan

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/bits"
	"strings"
	"unicode/utf8"
)

// Errors returned by Read and ReadArray.
var (
	// ErrSyntax means the document is not valid JSON.
	ErrSyntax = errors.New("jsonscan: not valid JSON")
	// ErrDuplicate means a member that is read, or one on the path to it,
	// appears more than once in its object.
	ErrDuplicate = errors.New("jsonscan: member given more than once")
	// ErrNotObject means the document (Read) or an element (ReadArray) is
	// valid JSON but not an object.
	ErrNotObject = errors.New("jsonscan: not a JSON object")
	// ErrNotArray means the document given to ReadArray is valid JSON but
	// not an array.
	ErrNotArray = errors.New("jsonscan: not a JSON array")
)

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// Fields is a compiled set of member paths. It is safe for concurrent use.
type Fields struct {
	root node
	n    int
}

// node matches the member names of one object level.
type node struct {
	names []string       // entry names, as given
	index map[string]int // lower-cased ASCII name -> entry
	slot  []int          // vals index of each entry, or -1
	sub   []*node        // the object level under each entry, or nil
}

func (n *node) add(name string) int {
	if n.index == nil {
		n.index = map[string]int{}
	}
	key := strings.ToLower(name)
	if e, ok := n.index[key]; ok {
		return e
	}
	n.names = append(n.names, name)
	n.slot = append(n.slot, -1)
	n.sub = append(n.sub, nil)
	n.index[key] = len(n.names) - 1
	return len(n.names) - 1
}

// NewFields compiles paths: member names, or two names joined by a dot for
// a member of an object member. Names are ASCII. vals[i] of Read receives
// the value at paths[i]. It panics on a malformed path or on more than 64
// names at one level, which are programming errors.
func NewFields(paths ...string) *Fields {
	f := &Fields{n: len(paths)}
	for i, p := range paths {
		parts := strings.Split(p, ".")
		if len(parts) > 2 || p == "" {
			panic("jsonscan: path must be one or two names: " + p)
		}
		for _, part := range parts {
			if part == "" || !isASCII(part) {
				panic("jsonscan: bad path: " + p)
			}
		}
		e := f.root.add(parts[0])
		if len(parts) == 1 {
			f.root.slot[e] = i
			continue
		}
		if f.root.sub[e] == nil {
			f.root.sub[e] = &node{}
		}
		s := f.root.sub[e]
		s.slot[s.add(parts[1])] = i
	}
	if len(f.root.names) > 64 {
		panic("jsonscan: more than 64 names at one level")
	}
	for _, s := range f.root.sub {
		if s != nil && len(s.names) > 64 {
			panic("jsonscan: more than 64 names at one level")
		}
	}
	return f
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// lookup returns the entry matching the raw key (the bytes between its
// quotes), or -1.
func (n *node) lookup(raw []byte) int {
	if len(n.names) <= 8 {
		// Few names: compare directly, no hashing.
		plain := true
		for e, name := range n.names {
			if len(name) != len(raw) {
				continue
			}
			i := 0
			for ; i < len(raw); i++ {
				c := raw[i]
				if c == '\\' || c >= utf8.RuneSelf {
					plain = false
					break
				}
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				if d := name[i]; c != d && !('A' <= d && d <= 'Z' && c == d+'a'-'A') {
					break
				}
			}
			if i == len(raw) {
				return e
			}
		}
		if plain {
			for _, c := range raw {
				if c == '\\' || c >= utf8.RuneSelf {
					plain = false
					break
				}
			}
		}
		if plain {
			return -1
		}
		return n.slowLookup(raw)
	}
	if len(raw) <= 64 {
		var buf [64]byte
		plain := true
		for i, c := range raw {
			if c == '\\' || c >= utf8.RuneSelf {
				plain = false
				break
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
		}
		if plain {
			if e, ok := n.index[string(buf[:len(raw)])]; ok {
				return e
			}
			return -1
		}
	} else if bytes.IndexByte(raw, '\\') < 0 && isASCII(string(raw)) {
		return -1 // longer than any name
	}
	return n.slowLookup(raw)
}

// slowLookup matches a key holding escapes or non-ASCII bytes: it
// unescapes it as encoding/json does, then folds.
func (n *node) slowLookup(raw []byte) int {
	quoted := make([]byte, 0, len(raw)+2)
	quoted = append(append(append(quoted, '"'), raw...), '"')
	var key string
	if json.Unmarshal(quoted, &key) != nil {
		return -1
	}
	for e, name := range n.names {
		if strings.EqualFold(key, name) {
			return e
		}
	}
	return -1
}

// frame is one open object or array.
type frame struct {
	obj  bool
	node *node  // names matched in this object, or nil
	seen uint64 // entries of node already met
	slot int    // vals index this container's value goes to, or -1
	elem bool   // an element of the array given to ReadArray
	// start is where this container begins.
	start int
}

// Read validates b as one JSON document and fills vals (len(paths)) with
// the raw value at each path, nil when absent. It returns ErrSyntax,
// ErrNotObject (valid, but not an object), ErrDuplicate, or nil. A path
// whose first member is not an object leaves its value nil.
func (f *Fields) Read(b []byte, vals [][]byte) error {
	clear(vals[:f.n])
	return f.scan(b, vals, nil)
}

// ReadArray validates b as one JSON document holding an array of objects
// and calls fn with each element and the values of the paths in it. It
// returns ErrSyntax, ErrNotArray, ErrNotObject (an element is not an
// object), ErrDuplicate, the first error fn returns, or nil. The document
// is validated before fn is first called.
func (f *Fields) ReadArray(b []byte, vals [][]byte, fn func(elem []byte, vals [][]byte) error) error {
	// Validate and check every element first, so that fn never sees part
	// of a document that turns out malformed.
	clear(vals[:f.n])
	if err := f.scan(b, vals, func([]byte) error { return nil }); err != nil {
		return err
	}
	clear(vals[:f.n])
	return f.scan(b, vals, func(elem []byte) error { return fn(elem, vals) })
}

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// specialMask flags, in its lowest set bit's byte, the first byte of x that
// is a quote, a backslash or a control character.
func specialMask(x uint64) uint64 {
	q := x ^ (lo8 * '"')
	s := x ^ (lo8 * '\\')
	return ((q - lo8) &^ q & hi8) | ((s - lo8) &^ s & hi8) | ((x - lo8*0x20) &^ x & hi8)
}

// stringEnd returns the index just past the closing quote of the string
// whose contents start at b[i], or -1 when it is not a valid JSON string.
func stringEnd(b []byte, i int) int {
	n := len(b)
	for {
		for i+8 <= n {
			m := specialMask(binary.LittleEndian.Uint64(b[i:]))
			if m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= n {
			return -1
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c == '\\':
			if i+1 >= n {
				return -1
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > n || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return -1
				}
				i += 6
			default:
				return -1
			}
		case c < 0x20:
			return -1
		default:
			i++
		}
	}
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func skipSpace(b []byte, i int) int {
	n := len(b)
	for i < n {
		c := b[i]
		if c > ' ' || (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
			return i
		}
		i++
		if i < n && b[i] > ' ' {
			return i // the usual single space or line break
		}
		// Indentation: skip spaces eight at a time.
		for i+8 <= n {
			if x := binary.LittleEndian.Uint64(b[i:]) ^ (lo8 * ' '); x != 0 {
				i += bits.TrailingZeros64(x) >> 3
				break
			}
			i += 8
		}
	}
	return i
}

// numberEnd returns the index just past the number starting at b[i], or -1.
func numberEnd(b []byte, i int) int {
	n := len(b)
	if i < n && b[i] == '-' {
		i++
	}
	switch {
	case i < n && b[i] == '0':
		i++
	case i < n && '1' <= b[i] && b[i] <= '9':
		i++
		for i < n && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	default:
		return -1
	}
	if i < n && b[i] == '.' {
		i++
		if i >= n || b[i] < '0' || b[i] > '9' {
			return -1
		}
		for i < n && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	}
	if i < n && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < n && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= n || b[i] < '0' || b[i] > '9' {
			return -1
		}
		for i < n && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	}
	return i
}

// literalEnd returns the index just past true, false or null at b[i], or -1.
func literalEnd(b []byte, i int) int {
	var lit string
	switch b[i] {
	case 't':
		lit = "true"
	case 'f':
		lit = "false"
	default:
		lit = "null"
	}
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}

// scan walks b once. Without each, the root must be an object read with
// f.root; with each, the root must be an array whose elements are objects
// read with f.root, each passed to each.
func (f *Fields) scan(b []byte, vals [][]byte, each func(elem []byte) error) error {
	var buf [16]frame
	stack := buf[:0]
	notShape := false // valid so far, but the root or an element has the wrong kind
	dup := false
	// pending is the vals index of the value being read, or -1; sub is the
	// object level to use if that value is an object.
	pending, pendingSub := -1, (*node)(nil)
	i := skipSpace(b, 0)

value:
	if i >= len(b) {
		return ErrSyntax
	}
	switch c := b[i]; c {
	case '{', '[':
		if len(stack) >= maxDepth {
			return ErrSyntax
		}
		fr := frame{obj: c == '{', slot: pending, start: i}
		switch {
		case len(stack) == 0 && each == nil:
			if fr.obj {
				fr.node = &f.root
			} else {
				notShape = true
			}
		case len(stack) == 0:
			if fr.obj {
				notShape = true
			}
		case len(stack) == 1 && each != nil && !stack[0].obj:
			fr.elem = true
			if fr.obj {
				fr.node = &f.root
				clear(vals[:f.n])
			} else {
				notShape = true
			}
		case fr.obj:
			fr.node = pendingSub
		}
		stack = append(stack, fr)
		pending, pendingSub = -1, nil
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == byte(c+2) { // '}' or ']'
			i++
			goto closed
		}
		if fr.obj {
			goto key
		}
		goto value
	case '"':
		if len(stack) == 0 || (each != nil && len(stack) == 1) {
			notShape = true
		}
		end := stringEnd(b, i+1)
		if end < 0 {
			return ErrSyntax
		}
		if pending >= 0 {
			vals[pending] = b[i:end]
		}
		i = end
	case 't', 'f', 'n':
		if len(stack) == 0 || (each != nil && len(stack) == 1) {
			notShape = true
		}
		end := literalEnd(b, i)
		if end < 0 {
			return ErrSyntax
		}
		if pending >= 0 {
			vals[pending] = b[i:end]
		}
		i = end
	default:
		if len(stack) == 0 || (each != nil && len(stack) == 1) {
			notShape = true
		}
		end := numberEnd(b, i)
		if end < 0 {
			return ErrSyntax
		}
		if pending >= 0 {
			vals[pending] = b[i:end]
		}
		i = end
	}
	pending, pendingSub = -1, nil

after:
	if len(stack) == 0 {
		if skipSpace(b, i) != len(b) {
			return ErrSyntax
		}
		switch {
		case notShape && each != nil && b[skipSpace(b, 0)] != '[':
			return ErrNotArray
		case notShape:
			return ErrNotObject
		case dup:
			return ErrDuplicate
		}
		return nil
	}
	i = skipSpace(b, i)
	if i >= len(b) {
		return ErrSyntax
	}
	if top := &stack[len(stack)-1]; top.obj {
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
			goto key
		case '}':
			i++
			goto closed
		}
		return ErrSyntax
	}
	switch b[i] {
	case ',':
		i = skipSpace(b, i+1)
		goto value
	case ']':
		i++
		goto closed
	}
	return ErrSyntax

closed:
	{
		fr := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if fr.slot >= 0 {
			vals[fr.slot] = b[fr.start:i]
		}
		if fr.elem && fr.obj && each != nil && !notShape && !dup {
			if err := each(b[fr.start:i]); err != nil {
				return err
			}
		}
	}
	goto after

key:
	if i >= len(b) || b[i] != '"' {
		return ErrSyntax
	}
	{
		end := stringEnd(b, i+1)
		if end < 0 {
			return ErrSyntax
		}
		top := &stack[len(stack)-1]
		if n := top.node; n != nil {
			if e := n.lookup(b[i+1 : end-1]); e >= 0 {
				if top.seen&(1<<uint(e)) != 0 {
					dup = true
				}
				top.seen |= 1 << uint(e)
				pending, pendingSub = n.slot[e], n.sub[e]
			}
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return ErrSyntax
		}
		i = skipSpace(b, i+1)
	}
	goto value
}
