package jsonscan

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var stripeFields = NewFields("id", "type", "created", "data.id")

func TestReadAgreesWithEncodingJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		err  error
		id   string
		typ  string
	}{
		{"plain", `{"id":"evt_1","type":"a.b","data":{"id":"x"}}`, nil, `"evt_1"`, `"a.b"`},
		{"type absent", `{"id":"evt_1"}`, nil, `"evt_1"`, ``},
		{"type after data", `{"id":"evt_1","data":{"type":"inner","id":1},"type":"outer"}`, nil, `"evt_1"`, `"outer"`},
		{"case folded name", `{"ID":"evt_1"}`, nil, `"evt_1"`, ``},
		{"escaped name", `{"\u0069d":"evt_1"}`, nil, `"evt_1"`, ``},
		{"kelvin folds", `{"typ\u212a":1}`, nil, ``, ``},
		{"duplicate id", `{"id":"evt_1","id":"evt_2"}`, ErrDuplicate, "", ""},
		{"duplicate in other case", `{"id":"evt_1","Id":"evt_2"}`, ErrDuplicate, "", ""},
		{"duplicate data", `{"id":"e","data":{"id":1},"data":{"id":2}}`, ErrDuplicate, "", ""},
		{"duplicate nested id", `{"id":"e","data":{"id":1,"id":2}}`, ErrDuplicate, "", ""},
		{"duplicate unread member", `{"id":"e","x":1,"x":2}`, nil, `"e"`, ""},
		{"trailing comma", `{"id":"evt_1","type":"a",}`, ErrSyntax, "", ""},
		{"trailing comma inside data", `{"id":"evt_1","data":{"a":[1,2,],"b":1},"type":"a"}`, ErrSyntax, "", ""},
		{"bad escape", `{"id":"\q"}`, ErrSyntax, "", ""},
		{"control char", "{\"id\":\"a\x01\"}", ErrSyntax, "", ""},
		{"bad number", `{"id":01}`, ErrSyntax, "", ""},
		{"trailing data", `{"id":"a"} {}`, ErrSyntax, "", ""},
		{"empty", ``, ErrSyntax, "", ""},
		{"array", `[{"id":"a"}]`, ErrNotObject, "", ""},
		{"string", `"id"`, ErrNotObject, "", ""},
		{"deep", strings.Repeat("[", 10001) + strings.Repeat("]", 10001), ErrSyntax, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vals := make([][]byte, 4)
			err := stripeFields.Read([]byte(tt.in), vals)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.id, string(vals[0]))
			require.Equal(t, tt.typ, string(vals[1]))
		})
	}
}

func TestReadArray(t *testing.T) {
	f := NewFields("_id", "event", "msg._id")
	vals := make([][]byte, 3)
	var got []string
	err := f.ReadArray([]byte(` [{"_id":"a","event":"send"}, {"event":"open","msg":{"_id":"m"}}] `), vals, func(el []byte, v [][]byte) error {
		got = append(got, fmt.Sprintf("%s|%s|%s", v[0], v[1], v[2]))
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, []string{`"a"|"send"|`, `|"open"|"m"`}, got)

	calls := 0
	count := func([]byte, [][]byte) error { calls++; return nil }
	require.ErrorIs(t, f.ReadArray([]byte(`[{"_id":"a"},1]`), vals, count), ErrNotObject)
	require.ErrorIs(t, f.ReadArray([]byte(`{"_id":"a"}`), vals, count), ErrNotArray)
	require.ErrorIs(t, f.ReadArray([]byte(`[{"_id":"a"},{"_id":"b",}]`), vals, count), ErrSyntax)
	require.ErrorIs(t, f.ReadArray([]byte(`[{"_id":"a"},{"_id":"b","_ID":"c"}]`), vals, count), ErrDuplicate)
	require.Zero(t, calls, "no element is passed on from a document that is refused")
	stop := errors.New("stop")
	require.ErrorIs(t, f.ReadArray([]byte(`[{},{}]`), vals, func([]byte, [][]byte) error { return stop }), stop)
}

func TestString(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string
		ok   bool
	}{
		{`"a"`, "a", true}, {`"\u00e9\n"`, "é\n", true}, {`null`, "", true}, {`1`, "", false}, {`{}`, "", false},
		{"\"\xff\"", "\ufffd", true},
	} {
		s, ok := String([]byte(tt.in))
		require.Equal(t, tt.ok, ok, tt.in)
		require.Equal(t, tt.want, s, tt.in)
	}
}

// target is what encoding/json reads from the members stripeFields reads.
type target struct {
	ID      json.RawMessage `json:"id"`
	Type    json.RawMessage `json:"type"`
	Created json.RawMessage `json:"created"`
	Data    *struct {
		ID json.RawMessage `json:"id"`
	} `json:"data"`
}

