package webhooks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// refFlutterwaveRead is the straightforward reading flutterwaveRead must
// agree with: the members before "data", then, when they name no type, a
// search of the whole object for "type" and then "event", then a walk of
// data for id and created_at.
func refFlutterwaveRead(b []byte) (f flutterwaveFields, ok bool) {
	var typ string
	start, ok := leadingMembers(b, "data", func(k, val []byte) bool {
		switch string(k) {
		case "type":
			typ, _ = jsonString(val)
		case "event":
			if typ == "" {
				typ, _ = jsonString(val)
			}
		}
		return true
	})
	if !ok {
		return f, false
	}
	if typ == "" && start >= 0 {
		if typ, _ = jsonString(objectField(b, "type")); typ == "" {
			typ, _ = jsonString(objectField(b, "event"))
		}
	}
	f.typ = typ
	if start >= 0 {
		scanObject(b[start:], func(k, val []byte) bool {
			switch string(k) {
			case "id":
				f.id, _ = jsonScalar(val)
			case "created_at":
				f.time = jsonTime(val)
			}
			return f.id == "" || f.time.IsZero()
		})
	}
	return f, true
}

func requireSameFlutterwave(t *testing.T, body string) {
	t.Helper()
	got, ok := flutterwaveRead([]byte(body))
	want, wok := refFlutterwaveRead([]byte(body))
	require.Equal(t, wok, ok, "%q", body)
	if ok {
		require.Equal(t, want.typ, got.typ, "%q", body)
		require.Equal(t, want.id, got.id, "%q", body)
		require.True(t, want.time.Equal(got.time), "%q", body)
	}
}

var flutterwaveTypeCases = []string{
	``, `x`, `[]`, `{}`, `{"data":{}}`, `{"type":"a"}`, `{"event":"e"}`, `{"type":"a","data":{"id":1}}`,
	`{"data":{"id":1},"type":"a"}`, `{"data":{"id":1},"event":"e","event.type":"X"}`,
	`{"data":{"id":1},"type":5,"event":"e"}`, `{"type":5,"data":{},"event":"e"}`, `{"type":"","event":"e","data":{}}`,
	`{"event":"e","type":"t","data":{}}`, `{"type":"t","type":"","data":{}}`, `{"type":"t","type":"","event":"e","data":{}}`,
	`{"data":{"id":1},"type":"a","type":"b"}`, `{"data":{"id":1},"event":"a","event":"b","type":""}`,
	`{"data":{"id":1} "type":"a"}`, `{"data":{"id":1},"type":"a"`, `{"data":{"id":1,"type":"a"}`, `{"data":[1,"]"],"type":"a"}`,
	`{"data":{"a":1"}"},"type":"t"}`, `{"a":1 "type":"x","data":{}}`, `{"data":{},"data":{},"event":"e"}`,
	`{"data":{"id":1},"event":"a\u00e9"}`, `{"data":{"id":1},"type":"bad` + "\xff" + `"}`, ` { "data" : { } , "type" : "t" } `,
	`{"data":"str","type":"t"}`, `{"data":null,"event":"e"}`, `{"data":{"id":1},"type":}`,
	`{"data":{"id":"x","id":"y","created_at":"2020-07-06T19:17:04.000Z","id":"z"},"event":"e"}`,
	`{"data":{"created_at":1594062000,"id":7},"type":"t"}`, `{"data":{"id":null,"created_at":"bad"},"event":"e"}`,
	`{"data":{"id":1,"created_at":"2020-07-06T19:17:04Z" "x":1},"event":"e"}`, `{"data":{"id":1,"x":t"ru"e},"event":"e"}`,
	`{"data":{"x":1]},"event":"e"}`, `{"data":{"id":1,"n":{"a":[1,2,{"b":"}"}]}},"event":"e"}`,
	`{"type":"t","data":{"id":"a","created_at":"2020-07-06T19:17:04Z","id":"b"}}`,
}

func TestFlutterwaveReadMatchesReference(t *testing.T) {
	for _, c := range flutterwaveTypeCases {
		requireSameFlutterwave(t, c)
	}
}

func FuzzFlutterwaveReadMatchesReference(f *testing.F) {
	for _, c := range flutterwaveTypeCases {
		f.Add(c)
	}
	f.Fuzz(requireSameFlutterwave)
}
