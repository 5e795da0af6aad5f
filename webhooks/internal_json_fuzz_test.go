package webhooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzScanObject checks the top-level scanner against encoding/json: on
// valid JSON objects both must see the same top-level members.
func FuzzScanObject(f *testing.F) {
	for _, s := range []string{
		`{"id":"evt_1","type":"a.b","created":1,"data":{"object":{"id":"x","s":"}\"{"}}}`,
		`{}`, ` { "a" : [1, {"b": "]"}], "c": null, "d": true, "e": -1.5e3 } `,
		`{"a\"b":"c\\"}`, `{"a":}`, `{"a":1,}`, `[1]`, `{"a":"\u00e9"}`, `{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got := map[string]string{}
		var order []string
		ok := scanObject(b, func(k, v []byte) bool {
			got[string(k)] = string(v)
			order = append(order, string(k))
			return true
		})
		var want map[string]json.RawMessage
		if json.Unmarshal(b, &want) != nil || want == nil {
			return // invalid JSON: the scanner may accept or refuse, but must not panic
		}
		if !ok {
			t.Fatalf("scanner refused valid object %q", b)
		}
		for _, k := range order {
			var key string
			if err := json.Unmarshal([]byte(`"`+k+`"`), &key); err != nil {
				t.Fatalf("key %q", k)
			}
			raw, present := want[key]
			if !present {
				t.Fatalf("key %q not in encoding/json's view", key)
			}
			_ = raw
		}
		if len(got) < len(want) {
			// Duplicate keys in different spellings are the only way the scanner
			// could see fewer distinct keys than encoding/json.
			t.Fatalf("scanner saw %d keys, encoding/json %d in %q", len(got), len(want), b)
		}
		// String values decode the same.
		for _, k := range order {
			var key string
			_ = json.Unmarshal([]byte(`"`+k+`"`), &key)
			if s, isStr := jsonString([]byte(got[k])); isStr {
				var w string
				if json.Unmarshal(want[key], &w) == nil && w != s && countKey(order, k) == 1 {
					t.Fatalf("value of %q: %q vs %q", key, s, w)
				}
			}
		}
	})
}

func countKey(keys []string, k string) int {
	n := 0
	for _, x := range keys {
		if x == k {
			n++
		}
	}
	return n
}

// FuzzFindMembers checks the two-way member search against encoding/json
// on valid objects without duplicate keys.
func FuzzFindMembers(f *testing.F) {
	for _, s := range []string{
		`{"id":"evt_1","object":"event","created":1,"data":{"object":{"type":"x"}},"request":{"id":null},"type":"a.b"}`,
		`{"data":[1,"]"],"id":"x\"y","type":"t\\","created":"2024-01-01T00:00:00Z"}`,
		"{\n  \"id\": \"e\",\n  \"data\": {\"a\": 1},\n  \"type\" : \"z\" \n}\n",
		`{"type":"only"}`, `{}`, `{"id":1,"type":true,"created":null,"data":{}}`, `{"a":{},"b":"}"}`,
	} {
		f.Add([]byte(s))
	}
	keys := []string{"id", "type", "created", "data"}
	f.Fuzz(func(t *testing.T, b []byte) {
		vals := make([][]byte, len(keys))
		ok := findMembers(b, keys, vals)
		var want map[string]json.RawMessage
		if json.Unmarshal(b, &want) != nil || want == nil {
			return
		}
		seen := map[string]int{}
		scanObject(b, func(k, _ []byte) bool { seen[string(k)]++; return true })
		for k, n := range seen {
			var key string
			if n > 1 || json.Unmarshal([]byte(`"`+k+`"`), &key) != nil || key != k {
				return // duplicate or escaped keys: not compared
			}
		}
		if !ok {
			t.Fatalf("refused valid object %q", b)
		}
		for i, k := range keys {
			w, present := want[k]
			if !present {
				if vals[i] != nil {
					t.Fatalf("found absent key %q", k)
				}
				continue
			}
			var got, exp bytes.Buffer
			if err := json.Compact(&got, vals[i]); err != nil {
				t.Fatalf("key %q: value %q does not compact: %v", k, vals[i], err)
			}
			_ = json.Compact(&exp, w)
			if got.String() != exp.String() {
				t.Fatalf("key %q: %q, want %q", k, got.String(), exp.String())
			}
		}
	})
}

// FuzzSignedBodies signs arbitrary bodies correctly and hands them to every
// verifier: event extraction must never panic, must fail only with
// ErrMalformedBody, and must never return an event without an ID.
func FuzzSignedBodies(f *testing.F) {
	f.Add([]byte(universalBody))
	f.Add([]byte(`{"event":"charge.success","data":{"id":1,"paid_at":"2024-01-01T00:00:00Z"}}`))
	f.Add([]byte(`{"data":{"id":"x"},"type":"charge.completed"}`))
	f.Add([]byte(`{"type":"event_callback","event":{"type":"message"},"event_id":"Ev1"}`))
	f.Add([]byte(`{"type":"url_verification","challenge":"c"}`))
	f.Add([]byte(`{"id":"evt","data":{"a":[{"b":"}"}]},"request":{"id":null},"type":"t"}`))
	f.Add([]byte(`{"data":`))
	f.Add([]byte(nil))
	var vs []Verifier
	for _, p := range allProviders {
		vs = append(vs, newVerifier(f, p, testSecret(p), fixedClock()))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range vs {
			h := signedHeaders(v.Provider(), testSecret(v.Provider()), testNow, body)
			events, err := v.Verify(&Delivery{Header: h, Body: body})
			if err != nil {
				if !errors.Is(err, ErrMalformedBody) {
					t.Fatalf("%s: %v", v.Provider(), err)
				}
				continue
			}
			for _, e := range events {
				if e.ID == "" || e.Provider != v.Provider() {
					t.Fatalf("%s: event %+v", v.Provider(), e)
				}
			}
		}
	})
}