// FuzzReadMatchesEncodingJSON checks Read against encoding/json decoding
// the same bytes into a struct of the members it reads: the same verdict
// on validity, the same raw values, and ErrDuplicate only where a member
// read really appears twice.
func FuzzReadMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{
		`{"id":"evt_1","type":"a","created":1,"data":{"id":"x"}}`,
		`{"id":"evt_1","type":"a",}`, `{"ID":"a","Id":"b"}`, `{"data":{"id":1,"ID":2}}`,
		`{"data":[1,{"id":2}],"type":null}`, `{"\u0069d":"x"}`, `{"id":"\ud800"}`, "{\"id\":\"\xff\"}",
		`[1,2]`, `"x"`, `{"a":{"b":[true,false,null,-0.5e+3]}}`, `{"a":1}}`, ` {"id" : "x" } `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		vals := make([][]byte, 4)
		err := stripeFields.Read(b, vals)
		var want target
		jerr := json.Unmarshal(b, &want)
		var syn *json.SyntaxError
		switch {
		case errors.As(jerr, &syn) || (jerr != nil && !json.Valid(b)):
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("encoding/json: %v; Read: %v", jerr, err)
			}
			return
		case errors.Is(err, ErrSyntax):
			t.Fatalf("Read says invalid, encoding/json reads it (%v)", jerr)
		case !json.Valid(b):
			t.Fatalf("json.Valid disagrees")
		}
		trimmed := bytes.TrimLeft(b, " \t\r\n")
		if trimmed[0] != '{' {
			if !errors.Is(err, ErrNotObject) {
				t.Fatalf("not an object, Read: %v", err)
			}
			return
		}
		if errors.Is(err, ErrDuplicate) {
			if !hasDuplicate(t, b) {
				t.Fatalf("ErrDuplicate without a duplicate in %q", b)
			}
			return
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if jerr != nil {
			// A kind encoding/json cannot store (data not an object); the
			// raw top-level values still agree.
			return
		}
		check := func(name string, got []byte, want json.RawMessage) {
			if !bytes.Equal(got, want) {
				t.Fatalf("%s: Read %q, encoding/json %q", name, got, want)
			}
		}
		check("id", vals[0], want.ID)
		check("type", vals[1], want.Type)
		check("created", vals[2], want.Created)
		if want.Data != nil && vals[3] != nil {
			check("data.id", vals[3], want.Data.ID)
		}
		if s, ok := String(vals[0]); ok && vals[0] != nil {
			var ws string
			if json.Unmarshal(vals[0], &ws) == nil && ws != s {
				t.Fatalf("String %q, encoding/json %q", s, ws)
			}
		}
	})
}

// hasDuplicate reports whether a member read by stripeFields appears twice,
// by decoding every level with encoding/json's own token reader.
func hasDuplicate(t *testing.T, b []byte) bool {
	var top map[string]json.RawMessage
	if err := decodeAll(b, &top, []string{"id", "type", "created", "data"}); err != nil {
		return true
	}
	if d, ok := lookupFold(top, "data"); ok && bytes.HasPrefix(bytes.TrimSpace(d), []byte("{")) {
		var inner map[string]json.RawMessage
		return decodeAll(d, &inner, []string{"id"}) != nil
	}
	return false
}

var errDup = errors.New("dup")

// decodeAll walks the object's members with json.Decoder tokens and
// reports errDup when a name in names (folded) appears twice.
func decodeAll(b []byte, out *map[string]json.RawMessage, names []string) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return nil
	}
	seen := map[string]bool{}
	*out = map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		k := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil
		}
		for _, n := range names {
			if strings.EqualFold(k, n) {
				if seen[n] {
					return errDup
				}
				seen[n] = true
				(*out)[n] = v
			}
		}
	}
	return nil
}

func lookupFold(m map[string]json.RawMessage, name string) (json.RawMessage, bool) {
	v, ok := m[name]
	return v, ok
}

func BenchmarkRead(b *testing.B) {
	body := bigEvent(16 << 10)
	vals := make([][]byte, 4)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := stripeFields.Read(body, vals); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodingJSONValid(b *testing.B) {
	body := bigEvent(16 << 10)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if !json.Valid(body) {
			b.Fatal("invalid")
		}
	}
}

func bigEvent(size int) []byte {
	var lines []any
	for {
		ev := map[string]any{"id": "evt_1", "object": "event", "created": 1709251234, "type": "invoice.paid",
			"data": map[string]any{"object": map[string]any{"id": "in_1", "amount_due": 2000, "lines": lines}}}
		out, _ := json.MarshalIndent(ev, "", "  ")
		if len(out) >= size {
			return out
		}
		lines = append(lines, map[string]any{"id": "il_1OqXYZ2eZvKYlo2C", "amount": 2000, "currency": "usd",
			"description": "1 x Pro plan (at $20.00 / month)", "period": map[string]any{"end": 1711929600, "start": 1709251200}, "quantity": 1})
	}
}

func BenchmarkHMACSameBody(b *testing.B) {
	body := bigEvent(16 << 10)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	m := hmac.New(sha256.New, []byte("whsec_bench"))
	var sum [32]byte
	for b.Loop() {
		m.Reset()
		m.Write(body)
		m.Sum(sum[:0])
	}
}
